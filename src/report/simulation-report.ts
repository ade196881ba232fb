/** Tables and plots of simulation results (no I/O). */
import type { SimDataflow } from '../chip/simulation-config.ts';
import type { SimulationResult } from '../simulator/simulate.ts';
import type { PlotSpec } from './plot.ts';
import { linePlot } from './plot.ts';

const pct = (x: number): string => (100 * x).toFixed(2);

/** Mean ± standard deviation over draws; one draw has no spread, and saying "± 0.00" would claim one. */
function accuracyCell(r: Pick<SimulationResult, 'accuracyMean' | 'accuracyStd' | 'draws'>): string {
  return r.draws > 1 ? `${pct(r.accuracyMean)} ± ${pct(r.accuracyStd)}` : `${pct(r.accuracyMean)} (1 draw, no spread)`;
}

/** One Markdown table row per result. */
export function simulationTable(results: SimulationResult[]): string {
  const head =
    '| dataflow | mode | σ | images × draws | accuracy (%) mean ± std | 8-bit reference (%) | Δ (pp) | hardware SINAD (dB, mean of layers) | A/D conversions per image |';
  const sep = '|---|---|---:|---:|---:|---:|---:|---:|---:|';
  const rows = results.map(
    (r) =>
      `| ${r.dataflow} | ${r.mode} | ${r.sigma} | ${r.images} × ${r.draws} | ${accuracyCell(r)} | ${pct(r.referenceAccuracy)} | ${((r.accuracyMean - r.referenceAccuracy) * 100).toFixed(2)} | ${Number.isFinite(r.sinadMeanDb) && r.sinadMeanDb < 199 ? r.sinadMeanDb.toFixed(1) : 'exact'} | ${Math.round(r.conversionsTotal / r.images).toLocaleString('en-US')} |`,
  );
  return [head, sep, ...rows].join('\n');
}

/** Per-layer SINAD table. */
export function sinadTable(results: SimulationResult[]): string {
  const layers = results[0]?.sinad.map((s) => s.layer) ?? [];
  const head = `| dataflow | ${layers.join(' | ')} |`;
  const sep = `|---|${layers.map(() => '---:').join('|')}|`;
  const rows = results.map(
    (r) => `| ${r.dataflow} | ${r.sinad.map((s) => (s.sinadDb >= 199 ? 'exact' : s.sinadDb.toFixed(1))).join(' | ')} |`,
  );
  return [head, sep, ...rows].join('\n');
}

/** Accuracy versus a swept variable, one series per dataflow. */
export function sweepPlot(
  title: string,
  xTitle: string,
  rows: Array<{ x: number; accuracy: number; accuracyStd?: number; series: string }>,
  xScale: 'linear' | 'log' = 'linear',
  reference?: number,
): PlotSpec {
  return linePlot({
    title,
    xTitle,
    yTitle: 'top-1 accuracy (%), ± 1 std over draws',
    rows: rows.map((r) => ({
      x: r.x,
      y: 100 * r.accuracy,
      series: r.series,
      ...(r.accuracyStd ? { yLow: 100 * (r.accuracy - r.accuracyStd), yHigh: 100 * (r.accuracy + r.accuracyStd) } : {}),
    })),
    xScale,
    points: true,
    targets:
      reference === undefined
        ? []
        : [
            { y: 100 * reference, label: '8-bit reference' },
            { y: 100 * reference - 1, label: '1 pp below' },
          ],
  });
}

/** The σ at which accuracy first drops `points` percentage points below the reference (linear interpolation), or null. */
export function sigmaAtLoss(curve: Array<{ sigma: number; accuracy: number }>, reference: number, points = 1): number | null {
  const target = reference - points / 100;
  const sorted = [...curve].sort((a, b) => a.sigma - b.sigma);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].accuracy < target) {
      if (i === 0) return sorted[0].sigma;
      const a = sorted[i - 1];
      const b = sorted[i];
      return a.sigma + ((a.accuracy - target) / (a.accuracy - b.accuracy)) * (b.sigma - a.sigma);
    }
  }
  return null;
}

/** Everything one `simulate` invocation produced. */
export interface SimulationReport {
  workload: string;
  model: string;
  results: SimulationResult[];
  sigmaSweep?: Array<{ dataflow: SimDataflow; sigma: number; accuracy: number; accuracyStd: number; sinadMeanDb: number }>;
  sigmaAtOnePointLoss?: Array<{ dataflow: SimDataflow; sigma: number | null }>;
  sinadSweep?: Array<{ sinadDb: number; accuracy: number; accuracyStd: number }>;
}

/** Markdown report of a simulation. */
export function simulationMarkdown(r: SimulationReport): string {
  const parts = [
    `# Accelerator simulation`,
    '',
    `Model: \`${r.model}\`; ${r.workload}.`,
    '',
    simulationTable(r.results),
    '',
    'Hardware SINAD per crossbar layer (dB, layer fed its reference inputs):',
    '',
    sinadTable(r.results),
  ];
  const ranges = r.results.find((x) => x.ranges)?.ranges;
  if (ranges)
    parts.push(
      '',
      `Neural-PIM converter range per layer: ${ranges.map((x) => `${x.layer} range ${x.rangeFraction}, gain ${x.sensingGain}`).join(', ')}.`,
    );
  if (r.sigmaAtOnePointLoss) {
    parts.push(
      '',
      '| dataflow | σ at which accuracy drops 1 point |',
      '|---|---:|',
      ...r.sigmaAtOnePointLoss.map((s) => `| ${s.dataflow} | ${s.sigma === null ? 'beyond the sweep' : s.sigma.toFixed(4)} |`),
    );
  }
  if (r.sinadSweep)
    parts.push(
      '',
      '| injected SINAD (dB) | accuracy (%) |',
      '|---:|---:|',
      ...r.sinadSweep.map((s) => `| ${s.sinadDb} | ${(100 * s.accuracy).toFixed(2)} |`),
    );
  return parts.join('\n') + '\n';
}
