/** Text and plot renderings of an NNS+A evaluation (no I/O). */
import { distributionPlot, type PlotSpec } from './plot.ts';
import {
  NNSA_CALIBRATED_MAX_ERROR_TARGET_VOLTS,
  NNSA_MONTE_CARLO_MAX_ERROR_TARGET_VOLTS,
  type NnsaEvaluation,
} from '../circuits/nnsa/evaluate.ts';
import type { CornerModeName } from '../circuits/network.ts';

const mV = (v: number): string => (v * 1e3).toFixed(2);

/** How reports name a Monte Carlo corner mode. */
export const CORNER_MODE_LABELS: Record<string, string> = {
  nominal: 'nominal (TT)',
  global: 'global (one corner per die)',
  'die-mismatch': 'die-mismatch (one corner per die + local mismatch)',
  'per-neuron': 'per-neuron (an independent corner per inverter: stress case)',
};

/** Human-readable summary lines. */
export function nnsaEvaluationText(e: NnsaEvaluation): string {
  const n = e.nominal;
  const lines = [
    `nominal devices, TT 27 °C (${e.nominalPoints} points): MSE ${n.mseVolts2.toExponential(2)} V², RMS ${mV(n.rmsVolts)} mV, max |error| ${mV(n.maxAbsVolts)} mV (+${mV(n.maxPositiveVolts)} / ${mV(n.maxNegativeVolts)} mV)`,
    `${e.multiCycle.cycles}-cycle recursion (${e.multiCycle.sequences} sequences): RMS ${mV(e.multiCycle.rmsVolts)} mV, max |error| ${mV(e.multiCycle.maxAbsVolts)} mV`,
  ];
  for (const m of e.monteCarlo) {
    lines.push(
      `Monte Carlo, σ = ${m.sigma}, corners ${CORNER_MODE_LABELS[m.corners] ?? m.corners}, ${m.programming} (${m.draws} draws${m.trimMillivolts === undefined ? '' : `, hidden neurons trimmed to ±${m.trimMillivolts} mV`}): max |error| mean ${mV(m.meanMaxAbsVolts)} mV, p95 ${mV(m.p95MaxAbsVolts)} mV, worst ${mV(m.worstMaxAbsVolts)} mV; mean RMS ${mV(m.meanRmsVolts)} mV; after offset/gain calibration: mean ${mV(m.offsetGainCalibrated.meanMaxAbsVolts)} mV, p95 ${mV(m.offsetGainCalibrated.p95MaxAbsVolts)} mV, mean RMS ${mV(m.offsetGainCalibrated.meanRmsVolts)} mV`,
    );
  }
  return lines.join('\n');
}

/** Error envelope (min/mean/max over bins of the ideal output) as a Vega-Lite spec. */
export function nnsaErrorPlot(e: NnsaEvaluation, title: string): PlotSpec {
  const rows = e.errorVsOutput.flatMap((b) => [
    { x: b.yIdeal * 0.5, y: b.maxVolts * 1e3, series: 'max' },
    { x: b.yIdeal * 0.5, y: b.meanVolts * 1e3, series: 'mean' },
    { x: b.yIdeal * 0.5, y: b.minVolts * 1e3, series: 'min' },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'ideal differential output P − N (V)' },
      y: { field: 'y', type: 'quantitative', title: 'output error (mV)' },
      color: { field: 'series', type: 'nominal', title: 'error' },
    },
  };
}

/** How the plots name a corner mode (short: axis labels). */
export const CORNER_LABELS: Record<CornerModeName, string> = {
  nominal: 'TT',
  global: 'corner per die',
  'die-mismatch': 'corner per die + mismatch',
  'per-neuron': 'corner per neuron (stress)',
};

/**
 * The Monte Carlo spread: per-draw max |error| of every corner mode, as programmed or trimmed,
 * before and after offset/gain calibration, against the targets for their mean.
 */
export function nnsaMonteCarloPlot(e: NnsaEvaluation, title: string): PlotSpec {
  const mv = (xs: number[]) => xs.map((x) => x * 1e3);
  return distributionPlot({
    title,
    yTitle: 'per-draw max |error| (mV)',
    // The per-neuron-corner stress case lies an order of magnitude above the others.
    yScale: 'log',
    cases: e.monteCarlo.flatMap((m) => [
      { label: `${CORNER_LABELS[m.corners]}, ${m.programming}`, group: m.programming, values: mv(m.perDrawMaxAbsVolts) },
      {
        label: `${CORNER_LABELS[m.corners]}, ${m.programming}, calibrated`,
        group: `${m.programming}, offset/gain calibrated`,
        values: mv(m.offsetGainCalibrated.perDrawMaxAbsVolts),
      },
    ]),
    targets: [
      { y: NNSA_MONTE_CARLO_MAX_ERROR_TARGET_VOLTS * 1e3, label: 'target for the mean, as programmed' },
      { y: NNSA_CALIBRATED_MAX_ERROR_TARGET_VOLTS * 1e3, label: 'target for the mean, trimmed and calibrated' },
    ],
  });
}
