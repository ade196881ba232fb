/** The report of the main job (`npim run`): report.md and the summary printed on stdout (no I/O). */
import type { Comparison } from '../cost/evaluate.ts';
import { comparisonMarkdown, comparisonText } from './cost-report.ts';
import { runEnergyTable, simulationMarkdown, simulationTable, type SimulationReport } from './simulation-report.ts';

/** File name of the simulated run's energy breakdown plot, written beside report.md. */
export const RUN_ENERGY_PLOT_FILE = 'energy-breakdown-run.svg';

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
    ...(report.energy?.some((e) => e.energy)
      ? [`![Energy per inference of the simulated run by component](${RUN_ENERGY_PLOT_FILE})`, '']
      : []),
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
    ...(report.energy?.some((e) => e.energy)
      ? ['Accuracy and energy per inference from the same run:', '', runEnergyTable(report), '']
      : []),
    comparisonText(comparison),
    '',
    `report: ${reportPath} (${seconds.toFixed(0)} s)`,
  ].join('\n');
}
