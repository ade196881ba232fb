/** Text and SVG renderings of converter metrics (used by `eval adc` and `train adc`). */
import { idealTransitionVolts, type ConverterMetrics } from '../analysis/adc-metrics.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { NNADC_REFERENCE_MONTE_CARLO_ENOB_BITS, type endToEnd, type NnadcEvaluation } from '../circuits/nnadc/evaluate.ts';
import { distributionPlot, type PlotSpec } from './plot.ts';
import { CORNER_LABELS } from './nnsa-report.ts';

const n2 = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const s2 = (x: number, digits = 2) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(digits) : 'n/a');

/** The IEEE 1241 figures of one measured converter as aligned text lines (`npim eval adc`); `what` names it. */
export function metricsText(what: string, m: ConverterMetrics): string {
  const l = m.linearity;
  const s = m.sine;
  const sc = m.scale;
  const missing =
    l.missingCodes.length === 0
      ? 'none'
      : `${l.missingCodes.length}: ${l.missingCodes.slice(0, 20).join(', ')}${l.missingCodes.length > 20 ? ', …' : ''}`;
  return [
    `converter       ${what}`,
    `scale           ${sc.bits}-bit, input ${m.range.vLowVolts}..${m.range.vHighVolts} V (${m.range.convention}), LSB ${(sc.lsbVolts * 1e3).toPrecision(4)} mV`,
    `ENOB            ${n2(s.enobBits, 3)} bit (IEEE 1241, referred to full scale)`,
    `SINAD           ${n2(s.sinadDb)} dB at ${s.amplitudeDbfs} dBFS (${n2(s.sinadFullScaleDb)} dB referred to full scale); ${s.samples} samples, ${s.cycles} cycles`,
    `SNR/THD/SFDR    ${n2(s.snrDb)} dB / ${n2(s.thdDb)} dBc (harmonics 2..${s.thdHarmonics}) / ${n2(s.sfdrDb)} dB`,
    `DNL             ${s2(l.dnlMinLsb)} .. ${s2(l.dnlMaxLsb)} LSB (codes ${l.dnlMinCode}, ${l.dnlMaxCode})`,
    `INL (${l.inlFit.padEnd(8)})  ${s2(l.inlMinLsb)} .. ${s2(l.inlMaxLsb)} LSB (at T[${l.inlMinCode}], T[${l.inlMaxCode}])`,
    `missing codes   ${missing}`,
    `offset error    ${s2(l.offsetErrorLsb)} LSB (${s2(l.offsetErrorPercentFs, 3)} % FS)`,
    `gain error      ${s2(l.gainErrorLsb)} LSB (${s2(l.gainErrorPercentFs, 3)} % FS)`,
    `ramp            ${l.rampSamples} samples over ${l.rampStartVolts.toPrecision(4)}..${l.rampEndVolts.toPrecision(4)} V, ${n2(l.meanHitsPerCode, 1)} per code`,
    ...m.warnings.map((w) => `warning         ${w}`),
  ].join('\n');
}

/** Keeps at most `max` evenly spaced entries of `rows` (the ends included). */
function thin<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  return Array.from({ length: max }, (_, i) => rows[Math.round((i * (rows.length - 1)) / (max - 1))]);
}

/**
 * Code vs input: the measured staircase along the ramp and the ideal staircase, over the whole
 * ramp and zoomed to ±8 codes around the worst DNL (at 8 bits the full view cannot show steps).
 */
export function transferPlot(m: ConverterMetrics): PlotSpec {
  const lo = m.rampTrace.inputVolts[0];
  const hi = Math.max(m.linearity.rampEndVolts, m.rampTrace.inputVolts[m.rampTrace.inputVolts.length - 1]);
  const ideal = [{ x: lo, y: 0, series: 'ideal' }];
  for (let k = 1; k < m.scale.codes; k++) ideal.push({ x: idealTransitionVolts(m.scale, k), y: k, series: 'ideal' });
  ideal.push({ x: hi, y: m.scale.codes - 1, series: 'ideal' });
  const measured = m.rampTrace.inputVolts.map((x, i) => ({ x, y: m.rampTrace.codes[i], series: 'measured' }));
  measured.push({ x: hi, y: measured[measured.length - 1].y, series: 'measured' });
  const l = m.linearity;
  const worst = Number.isFinite(l.dnlMaxLsb)
    ? Math.abs(l.dnlMinLsb) > Math.abs(l.dnlMaxLsb)
      ? l.dnlMinCode
      : l.dnlMaxCode
    : m.scale.codes >> 1;
  const x0 = idealTransitionVolts(m.scale, Math.max(0, worst - 8));
  const x1 = idealTransitionVolts(m.scale, Math.min(m.scale.codes, worst + 9));
  const panel = (values: Array<{ x: number; y: number; series: string }>, title: string) => ({
    title,
    width: 480,
    height: 260,
    data: { values },
    mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 1.2 },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, title: 'input (V)', scale: { zero: false, nice: false } },
      y: { field: 'y', type: 'quantitative' as const, title: 'output code', scale: { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null },
      strokeDash: { field: 'series', type: 'nominal' as const, title: null },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Transfer function (${m.scale.bits}-bit, ${m.source})`,
    vconcat: [
      panel([...thin(ideal, 5000), ...measured], 'full ramp'),
      panel(
        [...window(ideal, x0, x1), ...window(measured, x0, x1)],
        `codes ${Math.max(0, worst - 8)}..${Math.min(m.scale.codes - 1, worst + 8)} (around the largest |DNL|)`,
      ),
    ],
  };
}

/** The part of a step-after staircase inside [x0, x1], starting with the step in force at x0. */
function window<T extends { x: number }>(rows: T[], x0: number, x1: number): T[] {
  let first = 0;
  while (first + 1 < rows.length && rows[first + 1].x <= x0) first++;
  const out: T[] = [{ ...rows[first], x: Math.max(rows[first].x, x0) }];
  for (let i = first + 1; i < rows.length && rows[i].x < x1; i++) out.push(rows[i]);
  out.push({ ...out[out.length - 1], x: x1 });
  return out;
}

/** DNL per code and INL per transition, stacked. */
export function dnlInlPlot(m: ConverterMetrics): PlotSpec {
  const pc = m.linearity.perCode;
  const rows = (arr: number[]) => arr.flatMap((y, k) => (Number.isFinite(y) ? [{ code: k, y }] : []));
  // One vertical rule from 0 to the value per code; a line once rules would merge into a blur.
  const rules = m.scale.codes <= 1024;
  const panel = (values: Array<{ code: number; y: number }>, title: string) => ({
    title,
    width: 520,
    height: 160,
    data: { values },
    mark: rules ? { type: 'rule' as const } : { type: 'line' as const },
    encoding: {
      x: { field: 'code', type: 'quantitative' as const, title: 'code', scale: { domain: [0, m.scale.codes - 1] } },
      y: { field: 'y', type: 'quantitative' as const, title: 'LSB' },
      ...(rules ? { y2: { datum: 0 } } : {}),
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${m.scale.bits}-bit converter linearity (${m.source})`,
    vconcat: [panel(rows(pc.dnlLsb), 'DNL per code'), panel(rows(pc.inlLsb), `INL (${m.linearity.inlFit}) at transition T[k]`)],
  };
}

/** Text summary of an NNADC evaluation. */
export function nnadcEvaluationText(model: NnadcModel, e: NnadcEvaluation): string {
  const n = e.nominal;
  const lines = [
    `${model.bits}-bit ${model.arch} NNADC, range ${model.rangeFraction} × NNS+A output: ${e.devices.rram} RRAM devices, ${e.devices.inverters} inverters`,
    `nominal: ENOB ${n.enobBits.toFixed(3)} bit, DNL ${n.dnlMinLsb.toFixed(2)}..${n.dnlMaxLsb.toFixed(2)} LSB, INL ${n.inlMinLsb.toFixed(2)}..${n.inlMaxLsb.toFixed(2)} LSB, missing codes ${n.missingCodes}`,
  ];
  if (e.comparatorTrim)
    lines.push(
      `comparator trim rows: ${e.comparatorTrim.map((t) => `${t.role} ${t.trimPairs} pair(s) per comparator, reach ±${(t.rangeVolts * 1e3).toFixed(1)} mV`).join('; ')}`,
    );
  for (const m of e.monteCarlo) {
    lines.push(
      `Monte Carlo σ = ${m.sigma}, corners ${m.corners}, ${m.programming} (${m.draws} draws${m.writeVerify ? `, write-verified to ±${m.writeVerify.toleranceLsb} LSB: ${m.writeVerify.meanAttempts.toFixed(1)} attempts per column, ${m.writeVerify.meanColumnsOutOfTolerance.toFixed(1)} columns out of tolerance` : ''}): ENOB mean ${m.meanEnobBits.toFixed(2)}, 5th pct ${m.p5EnobBits.toFixed(2)}, worst ${m.worstEnobBits.toFixed(2)}; DNL ${m.dnlRangeLsb[0].toFixed(2)}..${m.dnlRangeLsb[1].toFixed(2)}, INL ${m.inlRangeLsb[0].toFixed(2)}..${m.inlRangeLsb[1].toFixed(2)} LSB; draws with missing codes ${m.drawsWithMissingCodes}`,
    );
  }
  lines.push(`ENOB vs σ (nominal corner): ${e.enobVsSigma.map((s) => `σ ${s.sigma}: ${s.meanEnobBits.toFixed(2)}`).join(', ')}`);
  return lines.join('\n');
}

/**
 * Text summary of `train adc`: the evaluation, then the end-to-end NNS+A → NNADC figures when the
 * converter was designed on an NNS+A (`variationSigma`: σ of their variation case).
 */
export function nnadcTrainingText(
  model: NnadcModel,
  evaluation: NnadcEvaluation,
  endToEndResult: Record<string, unknown> | undefined,
  variationSigma: number,
): string {
  let t = nnadcEvaluationText(model, evaluation);
  if (endToEndResult) {
    for (const which of ['nominal', 'variation'] as const) {
      const pair = endToEndResult[which] as { cotrained: ReturnType<typeof endToEnd>; idealThresholds: ReturnType<typeof endToEnd> };
      const c = pair.cotrained;
      const p = pair.idealThresholds;
      t += `\nNNS+A → NNADC end to end, ${which === 'nominal' ? 'nominal devices' : `σ = ${variationSigma}, ${c.chips} chips`}: co-trained RMS ${c.rmsCodeErrorLsb.toFixed(2)} LSB (exact ${(100 * c.exactFraction).toFixed(1)} %), ideal thresholds RMS ${p.rmsCodeErrorLsb.toFixed(2)} LSB (exact ${(100 * p.exactFraction).toFixed(1)} %)`;
    }
  }
  return t;
}

/** The Monte Carlo spread: per-draw ENOB of every corner mode, as programmed or write-verified. */
export function nnadcMonteCarloPlot(model: NnadcModel, e: NnadcEvaluation): PlotSpec {
  return distributionPlot({
    title: `${model.bits}-bit ${model.arch} NNADC (range ${model.rangeFraction}): ENOB over Monte Carlo draws`,
    yTitle: 'ENOB (bit)',
    cases: e.monteCarlo.map((m) => ({
      label: `${CORNER_LABELS[m.corners]}, σ = ${m.sigma}`,
      group: m.programming,
      values: m.perDrawEnobBits,
    })),
    targets: [
      { y: model.bits, label: `ideal ${model.bits}-bit` },
      { y: NNADC_REFERENCE_MONTE_CARLO_ENOB_BITS, label: `reference design, SPICE Monte Carlo σ = 0.025` },
    ],
    panelPerGroup: true,
  });
}
