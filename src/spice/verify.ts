/**
 * SPICE co-simulation check of a trained approximator: export its netlist (`netlist.ts`), run it in
 * ngspice, decode ngspice's output and compare it with the model's own float64 prediction for the
 * same programmed devices and the same inverter corner.
 *
 * - NNADC: one DC sweep of the differential input; the SPICE codes are decoded from the
 *   comparator outputs as `convertAdc` does (a comparator fires when its output is above V_M, i.e.
 *   its column below V_M; V_M is the replica inverter's voltage in the same run), and compared
 *   point by point with `convertAdc` at the same inputs. ENOB, DNL and INL of the SPICE transfer
 *   curve come from `measureConverter` on the (input, code) pairs; the model's ENOB is measured
 *   the usual way (its transfer function: dense ramp and coherent sine) and, like for like, on the
 *   same sampled pairs.
 * - NNS+A: operating points from the physical input range; the differential output P − N of the
 *   SPICE run against `forwardNetwork`.
 *
 * Diagnostics say where any disagreement comes from. The float64 model differs from the circuit
 * in two places only: the neurons' VTC is a table (the ngspice bank of the same inverter on a
 * 1 mV grid, linearly interpolated, stored to 1 µV), and V_M is read from that table. The passive
 * columns are modelled exactly — a gate draws no DC current, so nothing loads a column — and the
 * report checks that too (column voltages SPICE vs float64).
 *
 * This module is pure: it decodes and compares rows that ngspice wrote. The run itself (deck file,
 * ngspice, data file) is `runSpiceVerify` in app/spice-verify.ts; the text report is report/spice-report.ts.
 */
import { expandSignalRows, forwardNetwork, instantiateNetwork, replicaReferenceVolts } from '../circuits/network.ts';
import { layerRowVoltages } from '../circuits/row-layout.ts';
import { ensure, fail } from '../core/errors.ts';
import { measureConverter, type ConverterMetrics } from '../analysis/adc-metrics.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { passiveColumnVoltages } from '../circuits/crossbar.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { adcMeasureOptions, summarize, type AdcSummary } from '../circuits/nnadc/evaluate.ts';
import { convertAdc, instantiateAdc, type AdcInstance } from '../circuits/nnadc/model.ts';
import type { NnsaModel } from '../circuits/nnsa/config.ts';
import { OUTPUT_FULL_SCALE_VOLTS, outputPair } from '../circuits/nnsa/signals.ts';
import { bankVtc, vtcFigures, type VtcBank } from '../circuits/vtc.ts';
import type { ProgrammedApproximator } from '../mapping/approximator-map.ts';
import { columnNode, inverterOutputNode, REPLICA_NODE, type NnsaOperatingPoints, type SpiceDeck } from './netlist.ts';

/** Acceptance thresholds of the co-simulation. */
export const SPICE_ACCEPTANCE = {
  /** NNADC: fraction of sweep points whose SPICE code equals the model's. */
  minCodeAgreement: 0.99,
  /** NNADC: |ENOB_SPICE − ENOB_model| with both measured on the same sweep points, bits. */
  maxEnobDifferenceBits: 0.2,
  /** NNS+A: |(P − N)_SPICE − (P − N)_model| at every point, volts. */
  maxOutputErrorVolts: 5e-3,
} as const;

/** Where the run happened and how long it took. */
export interface RunInfo {
  netlistFile: string;
  dataFile: string;
  ngspice: string;
  resistors: number;
  inverters: number;
  openDevices: number;
  ngspiceSeconds: number;
  totalSeconds: number;
}

/** Common fields of both reports. */
interface ReportBase {
  model: string;
  description: string;
  corner: string;
  devices: { sigma: number; kind: string; seed: number };
  run: RunInfo;
  pass: boolean;
  /** One line per failed criterion (empty when `pass`). */
  failures: string[];
}

/** Summary of converter metrics. */
export type ConverterSummary = Omit<AdcSummary, 'offsetErrorLsb' | 'gainErrorPercent'>;

/** Result of an NNADC co-simulation. */
export interface AdcVerifyReport extends ReportBase {
  kind: 'nnadc';
  sweep: { points: number; startVolts: number; endVolts: number; stepVolts: number };
  agreement: {
    points: number;
    equal: number;
    fraction: number;
    maxAbsCodeDifference: number;
    /** The first disagreeing points (at most 20). */
    mismatches: Array<{ inputVolts: number; spiceCode: number; modelCode: number }>;
  };
  enob: {
    /** ENOB of the SPICE (input, code) pairs. */
    spiceBits: number;
    /** ENOB of the model's transfer function (dense ramp + sine), as `eval adc` measures it. */
    modelBits: number;
    /** ENOB of the model's codes at the SPICE sweep points (like for like with spiceBits). */
    modelSameSamplesBits: number;
    /** spiceBits − modelSameSamplesBits (the acceptance criterion). */
    differenceBits: number;
  };
  spice: ConverterSummary;
  modelMetrics: ConverterSummary;
  /** V_M of the SPICE replica inverter vs the table's V_M (what the model thresholds against). */
  switchingVoltage: { spiceVolts: number; tableVolts: number; differenceMicrovolts: number };
  /** Comparator decisions SPICE vs model over all points and comparators. */
  decisions: {
    compared: number;
    differing: number;
    /** Largest model margin |v_column − V_M| among differing decisions, µV (how close to a threshold they were). */
    maxMarginMicrovolts: number;
  };
  /** Column voltages SPICE vs the float64 passive average (given the same coarse decisions): loading check. */
  columns: { maxAbsDifferenceMicrovolts: number };
}

/** Result of an NNS+A co-simulation. */
export interface NnsaVerifyReport extends ReportBase {
  kind: 'nnsa';
  points: number;
  output: {
    /** max |(P − N)_SPICE − (P − N)_model|, volts. */
    maxAbsErrorVolts: number;
    rmsErrorVolts: number;
    /** max over P and N separately, volts. */
    maxAbsLineErrorVolts: number;
    worst: { point: number; spiceVolts: number; modelVolts: number };
    toleranceVolts: number;
  };
  /** Hidden column voltages SPICE vs float64 (loading and buffer check), µV. */
  columns: { maxAbsDifferenceMicrovolts: number };
  /**
   * Neuron outputs of the transistor-level inverter vs the tabulated VTC evaluated at the same
   * (SPICE) column voltage, µV; and the bound of linear interpolation on the table's grid,
   * max |Δ²vout|/8 over the corner's row, plus half the 1 µV storage rounding.
   */
  vtc: {
    maxAbsDifferenceMicrovolts: number;
    rmsDifferenceMicrovolts: number;
    interpolationBoundMicrovolts: number;
    gridStepMillivolts: number;
  };
  /** Replica reference (only with replica rows): SPICE vs table V_M. */
  replica?: { spiceVolts: number; tableVolts: number; differenceMicrovolts: number };
}

/** Either report. */
export type SpiceVerifyReport = AdcVerifyReport | NnsaVerifyReport;

/** Index of `corner` in a model's VTC bank (one-line error if the bank lacks it). */
export function bankCornerIndex(bank: VtcBank, corner: string): number {
  const i = bank.corners.indexOf(corner);
  if (i < 0) fail(`the model's VTC bank has no corner '${corner}' (it has ${bank.corners.join(', ')})`);
  return i;
}

/** Column index of every vector in a wrdata row (column 0 is the sweep variable). */
function columnsOf(deck: SpiceDeck, rows: number[][]): Map<string, number> {
  const width = deck.vectors.length + 1;
  ensure(rows.length === deck.sweep.points, `ngspice wrote ${rows.length} sweep points, the deck asks for ${deck.sweep.points}`);
  for (const r of rows)
    ensure(r.length === width, `ngspice wrote ${r.length} columns, expected ${width} (sweep + ${deck.vectors.length} vectors)`);
  return new Map(deck.vectors.map((v, i) => [v, i + 1]));
}

function summary(m: ConverterMetrics): ConverterSummary {
  const { offsetErrorLsb: _offset, gainErrorPercent: _gain, ...figures } = summarize(m);
  return figures;
}

/** Fine bits of a converter (0 for a flash). */
function fineBitsOf(model: NnadcModel): number {
  const fine = model.stages.find((s) => s.role === 'fine');
  return model.arch === 'two-step' && fine ? Math.round(Math.log2(fine.columns + 1)) : 0;
}

/**
 * Decodes SPICE comparator outputs into codes exactly as `convertAdc` counts decisions: per stage
 * the number of comparators that fired (output above V_M), coarse counts weighted by 2^Nf,
 * clipped to 2^N − 1. Returns the codes and the decisions [point][stage][column] (1 = fired).
 */
export function decodeAdcRun(
  model: NnadcModel,
  deck: SpiceDeck,
  rows: number[][],
): { inputVolts: Float64Array; codes: Int32Array; fired: Uint8Array[]; vmVolts: Float64Array } {
  const col = columnsOf(deck, rows);
  const vm = col.get(`v(${REPLICA_NODE})`) ?? fail('the deck does not write V_M');
  const fineBits = fineBitsOf(model);
  const maxCode = 2 ** model.bits - 1;
  const outCols = model.stages.map((s, si) =>
    Array.from(
      { length: s.columns },
      (_, j) => col.get(`v(${inverterOutputNode('s', si, j)})`) ?? fail(`the deck does not write comparator ${si}/${j}`),
    ),
  );
  const n = rows.length;
  const inputVolts = new Float64Array(n);
  const codes = new Int32Array(n);
  const vmVolts = new Float64Array(n);
  const fired = model.stages.map((s) => new Uint8Array(n * s.columns));
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    inputVolts[i] = r[0];
    vmVolts[i] = r[vm];
    let code = 0;
    model.stages.forEach((s, si) => {
      let count = 0;
      for (let j = 0; j < s.columns; j++) {
        if (r[outCols[si][j]] > r[vm]) {
          count++;
          fired[si][i * s.columns + j] = 1;
        }
      }
      code += s.role === 'coarse' ? count * 2 ** fineBits : count;
    });
    codes[i] = Math.min(maxCode, code);
  }
  return { inputVolts, codes, fired, vmVolts };
}

/**
 * Column voltages of every comparator of a converter instance at normalized input y, with the
 * coarse rows of the fine stage set from the given coarse decisions (the passive average the
 * float64 model uses, for the loading check).
 */
function adcColumnVolts(inst: AdcInstance, y: number, coarseFired: (k: number) => boolean): Float64Array[] {
  const [p, n] = outputPair(y);
  const vdd = inst.vddVolts;
  return inst.stages.map((s) => {
    const u = new Float64Array(s.stage.inputs.length);
    const l = new Float64Array(s.stage.inputs.length);
    s.stage.inputs.forEach((inp, k) => {
      if (inp.kind === 'signal') [u[k], l[k]] = [p, n];
      else if (inp.kind === 'bias' || inp.kind === 'trim') [u[k], l[k]] = [vdd, 0];
      else {
        const h = coarseFired(inp.comparator) ? vdd : 0;
        [u[k], l[k]] = [h, vdd - h];
      }
    });
    return passiveColumnVoltages(
      { pairs: s.stage.inputs.length, columns: s.stage.columns, upperSiemens: s.upperSiemens, lowerSiemens: s.lowerSiemens },
      u,
      l,
      1,
    );
  });
}

/** Compares an NNADC SPICE run with the float64 model of the same devices and corner (pure). */
export function compareAdcRun(
  model: NnadcModel,
  programmed: ProgrammedApproximator,
  cornerIndex: number,
  deck: SpiceDeck,
  rows: number[][],
): Omit<AdcVerifyReport, 'model' | 'description' | 'corner' | 'devices' | 'run' | 'pass' | 'failures'> & { failures: string[] } {
  const bank = bankFromJson(model.vtcBank);
  const inst = instantiateAdc(model, bank, programmed.device, null, { kind: 'global', corner: cornerIndex });
  // Same devices as the deck: the programmed conductances, not a fresh draw.
  programmed.arrays.forEach((a, si) => {
    inst.stages[si].upperSiemens = a.upperSiemens;
    inst.stages[si].lowerSiemens = a.lowerSiemens;
  });
  const run = decodeAdcRun(model, deck, rows);
  const n = run.codes.length;
  const y = Float64Array.from(run.inputVolts, (v) => v / OUTPUT_FULL_SCALE_VOLTS);
  const modelCodes = convertAdc(inst, y);
  let equal = 0;
  let maxDiff = 0;
  const mismatches: AdcVerifyReport['agreement']['mismatches'] = [];
  for (let i = 0; i < n; i++) {
    const d = Math.abs(run.codes[i] - modelCodes[i]);
    if (d === 0) equal++;
    else if (mismatches.length < 20) mismatches.push({ inputVolts: run.inputVolts[i], spiceCode: run.codes[i], modelCode: modelCodes[i] });
    maxDiff = Math.max(maxDiff, d);
  }

  // Per-decision diagnostics and the loading check.
  const col = columnsOf(deck, rows);
  const coarseIndex = model.stages.findIndex((s) => s.role === 'coarse');
  let compared = 0;
  let differing = 0;
  let maxMargin = 0;
  let maxColumnDiff = 0;
  for (let i = 0; i < n; i++) {
    const coarse = (k: number): boolean => coarseIndex >= 0 && run.fired[coarseIndex][i * model.stages[coarseIndex].columns + k] === 1;
    const volts = adcColumnVolts(inst, y[i], coarse);
    model.stages.forEach((s, si) => {
      for (let j = 0; j < s.columns; j++) {
        const vModel = volts[si][j];
        const spiceCol = rows[i][col.get(`v(${columnNode('s', si, j)})`)!];
        maxColumnDiff = Math.max(maxColumnDiff, Math.abs(spiceCol - vModel));
        const vmModel = inst.stages[si].switchingVolts[j];
        const modelFired = vModel < vmModel;
        compared++;
        if (modelFired !== (run.fired[si][i * s.columns + j] === 1)) {
          differing++;
          maxMargin = Math.max(maxMargin, Math.abs(vModel - vmModel));
        }
      }
    });
  }

  const options = adcMeasureOptions(model);
  const spiceMetrics = measureConverter({ kind: 'samples', inputVolts: run.inputVolts, codes: run.codes }, options);
  const sameSamples = measureConverter({ kind: 'samples', inputVolts: run.inputVolts, codes: modelCodes }, options);
  const modelMetrics = measureConverter(
    {
      kind: 'batch',
      convert: (v) =>
        convertAdc(
          inst,
          Float64Array.from(v, (x) => x / OUTPUT_FULL_SCALE_VOLTS),
        ),
    },
    options,
  );
  const tableVm = vtcFigures(bank, cornerIndex).switchingVolts;
  const spiceVm = run.vmVolts.reduce((a, b) => a + b, 0) / n;
  const fraction = equal / n;
  // Like with like: SPICE's codes against the model's codes at the same sweep points. Against the
  // model's full-resolution ENOB, a short sweep (64 points for 256 codes) failed with 100 % of
  // codes equal, only because a few points measure ENOB poorly.
  const enobDiff = spiceMetrics.sine.enobBits - sameSamples.sine.enobBits;
  const failures: string[] = [];
  if (!(fraction >= SPICE_ACCEPTANCE.minCodeAgreement))
    failures.push(`code agreement ${(100 * fraction).toFixed(2)} % < ${100 * SPICE_ACCEPTANCE.minCodeAgreement} %`);
  if (!(Math.abs(enobDiff) <= SPICE_ACCEPTANCE.maxEnobDifferenceBits))
    failures.push(
      `|ENOB SPICE - model at the same points| = ${Math.abs(enobDiff).toFixed(3)} bit > ${SPICE_ACCEPTANCE.maxEnobDifferenceBits} bit`,
    );
  return {
    kind: 'nnadc',
    sweep: { points: n, startVolts: run.inputVolts[0], endVolts: run.inputVolts[n - 1], stepVolts: deck.sweep.stepValue },
    agreement: { points: n, equal, fraction, maxAbsCodeDifference: maxDiff, mismatches },
    enob: {
      spiceBits: spiceMetrics.sine.enobBits,
      modelBits: modelMetrics.sine.enobBits,
      modelSameSamplesBits: sameSamples.sine.enobBits,
      differenceBits: enobDiff,
    },
    spice: summary(spiceMetrics),
    modelMetrics: summary(modelMetrics),
    switchingVoltage: { spiceVolts: spiceVm, tableVolts: tableVm, differenceMicrovolts: (spiceVm - tableVm) * 1e6 },
    decisions: { compared, differing, maxMarginMicrovolts: maxMargin * 1e6 },
    columns: { maxAbsDifferenceMicrovolts: maxColumnDiff * 1e6 },
    failures,
  };
}

/** Largest |second difference|/8 of a bank row: the error bound of linear interpolation on its grid. */
function interpolationBound(bank: VtcBank, corner: number): number {
  const { points } = bank.grid;
  const row = corner * points;
  let m = 0;
  for (let i = 1; i < points - 1; i++)
    m = Math.max(m, Math.abs(bank.table[row + i + 1] - 2 * bank.table[row + i] + bank.table[row + i - 1]));
  return m / 8;
}

/** Compares an NNS+A SPICE run with the float64 model of the same devices and corner (pure). */
export function compareNnsaRun(
  model: NnsaModel,
  programmed: ProgrammedApproximator,
  cornerIndex: number,
  deck: SpiceDeck,
  points: NnsaOperatingPoints,
  rows: number[][],
  toleranceVolts: number = SPICE_ACCEPTANCE.maxOutputErrorVolts,
): Omit<NnsaVerifyReport, 'model' | 'description' | 'corner' | 'devices' | 'run' | 'pass' | 'failures'> & { failures: string[] } {
  const net = model.network;
  const bank = bankFromJson(model.vtcBank);
  const inst = instantiateNetwork(net, bank, programmed.device, null, { kind: 'global', corner: cornerIndex });
  programmed.arrays.forEach((a, li) => {
    inst.layers[li].upperSiemens = a.upperSiemens;
    inst.layers[li].lowerSiemens = a.lowerSiemens;
  });
  if (programmed.replicaDivider) {
    inst.replicaDivider = programmed.replicaDivider;
    inst.replicaVolts = replicaReferenceVolts(bank, cornerIndex, net.vddVolts, programmed.replicaDivider);
  }
  const n = points.count;
  ensure(rows.length === n, `ngspice wrote ${rows.length} operating points, expected ${n}`);
  const col = columnsOf(deck, rows);
  const outs = forwardNetwork(inst, bank, points.upperVolts, points.lowerVolts, n);
  const last = net.layers.length - 1;
  const out = outs[last];
  const J = net.layers[last].columns;
  const outVector = (j: number): number =>
    col.get(`v(${net.layers[last].activation === 'inverter' ? inverterOutputNode('l', last, j) : columnNode('l', last, j)})`) ??
    fail(`the deck does not write output ${j}`);

  let maxErr = 0;
  let sumSq = 0;
  let maxLine = 0;
  let worst = { point: 0, spiceVolts: 0, modelVolts: 0 };
  for (let b = 0; b < n; b++) {
    // Differential output P − N for the two-column NNS+A; the single output otherwise.
    const spice = J >= 2 ? rows[b][outVector(0)] - rows[b][outVector(1)] : rows[b][outVector(0)];
    const modelV = J >= 2 ? out[b * J] - out[b * J + 1] : out[b * J];
    const e = Math.abs(spice - modelV);
    sumSq += e * e;
    if (e > maxErr || b === 0) {
      maxErr = Math.max(maxErr, e);
      worst = { point: b, spiceVolts: spice, modelVolts: modelV };
    }
    for (let j = 0; j < J; j++) maxLine = Math.max(maxLine, Math.abs(rows[b][outVector(j)] - out[b * J + j]));
  }

  // Hidden layers: columns (passive average of the same inputs) and the VTC at the SPICE column voltage.
  let maxColumn = 0;
  let maxVtc = 0;
  let vtcSq = 0;
  let vtcCount = 0;
  let upper: ArrayLike<number> = expandSignalRows(net.inputRows, points.upperVolts, n);
  let lower: ArrayLike<number> = expandSignalRows(net.inputRows, points.lowerVolts, n);
  let width = net.inputRows?.length ?? net.inputPairs;
  net.layers.forEach((layer, li) => {
    if (layer.activation === 'inverter' && li !== last) {
      const { upper: u, lower: l } = layerRowVoltages(inst, true, upper, lower, width, n);
      const v = passiveColumnVoltages(inst.layers[li], u, l, n);
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < layer.columns; j++) {
          const sc = rows[b][col.get(`v(${columnNode('l', li, j)})`)!];
          const so = rows[b][col.get(`v(${inverterOutputNode('l', li, j)})`)!];
          maxColumn = Math.max(maxColumn, Math.abs(sc - v[b * layer.columns + j]));
          const d = Math.abs(so - bankVtc(bank, cornerIndex, sc));
          maxVtc = Math.max(maxVtc, d);
          vtcSq += d * d;
          vtcCount++;
        }
      }
    }
    upper = outs[li];
    lower = outs[li].map((h) => net.vddVolts - h);
    width = layer.columns;
  });

  let replica: NnsaVerifyReport['replica'];
  if ((net.replicaRows ?? 0) > 0) {
    const r = col.get('v(vrep)') ?? fail('the deck does not write v(vrep)');
    const spiceVm = rows.reduce((a, row) => a + row[r], 0) / n;
    const tableVm = inst.replicaVolts ?? NaN;
    replica = { spiceVolts: spiceVm, tableVolts: tableVm, differenceMicrovolts: (spiceVm - tableVm) * 1e6 };
  }
  const failures: string[] = [];
  if (!(maxErr <= toleranceVolts))
    failures.push(`max |ΔV(P - N)| = ${(maxErr * 1e3).toFixed(3)} mV > ${(toleranceVolts * 1e3).toFixed(3)} mV`);
  return {
    kind: 'nnsa',
    points: n,
    output: { maxAbsErrorVolts: maxErr, rmsErrorVolts: Math.sqrt(sumSq / n), maxAbsLineErrorVolts: maxLine, worst, toleranceVolts },
    columns: { maxAbsDifferenceMicrovolts: maxColumn * 1e6 },
    vtc: {
      maxAbsDifferenceMicrovolts: maxVtc * 1e6,
      rmsDifferenceMicrovolts: vtcCount ? Math.sqrt(vtcSq / vtcCount) * 1e6 : 0,
      interpolationBoundMicrovolts: (interpolationBound(bank, cornerIndex) + 0.5e-6) * 1e6,
      gridStepMillivolts: bank.grid.stepVolts * 1e3,
    },
    replica,
    failures,
  };
}
