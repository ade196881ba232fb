/**
 * Discrete refinement of a trained two-layer passive network (hidden inverter layer + output
 * layer): coordinate descent over the devices' level indices, with single moves (one device one
 * level up or down) and paired moves (one device up, another of the same column down, which keeps
 * the column's total conductance and so shifts weight between inputs). Gradient training with
 * straight-through or incremental quantization gets close; this search closes the gap that
 * rounding to 2^bits levels leaves, which matters when the levels are few (3 bits).
 *
 * The objective is the mean loss over a fixed set of "chips": the nominal one plus R draws of
 * programming variation and VTC corners, so refinement does not trade robustness for nominal
 * accuracy. Evaluation is incremental: a move changes one column, so only that column and the
 * outputs are recomputed; a trial is abandoned as soon as its partial objective (chips taken in
 * order of their current loss) reaches the best, which rejects most trials after one or two chips.
 * Optional cross-column moves (the same input line up in one hidden neuron and down in another)
 * let neurons that share a role round a weight in opposite directions.
 */
import type { Rng } from '../core/rng.ts';
import { levelConductance, levelCount, type RramConfig } from '../device/rram.ts';
import { fail } from '../core/errors.ts';
import type { MismatchSpread } from './inverter-mismatch.ts';
import {
  expandSignalRows,
  instanceBank,
  instantiateNetwork,
  designedReplicaVolts,
  type CornerMode,
  type CornerModeName,
  type PassiveNetwork,
} from './network.ts';
import { fixedRowLineVolts, layerRowLayoutOfPairs, layerRowVoltages } from './row-layout.ts';
import { bankVtc, type VtcBank } from './vtc.ts';

/** Options of {@link refineNetwork}. */
export interface RefineOptions {
  /** Training inputs, row-major [batch × inputPairs], volts. */
  upper: ArrayLike<number>;
  lower: ArrayLike<number>;
  batch: number;
  /** Loss of the outputs [batch × outputs] of one chip (lower is better). */
  loss: (outputs: Float64Array) => number;
  /** Variation-and-corner chips besides the nominal one. */
  chips: number;
  /** Device model of the chips' variation. */
  device: RramConfig;
  /**
   * How chips draw inverter corners: all nominal, one random corner per chip, that corner plus
   * each inverter's local mismatch (`die-mismatch`, from `mismatch`), or one per neuron.
   */
  cornerMode: CornerModeName;
  /** Local mismatch spread of `die-mismatch` chips. */
  mismatch?: MismatchSpread;
  rng: Rng;
  /** Maximum sweeps over all devices. */
  sweeps: number;
  /** Also try paired moves within a column. */
  pairMoves: boolean;
  /**
   * With `cornerMode` 'global': the die corner of chip c (1-based) is `chipCorners[(c − 1) mod n]`
   * instead of a random one, e.g. to put the extreme corners into the objective.
   */
  chipCorners?: number[];
  /** Also try cross-column moves in the hidden layer (one input line up in one neuron, down in another). */
  crossColumnMoves?: boolean;
  /** Weight of the nominal chip in the objective (the others share the rest equally). */
  nominalWeight?: number;
  /** Called after each sweep. */
  onSweep?: (sweep: number, loss: number, moves: number) => void;
}

/** Cached state of one chip (nominal or a variation-and-corner draw). */
export interface ChipState {
  /** Multiplicative factor of each device's conductance (variation), per layer and line. */
  factor: Float64Array[][];
  corners: Int32Array;
  /** The VTCs `corners` index into: the shared bank, or the chip's own with local mismatch. */
  bank: VtcBank;
  /** Layer-0 inputs of this chip (upper, lower lines), [pairs × batch]: a trial reads one row. */
  inU: Float64Array;
  inL: Float64Array;
  /** Replica reference voltage of this chip (NaN without replica rows). */
  replicaVolts: number;
  /** Line voltages of the output layer's fixed rows (bias, replica, trim) on this chip, [pairs]; 0 on its signal rows. */
  outFixedU: Float64Array;
  outFixedL: Float64Array;
  /** Hidden column numerators and neuron outputs, [columns × batch]. */
  hNum: Float64Array;
  hDen: Float64Array;
  h: Float64Array;
  oNum: Float64Array;
  oDen: Float64Array;
  out: Float64Array;
  /** Net weight g⁺ − g⁻ of hidden neuron k on output j, [hidden × outputs]. */
  wOut: Float64Array;
}

/** A trial change of one device: its line (0 upper, 1 lower), index [pair × column], row pair and level step. */
export interface DeviceChange {
  line: number;
  i: number;
  k: number;
  dLevel: number;
}

/** The device changes of one column of a move. */
export interface ColumnChange {
  /** Column (neuron) of the layer. */
  j: number;
  changes: DeviceChange[];
}

/**
 * The state of a refinement and its steps. The state is the network's level indices (edited in
 * place), the chips' cached column numerators, totals and outputs, the current objective `best`,
 * and the order in which trials visit the chips. A move is tried ({@link tryHidden},
 * {@link tryHiddenColumns}, {@link tryOutput}: the objective after it, or Infinity as soon as it
 * cannot beat `best`) and, if better, accepted ({@link accept}: levels changed, the changed
 * columns and the outputs recomputed on every chip).
 */
export class NetworkRefiner {
  /** Objective of the current levels (the weighted chip losses). */
  best: number;
  /** The chips: nominal (index 0) and the variation draws. */
  readonly chips: ChipState[];
  private readonly net: PassiveNetwork;
  private readonly bank: VtcBank;
  private readonly o: RefineOptions;
  private readonly B: number;
  private readonly vdd: number;
  private readonly K0: number;
  private readonly J0: number;
  private readonly K1: number;
  private readonly J1: number;
  /** Level count 2^bits. */
  readonly levels: number;
  /** Conductance of each level in units of G_max. */
  private readonly gOf: Float64Array;
  /** Level indices of layer 0 and layer 1, [upper, lower] (the network's own arrays). */
  readonly lines0: number[][];
  readonly lines1: number[][];
  /** The output layer has inverter neurons. */
  private readonly act: boolean;
  /** Weight of the nominal chip in the objective. */
  private readonly wNom: number;
  /** Chips in order of their weighted loss, largest first (re-sorted every sweep). */
  private chipOrder: number[];
  // Scratch of the recomputations and trials.
  private readonly colU: Float64Array;
  private readonly colL: Float64Array;
  private readonly colNum: Float64Array;
  private readonly scratchOut: Float64Array[];
  private readonly scratchHs: Float64Array[];

  /** Builds the chips of `o` for `net` (refined in place by {@link run}) and evaluates the objective. */
  constructor(net: PassiveNetwork, bank: VtcBank, o: RefineOptions) {
    if (net.layers.length !== 2 || net.layers[0].activation !== 'inverter')
      throw new Error('refineNetwork expects a hidden inverter layer and an output layer');
    this.net = net;
    this.bank = bank;
    this.o = o;
    const [L0, L1] = net.layers;
    const B = (this.B = o.batch);
    const vdd = (this.vdd = net.vddVolts);
    const K0 = (this.K0 = L0.pairs);
    const J0 = (this.J0 = L0.columns);
    this.K1 = L1.pairs;
    this.J1 = L1.columns;
    this.levels = levelCount(net.device);
    this.gOf = Float64Array.from({ length: this.levels }, (_, i) => levelConductance(net.device, i) / net.device.gMaxSiemens);
    // Replica-reference rows (see network.ts) follow the bias rows of inverter layers; their
    // voltage depends on the chip's replica corner, so each chip keeps its own layer-0 inputs.
    const nr = net.replicaRows ?? 0;
    const layout0 = layerRowLayoutOfPairs(net, K0, true);
    const layout1 = layerRowLayoutOfPairs(net, L1.pairs, L1.activation === 'inverter');
    const ni = layout0.counts.signal;
    // Signal rows carry external inputs (several rows may carry one; see network.ts).
    const layerInputs = (replicaVolts: number): [Float64Array, Float64Array] => {
      const rows = layerRowVoltages(
        { ...net, replicaVolts },
        true,
        expandSignalRows(net.inputRows, o.upper, B),
        expandSignalRows(net.inputRows, o.lower, B),
        ni,
        B,
      );
      return [rows.upper, rows.lower];
    };
    this.lines0 = [L0.upperLevels, L0.lowerLevels];
    this.lines1 = [L1.upperLevels, L1.lowerLevels];

    // Chips: nominal plus variation draws (factors from instantiating with unit targets).
    this.chips = [];
    for (let c = 0; c <= o.chips; c++) {
      const nominal = c === 0;
      const chipRng = o.rng.fork(`chip${c}`);
      const dieCorner = (): number =>
        o.chipCorners?.length
          ? o.chipCorners[(c - 1 + o.chipCorners.length) % o.chipCorners.length]
          : chipRng.fork('corner').int(bank.corners.length);
      const mode: CornerMode =
        o.cornerMode === 'global'
          ? { kind: 'global', corner: dieCorner() }
          : o.cornerMode === 'die-mismatch'
            ? { kind: 'die-mismatch', corner: dieCorner(), mismatch: o.mismatch ?? fail('die-mismatch chips need the mismatch spread') }
            : { kind: o.cornerMode };
      const inst = nominal ? null : instantiateNetwork(net, bank, o.device, chipRng, mode);
      const factor = net.layers.map((l, li) =>
        [l.upperLevels, l.lowerLevels].map((lv, line) => {
          const f = new Float64Array(lv.length).fill(1);
          if (inst) {
            const got = line === 0 ? inst.layers[li].upperSiemens : inst.layers[li].lowerSiemens;
            for (let i = 0; i < lv.length; i++) f[i] = got[i] / levelConductance(net.device, lv[i]);
          }
          return f;
        }),
      );
      const replicaVolts =
        nr === 0
          ? NaN
          : inst
            ? inst.replicaVolts!
            : designedReplicaVolts(bank, bank.nominalIndex, vdd, net.replicaFeedback, net.device.gMaxSiemens);
      const transpose = (x: Float64Array): Float64Array => {
        const t = new Float64Array(x.length);
        for (let b = 0; b < B; b++) for (let k = 0; k < K0; k++) t[k * B + b] = x[b * K0 + k];
        return t;
      };
      const [inU, inL] = layerInputs(replicaVolts).map(transpose);
      const outFixed = fixedRowLineVolts({ ...net, replicaVolts }, layout1);
      this.chips.push({
        factor,
        corners: inst ? inst.layers[0].corners : new Int32Array(J0).fill(bank.nominalIndex),
        bank: inst ? instanceBank(inst, bank) : bank,
        inU,
        inL,
        replicaVolts,
        outFixedU: outFixed.upper,
        outFixedL: outFixed.lower,
        hNum: new Float64Array(J0 * B),
        hDen: new Float64Array(J0),
        h: new Float64Array(J0 * B),
        oNum: new Float64Array(B * this.J1),
        oDen: new Float64Array(this.J1),
        out: new Float64Array(B * this.J1),
        wOut: new Float64Array(J0 * this.J1),
      });
    }
    this.act = L1.activation === 'inverter';
    this.colU = new Float64Array(Math.max(K0, this.K1));
    this.colL = new Float64Array(Math.max(K0, this.K1));
    this.colNum = new Float64Array(B);
    for (const c of this.chips) {
      for (let j = 0; j < J0; j++) this.recomputeHiddenColumn(c, j);
      this.recomputeOutputs(c);
    }
    this.wNom = o.chips === 0 ? 1 : (o.nominalWeight ?? 0.5);
    this.best = this.objective();
    this.chipOrder = this.chips.map((_, ci) => ci);
    this.scratchOut = this.chips.map(() => new Float64Array(B * this.J1));
    this.scratchHs = [new Float64Array(B), new Float64Array(B)];
  }

  /** Conductance of device i of layer 0 on a chip, units of G_max. */
  private g0(c: ChipState, line: number, i: number): number {
    return this.gOf[this.lines0[line][i]] * c.factor[0][line][i];
  }

  /** Conductance of device i of layer 1 on a chip, units of G_max. */
  private g1(c: ChipState, line: number, i: number): number {
    return this.gOf[this.lines1[line][i]] * c.factor[1][line][i];
  }

  /** Weight of chip `ci` in the objective. */
  private chipWeight(ci: number): number {
    return ci === 0 ? this.wNom : (1 - this.wNom) / this.o.chips;
  }

  /** Objective of the chips' current outputs (from the cached outputs, in chip index order). */
  objective(): number {
    const o = this.o;
    let s = this.wNom * o.loss(this.chips[0].out);
    for (let c = 1; c < this.chips.length; c++) s += ((1 - this.wNom) / o.chips) * o.loss(this.chips[c].out);
    return s;
  }

  /** Recomputes hidden column j of a chip: its total, numerators and neuron outputs. */
  recomputeHiddenColumn(c: ChipState, j: number): void {
    const { K0, J0, B, colU, colL, colNum } = this;
    // Column conductances of the chip, gathered once per recomputation (the same products g0 gives).
    let den = 0;
    for (let k = 0; k < K0; k++) {
      colU[k] = this.g0(c, 0, k * J0 + j);
      colL[k] = this.g0(c, 1, k * J0 + j);
      den += colU[k] + colL[k];
    }
    c.hDen[j] = den;
    // Row by row over the batch (contiguous), each point's sum in the same order of k.
    colNum.fill(0);
    for (let k = 0; k < K0; k++) {
      const gu = colU[k];
      const gl = colL[k];
      const o = k * B;
      for (let b = 0; b < B; b++) colNum[b] += gu * c.inU[o + b] + gl * c.inL[o + b];
    }
    for (let b = 0; b < B; b++) {
      c.hNum[j * B + b] = colNum[b];
      c.h[j * B + b] = bankVtc(c.bank, c.corners[j], colNum[b] / den);
    }
  }

  /** Line voltage of row pair k of the output layer at point b on a chip (a hidden output or a fixed row). */
  private outputInput(c: ChipState, b: number, k: number, line: number): number {
    if (k >= this.J0) return line === 0 ? c.outFixedU[k] : c.outFixedL[k];
    const h = c.h[k * this.B + b];
    return line === 0 ? h : this.vdd - h;
  }

  /** Recomputes the output layer of a chip: totals, numerators, net weights and outputs. */
  recomputeOutputs(c: ChipState): void {
    const { K1, J0, J1, B, vdd, colU, colL } = this;
    // The fixed rows' line voltages (bias, replica, trim).
    const fixedU = c.outFixedU;
    const fixedL = c.outFixedL;
    for (let j = 0; j < J1; j++) {
      let den = 0;
      for (let k = 0; k < K1; k++) {
        colU[k] = this.g1(c, 0, k * J1 + j);
        colL[k] = this.g1(c, 1, k * J1 + j);
        den += colU[k] + colL[k];
      }
      c.oDen[j] = den;
      for (let k = 0; k < J0; k++) c.wOut[k * J1 + j] = colU[k] - colL[k];
      for (let b = 0; b < B; b++) {
        let num = 0;
        for (let k = 0; k < J0; k++) {
          const h = c.h[k * B + b];
          num += colU[k] * h + colL[k] * (vdd - h);
        }
        for (let k = J0; k < K1; k++) num += colU[k] * fixedU[k] + colL[k] * fixedL[k];
        c.oNum[b * J1 + j] = num;
        const v = num / den;
        c.out[b * J1 + j] = this.act ? bankVtc(c.bank, c.corners[0], v) : v;
      }
    }
  }

  /** Re-sorts the chips by their current weighted loss, largest first, so that a trial's early exit comes as soon as possible. */
  sortChips(): void {
    const w = this.chips.map((c, ci) => this.chipWeight(ci) * this.o.loss(c.out));
    this.chipOrder = this.chipOrder.sort((a, b) => w[b] - w[a]);
  }

  /**
   * Objective after changing hidden columns (each with its own device changes, at most two per
   * column; at most two columns), or Infinity as soon as it cannot beat {@link best}.
   */
  tryHiddenColumns(cols: ColumnChange[]): number {
    const { B, J1, chips, gOf, lines0, scratchHs } = this;
    const { startVolts: gridStart, stepVolts: gridStep, points } = this.bank.grid;
    // Chip by chip, stopping as soon as the partial objective cannot beat the best (every chip's
    // loss is ≥ 0), which rejects most trial moves after the nominal chip.
    let total = 0;
    for (const ci of this.chipOrder) {
      const c = chips[ci];
      const out = this.scratchOut[ci];
      for (let n = 0; n < cols.length; n++) {
        const { j, changes } = cols[n];
        const hNew = scratchHs[n];
        // At most two device changes per column (single and paired moves): their conductance
        // steps and input rows, added in the order given (the arithmetic of a plain loop).
        let dDen = 0;
        let dg0 = 0;
        let dg1 = 0;
        let x0: Float64Array = c.inU;
        let x1: Float64Array = c.inU;
        let o0 = 0;
        let o1 = 0;
        changes.forEach((ch, q) => {
          const lv = lines0[ch.line][ch.i];
          const dg = (gOf[lv + ch.dLevel] - gOf[lv]) * c.factor[0][ch.line][ch.i];
          dDen += dg;
          if (q === 0) [dg0, x0, o0] = [dg, ch.line === 0 ? c.inU : c.inL, ch.k * B];
          else [dg1, x1, o1] = [dg, ch.line === 0 ? c.inU : c.inL, ch.k * B];
        });
        if (changes.length > 2) throw new Error('refineNetwork: a trial changes at most two devices of a column');
        const two = changes.length === 2;
        const den = c.hDen[j] + dDen;
        const hNum = c.hNum;
        const base = j * B;
        // bankVtc inlined (same arithmetic): the trial's hot loop.
        const table = c.bank.table;
        const row = c.corners[j] * points;
        for (let b = 0; b < B; b++) {
          let num = hNum[base + b] + dg0 * x0[o0 + b];
          if (two) num += dg1 * x1[o1 + b];
          let u = (num / den - gridStart) / gridStep;
          if (u <= 0) u = 0;
          if (u >= points - 1) u = points - 1 - 1e-9;
          const i = Math.floor(u);
          const t = u - i;
          hNew[b] = table[row + i] + t * (table[row + i + 1] - table[row + i]);
        }
      }
      // Outputs: numerator plus each changed neuron's step times its net weight (in the order of
      // the columns), over the column total; one pass.
      const ja = cols[0].j;
      const jb = cols.length > 1 ? cols[1].j : ja;
      const hA = scratchHs[0];
      const hB = scratchHs[1];
      for (let jo = 0; jo < J1; jo++) {
        const wa = c.wOut[ja * J1 + jo];
        const wb = c.wOut[jb * J1 + jo];
        const den = c.oDen[jo];
        const baseA = ja * B;
        const baseB = jb * B;
        for (let b = 0; b < B; b++) {
          let num = c.oNum[b * J1 + jo] + wa * (hA[b] - c.h[baseA + b]);
          if (cols.length > 1) num += wb * (hB[b] - c.h[baseB + b]);
          const v = num / den;
          out[b * J1 + jo] = this.act ? bankVtc(c.bank, c.corners[0], v) : v;
        }
      }
      total += this.chipWeight(ci) * this.o.loss(out);
      if (total >= this.best) return Infinity;
    }
    return total;
  }

  /** Objective after changing devices of hidden column j (see {@link tryHiddenColumns}). */
  tryHidden(j: number, changes: DeviceChange[]): number {
    return this.tryHiddenColumns([{ j, changes }]);
  }

  /** Objective after changing devices of output column jo, or Infinity as soon as it cannot beat {@link best}. */
  tryOutput(jo: number, changes: DeviceChange[]): number {
    const { B, J1, chips, gOf, lines1 } = this;
    // Chip by chip, stopping as soon as the partial objective cannot beat the best (every chip's
    // loss is ≥ 0), which rejects most trial moves after the nominal chip.
    let total = 0;
    for (const ci of this.chipOrder) {
      const c = chips[ci];
      const out = this.scratchOut[ci];
      out.set(c.out);
      let dDen = 0;
      const deltas = changes.map((ch) => {
        const lv = lines1[ch.line][ch.i];
        const dg = (gOf[lv + ch.dLevel] - gOf[lv]) * c.factor[1][ch.line][ch.i];
        dDen += dg;
        return { dg, k: ch.k, line: ch.line };
      });
      const den = c.oDen[jo] + dDen;
      for (let b = 0; b < B; b++) {
        let num = c.oNum[b * J1 + jo];
        for (const d of deltas) num += d.dg * this.outputInput(c, b, d.k, d.line);
        const v = num / den;
        out[b * J1 + jo] = this.act ? bankVtc(c.bank, c.corners[0], v) : v;
      }
      total += this.chipWeight(ci) * this.o.loss(out);
      if (total >= this.best) return Infinity;
    }
    return total;
  }

  /**
   * Accepts a move whose trial gave `objective`: changes the level indices of layer `layer`, then
   * on every chip recomputes the changed hidden columns (in the order given) and the outputs.
   */
  accept(objective: number, layer: 0 | 1, cols: ColumnChange[]): void {
    this.best = objective;
    const lines = layer === 0 ? this.lines0 : this.lines1;
    for (const col of cols) for (const ch of col.changes) lines[ch.line][ch.i] += ch.dLevel;
    for (const c of this.chips) {
      if (layer === 0) for (const col of cols) this.recomputeHiddenColumn(c, col.j);
      this.recomputeOutputs(c);
    }
  }

  /**
   * Cross-column moves in the hidden layer: the same input line one level up in one neuron and one
   * level down in another. Neurons that share a role (e.g. two with the same threshold) can then
   * round one weight in opposite directions, which halves the weight's effective level step.
   * Returns the moves accepted.
   */
  crossColumnSweep(): number {
    const { K0, J0, levels } = this;
    let moves = 0;
    for (let k = 0; k < K0; k++) {
      for (let line = 0; line < 2; line++) {
        const lv = this.lines0[line];
        for (let ja = 0; ja < J0; ja++) {
          for (let jb = 0; jb < J0; jb++) {
            const ia = k * J0 + ja;
            const ib = k * J0 + jb;
            if (ja === jb || lv[ia] + 1 >= levels || lv[ib] - 1 < 0) continue;
            const cols = [
              { j: ja, changes: [{ line, i: ia, k, dLevel: 1 }] },
              { j: jb, changes: [{ line, i: ib, k, dLevel: -1 }] },
            ];
            const v = this.tryHiddenColumns(cols);
            if (v < this.best) {
              this.accept(v, 0, cols);
              moves++;
            }
          }
        }
      }
    }
    return moves;
  }

  /**
   * One sweep: chips re-sorted, optional cross-column moves, then column by column of each layer
   * single moves (the first better step of each device) and, optionally, paired moves within the
   * column. Returns the moves accepted.
   */
  sweep(): number {
    const o = this.o;
    this.sortChips();
    let moves = 0;
    if (o.crossColumnMoves) moves += this.crossColumnSweep();
    for (const layer of [0, 1] as const) {
      const K = layer === 0 ? this.K0 : this.K1;
      const J = layer === 0 ? this.J0 : this.J1;
      const lines = layer === 0 ? this.lines0 : this.lines1;
      const trial = (j: number, ch: DeviceChange[]): number => (layer === 0 ? this.tryHidden(j, ch) : this.tryOutput(j, ch));
      for (let j = 0; j < J; j++) {
        const devices: Array<{ line: number; i: number; k: number }> = [];
        for (let k = 0; k < K; k++) for (let line = 0; line < 2; line++) devices.push({ line, i: k * J + j, k });
        const ok = (d: { line: number; i: number }, dl: number): boolean =>
          lines[d.line][d.i] + dl >= 0 && lines[d.line][d.i] + dl < this.levels;
        for (const d of devices) {
          for (const dl of [-1, 1]) {
            if (!ok(d, dl)) continue;
            const ch = [{ ...d, dLevel: dl }];
            const v = trial(j, ch);
            if (v < this.best) {
              this.accept(v, layer, [{ j, changes: ch }]);
              moves++;
              break;
            }
          }
        }
        if (!o.pairMoves) continue;
        for (const a of devices) {
          for (const b of devices) {
            if (a === b || !ok(a, 1) || !ok(b, -1)) continue;
            const ch = [
              { ...a, dLevel: 1 },
              { ...b, dLevel: -1 },
            ];
            const v = trial(j, ch);
            if (v < this.best) {
              this.accept(v, layer, [{ j, changes: ch }]);
              moves++;
            }
          }
        }
      }
    }
    return moves;
  }

  /** Sweeps until a sweep makes no move or `sweeps` are done; returns the final objective. */
  run(): number {
    for (let sweep = 0; sweep < this.o.sweeps; sweep++) {
      const moves = this.sweep();
      this.o.onSweep?.(sweep, this.best, moves);
      if (moves === 0) break;
    }
    return this.best;
  }
}

/** Refines `net` in place; returns the final objective. */
export function refineNetwork(net: PassiveNetwork, bank: VtcBank, o: RefineOptions): number {
  return new NetworkRefiner(net, bank, o).run();
}
