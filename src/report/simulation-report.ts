/** Tables and plots of simulation results (no I/O). */
import type { SimDataflow } from '../chip/simulation-config.ts';
import type { SimulationResult } from '../simulator/simulate.ts';
import type { PlotSpec } from './plot.ts';
import { linePlot } from './plot.ts';
import { CATEGORY_LABELS, ENERGY_CATEGORIES } from '../cost/evaluate.ts';
import type { RunEnergy } from '../cost/run-energy.ts';
import { COMPONENT_STACK_ENCODING, formatNumber } from './cost-report.ts';

/** The energy of one base run of a simulation (null when it has no hardware to cost, with the reason). */
export interface RunEnergyEntry {
  dataflow: SimDataflow;
  energy: RunEnergy | null;
  note?: string;
}

/** A SINAD for a table: 'exact' when capped (no error), '–' when not measured. */
function sinadCell(db: number | undefined): string {
  if (db === undefined || Number.isNaN(db)) return '–';
  return Number.isFinite(db) && db < 199 ? db.toFixed(1) : 'exact';
}

const pct = (x: number): string => (100 * x).toFixed(2);

/** Mean ± standard deviation over draws; one draw has no spread, and saying "± 0.00" would claim one. */
function accuracyCell(r: Pick<SimulationResult, 'accuracyMean' | 'accuracyStd' | 'draws'>): string {
  return r.draws > 1 ? `${pct(r.accuracyMean)} ± ${pct(r.accuracyStd)}` : `${pct(r.accuracyMean)} (1 draw, no spread)`;
}

/** One Markdown table row per result. */
export function simulationTable(results: SimulationResult[]): string {
  const head =
    '| dataflow | mode | σ | images × draws | accuracy (%) mean ± std | 8-bit reference (%) | Δ (pp) | SINAD RMS-referred (dB, mean of layers) | SINAD peak-referred (dB, mean of layers) | A/D conversions per image |';
  const sep = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const rows = results.map(
    (r) =>
      `| ${r.dataflow} | ${r.mode} | ${r.sigma} | ${r.images} × ${r.draws} | ${accuracyCell(r)} | ${pct(r.referenceAccuracy)} | ${((r.accuracyMean - r.referenceAccuracy) * 100).toFixed(2)} | ${sinadCell(r.sinadMeanDb)} | ${sinadCell(r.sinadPeakMeanDb)} | ${Math.round(r.conversionsTotal / r.images).toLocaleString('en-US')} |`,
  );
  return [head, sep, ...rows].join('\n');
}

/** Per-layer SINAD table, both conventions (RMS-referred as measured on outputs; peak-referred as injection uses). */
export function sinadTable(results: SimulationResult[]): string {
  const layers = results[0]?.sinad.map((s) => s.layer) ?? [];
  const head = `| dataflow | convention | ${layers.join(' | ')} |`;
  const sep = `|---|---|${layers.map(() => '---:').join('|')}|`;
  const rows = results.flatMap((r) => [
    `| ${r.dataflow} | RMS-referred | ${r.sinad.map((s) => sinadCell(s.sinadDb)).join(' | ')} |`,
    `| ${r.dataflow} | peak-referred | ${layers.map((_, i) => sinadCell(r.sinadPeak?.[i]?.sinadDb)).join(' | ')} |`,
  ]);
  return [head, sep, ...rows].join('\n');
}

/**
 * Where each Neural-PIM layer's error comes from: its RMS-referred SINAD as built, with the NNS+A
 * ideal, with the NNADC ideal and with both ideal, each source's share of the error power and the
 * dominant one (`PeripheralAttribution`). Empty when no result measured it.
 */
export function attributionTable(results: SimulationResult[]): string {
  const rows = results.flatMap((r) =>
    (r.attribution ?? []).map(
      (a) =>
        `| ${r.dataflow} | ${a.layer} | ${a.rows} | ${sinadCell(a.hardwareDb)} | ${sinadCell(a.nnsaIdealDb)} | ${sinadCell(a.nnadcIdealDb)} | ${sinadCell(a.idealPeripheralsDb)} | ${(100 * a.shares['NNS+A']).toFixed(0)} / ${(100 * a.shares.NNADC).toFixed(0)} / ${(100 * a.shares['crossbar + 8-bit quantization']).toFixed(0)} | ${a.dominant} |`,
    ),
  );
  if (!rows.length) return '';
  return [
    '| dataflow | layer | rows | as built | NNS+A ideal | NNADC ideal | both ideal | error share % NNS+A / NNADC / crossbar + quantization | dominant |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

function joules(j: number): string {
  if (j >= 1e-3) return `${formatNumber(j * 1e3)} mJ`;
  if (j >= 1e-6) return `${formatNumber(j * 1e6)} µJ`;
  return `${formatNumber(j * 1e9)} nJ`;
}

function secondsCell(s: number): string {
  if (s >= 1e-3) return `${formatNumber(s * 1e3)} ms`;
  if (s >= 1e-6) return `${formatNumber(s * 1e6)} µs`;
  return `${formatNumber(s * 1e9)} ns`;
}

/**
 * Accuracy and energy per inference of each base run, from the same run: the energy is charged
 * on the events the run counted (draw 0), with its breakdown, latency and throughput.
 */
export function runEnergyTable(r: Pick<SimulationReport, 'results' | 'energy'>): string {
  const head = `| dataflow | accuracy (%) | energy / inference | dynamic energy | static energy | ${ENERGY_CATEGORIES.map((k) => CATEGORY_LABELS[k]).join(' | ')} | latency | inferences/s | analytic energy (default activity) |`;
  const sep = `|---|---:|---:|---:|---:|${ENERGY_CATEGORIES.map(() => '---:').join('|')}|---:|---:|---:|`;
  const rows = (r.energy ?? []).flatMap((e, i) => {
    const res = r.results[i];
    const acc = res ? pct(res.accuracyMean) : '–';
    if (!e.energy) return [];
    const en = e.energy;
    return [
      `| ${e.dataflow} | ${acc} | ${joules(en.energyJoules)} | ${joules(en.dynamicEnergyJoules)} | ${joules(en.staticEnergyJoules)} | ${ENERGY_CATEGORIES.map((k) => `${((100 * en.energyByCategory[k]) / en.energyJoules).toFixed(1)}%`).join(' | ')} | ${secondsCell(en.latencySeconds)} | ${formatNumber(en.inferencesPerSecond)} | ${joules(en.analyticEnergyJoules)} |`,
    ];
  });
  const notes = (r.energy ?? []).filter((e) => e.note).map((e) => `- ${e.dataflow}: ${e.note}.`);
  return [head, sep, ...rows, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** Stacked bars of the energy per inference of each costed run, by category (nJ). */
export function energyBreakdownRunPlot(entries: RunEnergyEntry[], model: string): PlotSpec {
  const values = entries.flatMap((e) =>
    e.energy
      ? ENERGY_CATEGORIES.map((k, order) => ({
          dataflow: e.dataflow,
          component: CATEGORY_LABELS[k],
          order,
          energyNanojoules: e.energy!.energyByCategory[k] * 1e9,
        }))
      : [],
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Energy per inference of the simulated run, by component', subtitle: `${model}: events counted in draw 0` },
    width: 60 * Math.max(1, entries.filter((e) => e.energy).length) + 40,
    height: 260,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'dataflow', type: 'nominal', sort: entries.map((e) => e.dataflow), title: null },
      y: { field: 'energyNanojoules', type: 'quantitative', stack: 'zero', title: 'energy per inference (nJ)' },
      ...COMPONENT_STACK_ENCODING,
    },
  };
}

/**
 * Accuracy versus injected SINAD, on the injection's peak-referred axis, with each hardware run
 * placed at its measured peak-referred SINAD (mean of layers) so that measured and injected are
 * compared in the same convention.
 */
export function sinadSweepPlot(r: Pick<SimulationReport, 'results' | 'sinadSweep'>): PlotSpec {
  const base = sweepPlot(
    'Accuracy vs injected SINAD (peak-referred)',
    'SINAD of every layer, peak-referred: 20·log10(max|x| / RMS error) (dB)',
    (r.sinadSweep ?? []).map((s) => ({ x: s.sinadDb, accuracy: s.accuracy, accuracyStd: s.accuracyStd, series: 'noise injection' })),
    'linear',
    r.results[0]?.referenceAccuracy,
  ) as PlotSpec & { layer?: unknown[] };
  const measured = r.results
    .filter((x) => x.dataflow !== 'ideal' && x.mode !== 'sinad-injection' && Number.isFinite(x.sinadPeakMeanDb) && x.sinadPeakMeanDb < 199)
    .map((x) => ({ x: x.sinadPeakMeanDb, y: 100 * x.accuracyMean, label: `${x.dataflow} (measured)` }));
  if (!measured.length || !base.layer) return base;
  return {
    ...base,
    layer: [
      ...base.layer,
      {
        data: { values: measured },
        mark: { type: 'point', shape: 'diamond', size: 90, filled: true, color: '#000' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: measured },
        mark: { type: 'text', align: 'left', dx: 6, dy: 10, color: '#000' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as PlotSpec;
}

/** Accuracy versus a swept variable, one series per dataflow. */
export function sweepPlot(
  title: string,
  xTitle: string,
  rows: Array<{ x: number; accuracy: number; accuracyStd?: number; series: string }>,
  xScale: 'linear' | 'log' = 'linear',
  reference?: number,
  xMarkers: Array<{ x: number; label: string }> = [],
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
    xMarkers,
  });
}

/**
 * Accuracy versus programming σ, one series per dataflow with its spread over draws, the 8-bit
 * reference and 1 pp below it as targets, and a dotted line at the σ where each dataflow loses 1
 * point (interpolated, {@link sigmaAtLoss}).
 */
export function sigmaSweepPlot(r: Pick<SimulationReport, 'results' | 'sigmaSweep' | 'sigmaAtOnePointLoss'>): PlotSpec {
  return sweepPlot(
    'Accuracy vs programming variation σ',
    'log-normal σ of every device',
    (r.sigmaSweep ?? []).map((s) => ({ x: s.sigma, accuracy: s.accuracy, accuracyStd: s.accuracyStd, series: s.dataflow })),
    'linear',
    r.results[0]?.referenceAccuracy,
    (r.sigmaAtOnePointLoss ?? []).flatMap((s) =>
      s.sigma === null ? [] : [{ x: s.sigma, label: `${s.dataflow}: −1 pp at σ ${s.atFirstPoint ? '≤ ' : ''}${s.sigma.toFixed(3)}` }],
    ),
  );
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
  /**
   * The σ at which each dataflow loses 1 point against the 8-bit reference, interpolated between
   * the sweep points around it (null: never within the sweep; `atFirstPoint`: already lost at the
   * smallest σ swept, so `sigma` is only an upper bound).
   */
  sigmaAtOnePointLoss?: Array<{ dataflow: SimDataflow; sigma: number | null; atFirstPoint?: boolean }>;
  /**
   * Accuracy vs injected SINAD: `sinadDb` is the injected, peak-referred SINAD; the measured RMS-
   * and peak-referred SINAD of the injected outputs (mean of layers) are kept beside it.
   */
  sinadSweep?: Array<{ sinadDb: number; accuracy: number; accuracyStd: number; measuredRmsSinadDb?: number; measuredPeakSinadDb?: number }>;
  /** Energy per inference of each base run (same order as `results`). */
  energy?: RunEnergyEntry[];
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
    'Hardware SINAD per crossbar layer (dB, layer fed its reference inputs), in both conventions: RMS-referred,',
    '10·log10((P_signal + P_noise)/P_noise) on the rescaled outputs; peak-referred, 20·log10(max|x| / RMS error) on',
    'the accumulations, the convention of `--inject-sinad` and of the rule that about 45 dB is needed:',
    '',
    sinadTable(r.results),
  ];
  const attribution = attributionTable(r.results);
  if (attribution)
    parts.push(
      '',
      "Where the Neural-PIM error comes from, per layer: RMS-referred SINAD (dB) on the first rows of the layer's reference",
      "inputs with the draw's crossbar and peripherals as built, with the NNS+A replaced by the exact recursion, with the",
      'NNADC replaced by an ideal 8-bit converter of the same range, and with both; shares of the error power, mean over draws:',
      '',
      attribution,
    );
  if (r.energy?.some((e) => e.energy))
    parts.push(
      '',
      'Accuracy and energy per inference from the same run (events counted in draw 0 on the chip preset of each dataflow; `cost/run-energy.ts`):',
      '',
      runEnergyTable(r),
    );
  const ranges = r.results.find((x) => x.ranges)?.ranges;
  if (ranges)
    parts.push(
      '',
      `Neural-PIM converter range per layer: ${ranges.map((x) => `${x.layer} range ${x.rangeFraction}, gain ${x.sensingGain}`).join(', ')}.`,
    );
  if (r.sigmaSweep?.length)
    parts.push(
      '',
      '| dataflow | σ | accuracy (%) mean ± std over draws | SINAD RMS-referred (dB, mean of layers) |',
      '|---|---:|---:|---:|',
      ...r.sigmaSweep.map(
        (s) => `| ${s.dataflow} | ${s.sigma} | ${pct(s.accuracy)} ± ${pct(s.accuracyStd)} | ${sinadCell(s.sinadMeanDb)} |`,
      ),
    );
  if (r.sigmaAtOnePointLoss) {
    parts.push(
      '',
      '| dataflow | σ at which accuracy drops 1 point |',
      '|---|---:|',
      ...r.sigmaAtOnePointLoss.map(
        (s) =>
          `| ${s.dataflow} | ${s.sigma === null ? 'beyond the sweep' : s.atFirstPoint ? `≤ ${s.sigma.toFixed(4)} (lost at the smallest σ swept)` : s.sigma.toFixed(4)} |`,
      ),
    );
  }
  if (r.sinadSweep)
    parts.push(
      '',
      '| injected SINAD, peak-referred (dB) | measured RMS-referred (dB) | accuracy (%) mean ± std over draws |',
      '|---:|---:|---:|',
      ...r.sinadSweep.map((s) => `| ${s.sinadDb} | ${sinadCell(s.measuredRmsSinadDb)} | ${pct(s.accuracy)} ± ${pct(s.accuracyStd)} |`),
    );
  return parts.join('\n') + '\n';
}
