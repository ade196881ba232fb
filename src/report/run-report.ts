/** The report of the main job (`npim run`): report.md and the summary printed on stdout (no I/O). */
import type { Comparison } from '../cost/evaluate.ts';
import { comparisonMarkdown, comparisonText } from './cost-report.ts';
import { chainMarkdown } from './chain-report.ts';
import type { ChainResult } from '../simulator/chain.ts';
import { attributionTable, runEnergyTable, simulationMarkdown, simulationTable, type SimulationReport } from './simulation-report.ts';

/** File name of the simulated run's energy breakdown plot, written beside report.md. */
export const RUN_ENERGY_PLOT_FILE = 'energy-breakdown-run.svg';

/** The Markdown of `report.md`: accuracy on the accelerator, then energy, throughput and area. */
export function mainReportMarkdown(
  report: SimulationReport,
  comparison: Comparison,
  backendName: string,
  seconds: number,
  chain: ChainResult[] | null = null,
): string {
  const npim = report.results.find((r) => r.dataflow === 'neural-pim');
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
    ...(chain
      ? [
          "## Neural-PIM SINAD: the reference design's random-kernel measurement beside the real layers",
          '',
          'Both conventions: RMS-referred, 10·log10((P_signal + P_noise)/P_noise); peak-referred, 20·log10(max|x| / RMS error), the',
          'convention of noise injection and of the rule that about 45 dB is needed. Random kernels on uniformly random inputs use the',
          "converters' whole range; real layers' partial sums sit lower in it.",
          '',
          chainMarkdown(chain, npim),
          '',
        ]
      : []),
    '## Energy, throughput and area (nine ImageNet benchmarks)',
    '',
    comparisonMarkdown(comparison, { command: 'npim run' }).replace(/^# .*\n/, ''),
  ].join('\n');
}

/** The text summary of the main job: the accuracy table, the cost comparison, where the report is. */
export function mainJobText(
  report: SimulationReport,
  comparison: Comparison,
  reportPath: string,
  seconds: number,
  chain: ChainResult[] | null = null,
): string {
  return [
    `${report.model} on ${report.workload}`,
    '',
    simulationTable(report.results),
    '',
    ...(attributionTable(report.results)
      ? ['Where the Neural-PIM error comes from (RMS-referred SINAD per layer, dB):', '', attributionTable(report.results), '']
      : []),
    ...(report.energy?.some((e) => e.energy)
      ? ['Accuracy and energy per inference from the same run:', '', runEnergyTable(report), '']
      : []),
    ...(chain
      ? [
          'Neural-PIM SINAD, RMS- and peak-referred: random-kernel array (reference design) beside the real layers:',
          '',
          chainMarkdown(
            chain,
            report.results.find((r) => r.dataflow === 'neural-pim'),
          ),
          '',
        ]
      : []),
    comparisonText(comparison),
    '',
    `report: ${reportPath} (${seconds.toFixed(0)} s)`,
  ].join('\n');
}
