/**
 * Passive-crossbar neural networks: the substrate of the NNS+A and NNADC (docs/reference.md §2.3–2.5).
 *
 * A network is a stack of passive crossbar layers. Layer 0 takes the external input pairs; every
 * later layer takes the previous layer's neuron outputs h as pairs (h, VDD − h) (the complement
 * comes from an inverting unity-gain buffer, modelled as ideal like the source followers between
 * layers). Every layer has one bias pair (VDD, 0) as its last input. A layer's columns either drive
 * inverter neurons (`inverter`: output = VTC(column voltage), the corner of each neuron chosen from
 * a VTC bank) or are the network's passive outputs (`linear`: output = column voltage).
 *
 * An external input may drive several parallel rows of layer 0 (`inputRows`): the column then
 * weighs it by the sum of their conductances, a finer grid than one device's 2^bits levels.
 *
 * Conductances are stored as level indices of the RRAM cell (exactly on one of the 2^bits levels);
 * programming variation is applied when a network is instantiated for evaluation.
 *
 * Optional replica reference (`replicaRows` > 0): every inverter layer gets that many further row
 * pairs after its bias rows, both lines tied to V_rep, the output of a diode-connected replica
 * inverter (input shorted to output), which settles at the switching threshold V_M of its own
 * process/temperature corner. A column that takes a large share of its conductance from V_rep
 * moves with V_M, so a global corner shifts the column voltage and the neuron's threshold together
 * instead of moving the threshold alone. The replica node is modelled as ideally buffered (like the
 * source followers between layers): it drives the rows without being loaded by them. The replica
 * is one more inverter of the die: nominal corner in a nominal instance, the die's corner for a
 * global corner, and a corner of its own under per-neuron corners (it tracks only what it shares).
 * Under `die-mismatch` corners every inverter, the replica included, has the die's corner plus its
 * own local mismatch (`inverter-mismatch.ts`); the instance then carries its own VTC bank, one row
 * per inverter ({@link NetworkInstance.vtcBank}).
 *
 * A diode-connected replica cannot cancel a threshold shift ΔV_M in a passive column: with a share a
 * of the column's conductance on V_rep = V_M + ΔV_M, the column moves by a·ΔV_M while the threshold
 * moves by ΔV_M, and a < 1. With `replicaFeedback` the replica inverter instead closes a resistive
 * divider around itself (devices from its buffered output and from both rails to its input, like
 * the crossbar's own cells; the buffer keeps the divider's current off the inverter, whose VTC is
 * the unloaded one): its input settles at V_M, so its output sits at
 * V_ref + ΔV_M·(1 + G)/(1 + βG) for an inverter of gain G, feedback fraction β = output devices /
 * (output + 2 · rail devices) and V_ref ≈ VDD/2 set by the rail devices, an amplified copy of the
 * die's threshold shift (≈ 1/β). A share a ≈ β of a column on it then moves the column with the
 * threshold. The divider's devices are programmed with the same variation as the crossbar.
 *
 * Optional trim rows (`trimRows` > 0): further pairs of every inverter layer, after the replica
 * rows, at two fixed reference voltages close to VDD/2 (`trimVolts`, default 0.7 V / 0.5 V, taps of
 * a buffered resistive divider from VDD). A device to VDD or ground moves a neuron's threshold by
 * one level step × 0.6 V; a device to a tap 0.1 V from the threshold moves it six times less, so the
 * thresholds are no longer stuck on the coarse grid that 3-bit bias devices impose.
 *
 * The order of a layer's rows (signal | bias | replica | trim), their counts and each fixed kind's
 * line voltages are described once, in `row-layout.ts`.
 */
import { z } from 'zod';
import { VDD_VOLTS } from '../core/defaults.ts';
import { fail } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { RramConfigSchema, levelConductance, programConductances, type RramConfig } from '../device/rram.ts';
import { passiveColumnVoltages, type CrossbarConductances } from './crossbar.ts';
import {
  DEFAULT_TRIM_VOLTS,
  FIXED_ROW_KINDS,
  fixedRowCount,
  fixedRowSharesNode,
  layerRowLayout,
  layerRowVoltages,
  rowsOfKind,
  type FixedRowSettings,
} from './row-layout.ts';
import { bankVtc, vtcFigures, type VtcBank } from './vtc.ts';
import { drawVtcShift, mismatchBank, type MismatchSpread, type VtcShift } from './inverter-mismatch.ts';

/** Activation of a layer's columns. */
export type LayerActivation = 'inverter' | 'linear';

/** Schema of one trained layer. */
export const NetworkLayerSchema = z.object({
  /** Input pairs including the bias pair (last). */
  pairs: z.number().int().positive(),
  /** Output columns (neurons). */
  columns: z.number().int().positive(),
  activation: z.enum(['inverter', 'linear']),
  /** Level index of each upper-line device, row-major [pair][column]. */
  upperLevels: z.array(z.number().int().min(0)),
  /** Level index of each lower-line device, row-major [pair][column]. */
  lowerLevels: z.array(z.number().int().min(0)),
});

/** One trained layer. */
export type NetworkLayer = z.output<typeof NetworkLayerSchema>;

/**
 * Schema of the replica inverter's resistive feedback: unit devices at G_max from the replica's
 * output, and from each rail (VDD and ground), to its input. Feedback fraction
 * β = output / (output + 2 · rail); the reference V_ref = VDD/2 (equal rail devices).
 */
export const ReplicaFeedbackSchema = z.object({
  outputDevices: z.number().int().min(1).max(64),
  railDevices: z.number().int().min(1).max(64),
});

/** Resistive feedback of the replica inverter (see {@link ReplicaFeedbackSchema}). */
export type ReplicaFeedback = z.output<typeof ReplicaFeedbackSchema>;

/** Schema of a trained passive network. */
export const PassiveNetworkSchema = z
  .object({
    /** External input pairs of layer 0 (without its bias pair). */
    inputPairs: z.number().int().positive(),
    /**
     * The external input each signal row pair of layer 0 carries, when an input drives several
     * parallel rows (absent: one row per input, in order). See {@link signalRowSources}.
     */
    inputRows: z.array(z.number().int().min(0)).optional(),
    /** Bias pairs (VDD, 0) appended to every layer's inputs (parallel rows of the one bias input). */
    biasRows: z.number().int().min(1).max(64).default(1),
    /** Row pairs (V_rep, V_rep) tied to the replica-inverter reference, after the bias rows of every inverter layer. */
    replicaRows: z.number().int().min(0).max(64).optional(),
    /** Resistive feedback of the replica inverter (absent: diode-connected; see the module comment). */
    replicaFeedback: ReplicaFeedbackSchema.optional(),
    /** Trim row pairs (trimVolts[0], trimVolts[1]) after the replica rows of every inverter layer. */
    trimRows: z.number().int().min(0).max(64).optional(),
    /** Voltages of the trim rows' upper and lower lines, volts. */
    trimVolts: z.tuple([z.number(), z.number()]).optional(),
    /** Supply of the bias rows and complements, volts. */
    vddVolts: z.number().positive().default(VDD_VOLTS),
    /** The RRAM cell the levels refer to. */
    device: RramConfigSchema,
    layers: z.array(NetworkLayerSchema).min(1),
  })
  .superRefine((net, ctx) => {
    const levels = 2 ** net.device.levelBits;
    if (net.inputRows && net.inputRows.some((k) => k >= net.inputPairs))
      ctx.addIssue({ code: 'custom', message: `inputRows names an input ≥ ${net.inputPairs}` });
    let signals = net.inputRows?.length ?? net.inputPairs;
    net.layers.forEach((l, i) => {
      const pairsIn = signals + fixedRowCount(net, l.activation === 'inverter');
      if (l.pairs !== pairsIn) ctx.addIssue({ code: 'custom', message: `layer ${i} has ${l.pairs} input pairs, expected ${pairsIn}` });
      const n = l.pairs * l.columns;
      if (l.upperLevels.length !== n || l.lowerLevels.length !== n)
        ctx.addIssue({ code: 'custom', message: `layer ${i} needs ${n} level indices per line` });
      if ([...l.upperLevels, ...l.lowerLevels].some((v) => v >= levels))
        ctx.addIssue({ code: 'custom', message: `layer ${i} has a level index ≥ ${levels}` });
      signals = l.columns;
    });
  });

/** A trained passive network. */
export type PassiveNetwork = z.output<typeof PassiveNetworkSchema>;

/** Shape of a network: layer sizes and activations. */
export interface NetworkShape {
  /** External input pairs (without bias). */
  inputPairs: number;
  /** Source input of each layer-0 signal row pair (default: one row per input). */
  inputRows?: number[];
  /** Bias pairs per layer (default 1). */
  biasRows?: number;
  /** Replica-reference pairs per inverter layer (default 0; see the module comment). */
  replicaRows?: number;
  /** Resistive feedback of the replica inverter (absent: diode-connected). */
  replicaFeedback?: ReplicaFeedback;
  /** Trim pairs per inverter layer (default 0; see the module comment). */
  trimRows?: number;
  /** Trim rows' line voltages, volts (default {@link DEFAULT_TRIM_VOLTS}). */
  trimVolts?: [number, number];
  /** Columns and activation of each layer. */
  layers: Array<{ columns: number; activation: LayerActivation }>;
}

/** Pairs (including bias and replica rows) feeding each layer of a shape. */
export function layerPairs(shape: NetworkShape): number[] {
  return shape.layers.map(
    (l, i) =>
      (i === 0 ? (shape.inputRows?.length ?? shape.inputPairs) : shape.layers[i - 1].columns) +
      fixedRowCount(shape, l.activation === 'inverter'),
  );
}

/**
 * The external input carried by each signal row pair of layer 0. An input may drive several
 * parallel rows: a column then weights it by the sum of their conductances, which reaches ratios
 * (and averages programming variation) that one device with 2^bits levels cannot.
 */
export function signalRowSources(net: Pick<NetworkShape, 'inputPairs' | 'inputRows'>): number[] {
  return net.inputRows ?? Array.from({ length: net.inputPairs }, (_, k) => k);
}

/**
 * Line voltages of the signal rows [batch × rows] from the external inputs [batch × inputs]
 * (each row repeats its source input). Returns the inputs themselves when every input has one row.
 */
export function expandSignalRows(sources: number[] | undefined, inputs: ArrayLike<number>, batch: number): ArrayLike<number> {
  if (!sources) return inputs;
  const width = inputs.length / batch;
  const R = sources.length;
  const out = new Float64Array(batch * R);
  for (let b = 0; b < batch; b++) for (let r = 0; r < R; r++) out[b * R + r] = inputs[b * width + sources[r]];
  return out;
}

// The row layout lives in row-layout.ts; these names stay importable from here.
export { DEFAULT_TRIM_VOLTS, layerRowVoltages, type FixedRowSettings };

/** Conductances of the replica feedback divider: output→input and VDD→input, ground→input, siemens. */
export interface ReplicaDividerSiemens {
  output: number;
  vdd: number;
  ground: number;
}

/** The replica divider's conductances as designed (every device at G_max). */
export function nominalReplicaDivider(f: ReplicaFeedback, gMaxSiemens: number): ReplicaDividerSiemens {
  return { output: f.outputDevices * gMaxSiemens, vdd: f.railDevices * gMaxSiemens, ground: f.railDevices * gMaxSiemens };
}

/**
 * Voltage of the replica reference at a corner, volts: V_M of the corner for a diode-connected
 * replica; with a feedback divider, the fixed point v = VTC(input(v)) with input(v) the divider's
 * weighted average of v, VDD and ground. The VTC falls and input(v) rises with v, so
 * VTC(input(v)) − v is strictly decreasing and bisection on [0, VDD] finds its one root.
 */
export function replicaReferenceVolts(bank: VtcBank, corner: number, vddVolts: number, divider?: ReplicaDividerSiemens): number {
  if (!divider) return vtcFigures(bank, corner).switchingVolts;
  const total = divider.output + divider.vdd + divider.ground;
  let lo = 0;
  let hi = vddVolts;
  for (let i = 0; i < 60; i++) {
    const v = (lo + hi) / 2;
    if (bankVtc(bank, corner, (divider.output * v + divider.vdd * vddVolts) / total) > v) lo = v;
    else hi = v;
  }
  return (lo + hi) / 2;
}

/** Replica reference at a corner with the divider as designed (or diode-connected), volts. */
export function designedReplicaVolts(
  bank: VtcBank,
  corner: number,
  vddVolts: number,
  feedback: ReplicaFeedback | undefined,
  gMaxSiemens: number,
): number {
  return replicaReferenceVolts(bank, corner, vddVolts, feedback && nominalReplicaDivider(feedback, gMaxSiemens));
}

/** Replica reference of every corner of a bank with the designed divider (or diode-connected), volts. */
export function bankReplicaVolts(
  bank: VtcBank,
  vddVolts: number,
  feedback: ReplicaFeedback | undefined,
  gMaxSiemens: number,
): Float64Array {
  return Float64Array.from(bank.corners, (_, c) => designedReplicaVolts(bank, c, vddVolts, feedback, gMaxSiemens));
}

/** Number of RRAM devices and inverters of a network (the crossbars and the replica divider). */
export function networkDeviceCount(net: Pick<PassiveNetwork, 'layers' | 'replicaFeedback'>): { rram: number; inverters: number } {
  // The replica inverter itself is not counted (one per die, shared); its divider's devices are.
  let rram = net.replicaFeedback ? net.replicaFeedback.outputDevices + 2 * net.replicaFeedback.railDevices : 0;
  let inverters = 0;
  for (const l of net.layers) {
    rram += 2 * l.pairs * l.columns;
    if (l.activation === 'inverter') inverters += l.columns;
  }
  return { rram, inverters };
}

/** A network with concrete (possibly varied) conductances and a VTC corner per inverter neuron. */
export interface NetworkInstance {
  vddVolts: number;
  /** Source input of each layer-0 signal row (absent: one row per input). */
  inputRows?: number[];
  biasRows: number;
  /** Replica-reference pairs of every inverter layer (0 or absent: none). */
  replicaRows?: number;
  /** Voltage of the replica reference (V_M of the replica inverter's corner, or its divider's fixed point), volts. */
  replicaVolts?: number;
  /** Programmed feedback divider of the replica inverter (absent: diode-connected). */
  replicaDivider?: ReplicaDividerSiemens;
  /** Trim pairs of every inverter layer (0 or absent: none) and their line voltages. */
  trimRows?: number;
  trimVolts?: [number, number];
  layers: Array<CrossbarConductances & { activation: LayerActivation; corners: Int32Array }>;
  /**
   * The instance's own VTCs (`die-mismatch` corners: one row per inverter, the die's corner moved
   * by that inverter's local mismatch); when present, `corners` index into it instead of the
   * shared bank. Read it through {@link instanceBank}.
   */
  vtcBank?: VtcBank;
}

/** The bank an instance's `corners` index into: its own (with local mismatch) or the shared one. */
export function instanceBank(inst: Pick<NetworkInstance, 'vtcBank'>, bank: VtcBank): VtcBank {
  return inst.vtcBank ?? bank;
}

/**
 * How the VTC corner of each neuron is chosen when a network is instantiated: all at the nominal
 * corner, one corner for the die (`global`), an independent corner per neuron (a stress case, not
 * a physical die), or the die's corner plus each inverter's local mismatch drawn from `mismatch`
 * (`die-mismatch`).
 */
export type CornerMode =
  | { kind: 'nominal' }
  | { kind: 'global'; corner: number }
  | { kind: 'per-neuron' }
  | { kind: 'die-mismatch'; corner: number; mismatch: MismatchSpread };

/**
 * Names of the corner modes of training and Monte Carlo evaluation, as the CLI and metrics files
 * spell them ({@link CornerMode}): `die-mismatch` is the physical case (one corner per die plus each
 * inverter's local mismatch), `per-neuron` a stress case.
 */
export const CORNER_MODE_NAMES = ['nominal', 'global', 'die-mismatch', 'per-neuron'] as const;

/** A corner mode's name (see {@link CORNER_MODE_NAMES}). */
export type CornerModeName = (typeof CORNER_MODE_NAMES)[number];

/**
 * The corner mode of one die: `global` and `die-mismatch` draw the die's corner from `rng`
 * (`die-mismatch` needs the characterized `mismatch`).
 */
export function dieCornerMode(name: CornerModeName, rng: Rng, bank: VtcBank, mismatch?: MismatchSpread): CornerMode {
  if (name === 'nominal' || name === 'per-neuron') return { kind: name };
  const corner = rng.int(bank.corners.length);
  if (name === 'global') return { kind: 'global', corner };
  return {
    kind: 'die-mismatch',
    corner,
    mismatch: mismatch ?? fail('the die-mismatch corner mode needs the inverter mismatch distribution'),
  };
}

/**
 * Instantiates a network: level indices → target conductances → programmed conductances (with
 * the device's variation when `rng` is given) and a VTC corner per neuron.
 */
export function instantiateNetwork(
  net: PassiveNetwork,
  bank: VtcBank,
  device: RramConfig,
  rng: Rng | null,
  cornerMode: CornerMode,
): NetworkInstance {
  // die-mismatch: every inverter's VTC shift, in the order of the instance bank's rows (layer by
  // layer, then the replica), each layer from its own stream.
  const shifts: VtcShift[] = [];
  const mismatchDraws = (label: string, n: number): number => {
    if (cornerMode.kind !== 'die-mismatch') return -1;
    const r = (rng ?? fail('local mismatch needs a random generator')).fork(label);
    const first = shifts.length;
    for (let j = 0; j < n; j++) shifts.push(drawVtcShift(cornerMode.mismatch, r));
    return first;
  };
  const layers = net.layers.map((l, li) => {
    const target = (levels: number[]): Float64Array => Float64Array.from(levels, (i) => levelConductance(net.device, i));
    const program = (g: Float64Array, line: string): Float64Array =>
      rng ? programConductances(g, device, rng.fork(`layer${li}.${line}`)) : g;
    const corners = new Int32Array(l.columns);
    if (cornerMode.kind === 'per-neuron') {
      const r = (rng ?? fail('per-neuron corners need a random generator')).fork(`corners${li}`);
      for (let j = 0; j < l.columns; j++) corners[j] = r.int(bank.corners.length);
    } else if (cornerMode.kind === 'die-mismatch') {
      if (l.activation === 'inverter') {
        const first = mismatchDraws(`mismatch${li}`, l.columns);
        for (let j = 0; j < l.columns; j++) corners[j] = first + j;
      }
    } else {
      corners.fill(cornerMode.kind === 'global' ? cornerMode.corner : bank.nominalIndex);
    }
    return {
      pairs: l.pairs,
      columns: l.columns,
      activation: l.activation,
      upperSiemens: program(target(l.upperLevels), 'upper'),
      lowerSiemens: program(target(l.lowerLevels), 'lower'),
      corners,
    };
  });
  const replicaRows = net.replicaRows ?? 0;
  let replicaVolts: number | undefined;
  let replicaDivider: ReplicaDividerSiemens | undefined;
  const replicaRow = replicaRows > 0 ? mismatchDraws('replica-mismatch', 1) : -1;
  const vtcBank =
    cornerMode.kind === 'die-mismatch' ? mismatchBank(bank, new Int32Array(shifts.length).fill(cornerMode.corner), shifts) : undefined;
  if (replicaRows > 0) {
    const corner =
      cornerMode.kind === 'nominal'
        ? bank.nominalIndex
        : cornerMode.kind === 'global'
          ? cornerMode.corner
          : cornerMode.kind === 'die-mismatch'
            ? replicaRow
            : (rng ?? fail('per-neuron corners need a random generator')).fork('replica-corner').int(bank.corners.length);
    replicaDivider = net.replicaFeedback && programReplicaDivider(net.replicaFeedback, device, rng);
    replicaVolts = replicaReferenceVolts(vtcBank ?? bank, corner, net.vddVolts, replicaDivider);
  }
  const trimRows = net.trimRows ?? 0;
  return {
    vddVolts: net.vddVolts,
    inputRows: net.inputRows,
    biasRows: net.biasRows,
    replicaRows,
    replicaVolts,
    ...(replicaDivider ? { replicaDivider } : {}),
    trimRows,
    trimVolts: net.trimVolts ?? DEFAULT_TRIM_VOLTS,
    layers,
    ...(vtcBank ? { vtcBank } : {}),
  };
}

/** The replica divider as programmed: every device drawn with the device's variation when `rng` is given. */
function programReplicaDivider(f: ReplicaFeedback, device: RramConfig, rng: Rng | null): ReplicaDividerSiemens {
  const nominal = nominalReplicaDivider(f, device.gMaxSiemens);
  if (!rng) return nominal;
  const n = f.outputDevices + 2 * f.railDevices;
  const g = programConductances(new Float64Array(n).fill(device.gMaxSiemens), device, rng.fork('replica-feedback'));
  const sum = (from: number, count: number): number => g.subarray(from, from + count).reduce((a, x) => a + x, 0);
  return {
    output: sum(0, f.outputDevices),
    vdd: sum(f.outputDevices, f.railDevices),
    ground: sum(f.outputDevices + f.railDevices, f.railDevices),
  };
}

/**
 * Float64 forward pass. `upperVolts`/`lowerVolts` are [batch × inputPairs] (the external inputs,
 * without bias); returns every layer's outputs, the last being the network output [batch × columns].
 */
export function forwardNetwork(
  inst: NetworkInstance,
  bank: VtcBank,
  upperVolts: ArrayLike<number>,
  lowerVolts: ArrayLike<number>,
  batch: number,
): Float64Array[] {
  const outs: Float64Array[] = [];
  const vtcs = instanceBank(inst, bank);
  let up = expandSignalRows(inst.inputRows, upperVolts, batch);
  let lo = expandSignalRows(inst.inputRows, lowerVolts, batch);
  let width = inst.layers[0].pairs - fixedRowCount(inst, inst.layers[0].activation === 'inverter');
  for (const layer of inst.layers) {
    const { upper: u, lower: l } = layerRowVoltages(inst, layer.activation === 'inverter', up, lo, width, batch);
    const v = passiveColumnVoltages(layer, u, l, batch);
    if (layer.activation === 'inverter') {
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < layer.columns; j++) v[b * layer.columns + j] = bankVtc(vtcs, layer.corners[j], v[b * layer.columns + j]);
    }
    outs.push(v);
    up = v;
    lo = v.map((h) => inst.vddVolts - h);
    width = layer.columns;
  }
  return outs;
}

/**
 * Spreads the level indices of interchangeable parallel rows as evenly as possible, in place:
 * within every column, the bias rows' upper lines (all at VDD), their lower lines (all at 0 V), the
 * replica rows' devices (all at V_rep), the trim rows' upper and lower lines, and each line of the
 * parallel rows of one external input (`inputRows`). Rows tied to the
 * same node are interchangeable and the level grid is uniform, so keeping the sum of indices keeps
 * the total conductance and current to that node, and with it every nominal output, exactly. What
 * changes is the programming variation: with multiplicative variation the spread of a sum of
 * conductances is ∝ sqrt(Σ g_i²), smallest for an even split (e.g. 11 level steps on one device of
 * level 6, one of 4 and one of 1 have twice the spread of the same steps on eleven devices of
 * level 1). Returns the number of columns changed.
 */
export function balanceParallelRows(net: PassiveNetwork): number {
  let changed = 0;
  let signals = net.inputRows?.length ?? net.inputPairs;
  const sources = net.inputRows ?? [];
  for (const l of net.layers) {
    const layout = layerRowLayout(net, signals, l.activation === 'inverter');
    const J = l.columns;
    // Groups of [line, row]: per fixed kind, each line on its own node, or both lines of a kind
    // tied to one node (the replica rows) as one group.
    const groups: Array<Array<[number[], number]>> = [];
    const rowsOf = (lines: number[][], rows: number[]): Array<[number[], number]> =>
      lines.flatMap((lv) => rows.map((k) => [lv, k] as [number[], number]));
    for (const kind of FIXED_ROW_KINDS) {
      const rows = rowsOfKind(layout, kind);
      if (rows.length === 0) continue;
      if (fixedRowSharesNode(kind)) groups.push(rowsOf([l.upperLevels, l.lowerLevels], rows));
      else groups.push(rowsOf([l.upperLevels], rows), rowsOf([l.lowerLevels], rows));
    }
    // Parallel rows of one external input (layer 0), per line.
    if (l === net.layers[0]) {
      for (const source of new Set(sources)) {
        const rows = sources.flatMap((s, r) => (s === source ? [r] : []));
        if (rows.length > 1) for (const lv of [l.upperLevels, l.lowerLevels]) groups.push(rows.map((r) => [lv, r] as [number[], number]));
      }
    }
    for (let j = 0; j < J; j++) {
      for (const g of groups) {
        if (g.length < 2) continue;
        const sum = g.reduce((a, [lv, k]) => a + lv[k * J + j], 0);
        const base = Math.floor(sum / g.length);
        const extra = sum - base * g.length;
        let diff = false;
        g.forEach(([lv, k], r) => {
          const want = base + (r < extra ? 1 : 0);
          if (lv[k * J + j] !== want) diff = true;
          lv[k * J + j] = want;
        });
        if (diff) changed++;
      }
    }
    signals = l.columns;
  }
  return changed;
}
