/** The report of the main job (`npim run`): report.md and the summary printed on stdout (no I/O). */
import type { Comparison } from '../cost/evaluate.ts';
import { comparisonMarkdown, comparisonText } from './cost-report.ts';
import { simulationMarkdown, simulationTable, type SimulationReport } from './simulation-report.ts';

/** The Markdown of `report.md`: accuracy on the accelerator, then energy, throughput and area. */
export function mainReportMarkdown(report: SimulationReport, comparison: Comparison, backendName: string, seconds: number): string {
  return [
    '# neural-pim report',
    '',
    `Backend: ${backendName}. Wall time ${seconds.toFixed(0)} s.`,
    '',
    '## Accuracy on the accelerator',
    '',
    simulationMarkdown(report).replace(/^# .*\n\n/, ''),
    '## Energy, throughput and area (nine ImageNet benchmarks)',
    '',
    comparisonMarkdown(comparison, { command: 'npim run' }).replace(/^# .*\n/, ''),
  ].join('\n');
}

/** The text summary of the main job: the accuracy table, the cost comparison, where the report is. */
export function mainJobText(report: SimulationReport, comparison: Comparison, reportPath: string, seconds: number): string {
  return [
    `LeNet-5 on ${report.workload}`,
    '',
    simulationTable(report.results),
    '',
    comparisonText(comparison),
    '',
    `report: ${reportPath} (${seconds.toFixed(0)} s)`,
  ].join('\n');
}
