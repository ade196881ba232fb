/**
 * SPICE netlists of trained approximators (NNS+A, NNADC) that run unmodified in ngspice (batch
 * mode: `ngspice -b deck.cir`). Pure string building: the decks are written by the CLI and run by
 * `io/ngspice.ts`.
 *
 * What a deck contains:
 * - one resistor per RRAM device, R = 1/g with g the programmed conductance (a device programmed
 *   to exactly 0 S is left open and says so in a comment); names `R_<array>_r<pair>_c<column>_<u|l>`,
 *   so every resistor names its layer/stage, input pair, column and line;
 * - the transistor-level inverter `npim_inv` of `datasets/vtc/inverter_130nm.lib` (included by
 *   absolute path, corner parameters and temperature of the chosen corner) for every neuron and
 *   comparator — the same subcircuit the VTC bank was characterized from;
 * - ideal buffers as voltage-controlled voltage sources (`E`), as in the float64 model: between
 *   layers a follower (h) and an inverting unity-gain buffer around VDD (VDD − h) per hidden
 *   neuron; bias rows tie their upper line to VDD and their lower line to ground;
 * - a replica inverter with input tied to output, which settles at the switching voltage V_M of
 *   the corner. In the NNADC it is the reference the comparator outputs are read against (and the
 *   coarse latch threshold); in an NNS+A with replica rows it drives those rows through a buffer;
 * - the analysis in a `.control` block that writes its vectors with `wrdata` (one row per sweep
 *   point; first column the sweep variable) and ends with `quit 0`, which batch-mode ngspice needs.
 *
 * NNADC: the differential input Vd = P − N is one swept source; P = 0.25 V + Vd/2 and
 * N = 0.25 V − Vd/2 come from two VCVS around a 0.25 V common-mode source, and one `dc` sweep
 * covers the converter's range. A comparator fires when its column is below V_M, i.e. when its
 * inverter output is above V_M (the inverter is decreasing and crosses vout = vin at V_M). The
 * coarse-to-fine latch of a two-step converter is an ideal behavioural comparator
 * (`B` source: VDD·u(v(out) − v(vm)), with `E` for its complement) standing in for the
 * cross-coupled latch that regenerates each coarse decision to full rail, exactly as the float64
 * model (`convertAdc`) latches it.
 *
 * NNS+A: the operating points are tabulated. One source `Vidx` is swept over 0, 1, …, n − 1 and
 * every input line is a `B` source `pwl(v(idx), 0, v_0, 1, v_1, …)`, so one `dc` sweep evaluates
 * all points (at integer indices a pwl table returns its entries exactly).
 *
 * One thread (`set num_threads=1`): the circuits are tiny, and ngspice's OpenMP barrier spins
 * whenever another process holds a core, which made run times erratic (0.05 s to 16 s for the
 * same 4-bit sweep on a loaded 2-core machine).
 *
 * Simulator tolerances are tightened (`reltol=1e-6`, `vntol=1e-9`) so that what a comparison
 * measures is the circuit, not Newton's stopping rule (the default reltol = 1e-3 allows
 * millivolt-level residuals in principle).
 */
import { DEFAULT_TRIM_VOLTS, signalRowSources } from '../circuits/network.ts';
import { FIXED_ROW_KINDS, fixedKindCount, type FixedRowKind } from '../circuits/row-layout.ts';
import { DEFAULT_SEED } from '../core/defaults.ts';
import { ensure } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { NOMINAL_CORNER, cornerParams, defaultCorners, type InverterCorner } from '../circuits/inverter-corners.ts';
import { OUTPUT_COMMON_MODE_VOLTS, OUTPUT_FULL_SCALE_VOLTS } from '../circuits/nnsa/signals.ts';
import { adcScale } from '../analysis/adc-metrics.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import type { NnsaModel } from '../circuits/nnsa/config.ts';
import { sampleNnsaBatch } from '../circuits/nnsa/dataset.ts';
import type { Approximator, ProgrammedApproximator, ProgrammedArray } from '../mapping/approximator-map.ts';

/** Options shared by every deck. */
export interface NetlistOptions {
  /** Inverter corner (process shifts and temperature); default tt_27c. */
  corner: InverterCorner;
  /** Absolute path of the inverter library (`INVERTER_LIB_PATH`). */
  libPath: string;
  /** File `wrdata` writes (no whitespace: ngspice does not take quoted names there). */
  dataFile: string;
  /** One line naming the model (directory, kind), for the header. */
  description: string;
}

/** A deck and what its data file will hold. */
export interface SpiceDeck {
  /** The netlist text. */
  text: string;
  /** Vectors written by `wrdata`, in column order after the sweep column. */
  vectors: string[];
  /** Sweep: the swept source and its values (start, step, points). */
  sweep: DcSweep;
  /** Resistors (RRAM devices) in the deck. */
  resistors: number;
  /** Open devices (g = 0) left out. */
  openDevices: number;
  /** Inverters (neurons / comparators), without the replica. */
  inverters: number;
}

/** A linear DC sweep of one source. */
export interface DcSweep {
  /** Name of the swept source. */
  source: string;
  startValue: number;
  stepValue: number;
  points: number;
}

/** The inverter corner called `name` from the default corner set (one-line error if unknown). */
export function inverterCorner(name: string = NOMINAL_CORNER): InverterCorner {
  const all = defaultCorners();
  const c = all.find((x) => x.name === name);
  ensure(c, `unknown corner '${name}' (corners: ${all.map((x) => x.name).join(', ')})`);
  return c;
}

/** Formats a number so that ngspice reads back the same double (shortest round-trip form). */
export function spiceNumber(x: number): string {
  ensure(Number.isFinite(x), `cannot write ${x} into a SPICE netlist`);
  return String(x);
}

/** Node of column `j` of array `a` (`s` for NNADC stages, `l` for NNS+A layers). */
export function columnNode(prefix: 's' | 'l', a: number, j: number): string {
  return `${prefix}${a}c${j}`;
}

/** Inverter output node of column `j` of array `a`. */
export function inverterOutputNode(prefix: 's' | 'l', a: number, j: number): string {
  return `${prefix}${a}o${j}`;
}

/** Node of the replica inverter (the corner's switching voltage V_M). */
export const REPLICA_NODE = 'vm';

/** Nodes driving the upper and lower lines of each fixed row kind of an NNS+A layer (see `row-layout.ts`). */
const FIXED_ROW_NODES: Record<FixedRowKind, [string, string]> = {
  bias: ['vdd', '0'],
  replica: ['vrep', 'vrep'],
  trim: ['vtrimh', 'vtriml'],
};

function header(o: NetlistOptions, p: ProgrammedApproximator, lines: string[]): string[] {
  const c = o.corner;
  return [
    `* neural-pim SPICE netlist: ${o.description}`,
    (p.device.programming.sigma === 0
      ? `* nominal devices: every resistor is 1/g of its conductance level (no programming variation)`
      : `* devices programmed with ${p.device.programming.kind} variation sigma = ${p.device.programming.sigma}, seed ${p.seed}`) +
      `${p.device.stuckAtGMinRate + p.device.stuckAtGMaxRate > 0 ? `, stuck-at rates ${p.device.stuckAtGMinRate}/${p.device.stuckAtGMaxRate}` : ''}${p.device.drift ? ', with drift' : ''}`,
    `* inverter corner ${c.name} (${c.process.toUpperCase()}, ${c.temperatureCelsius} C, VDD ${c.vddVolts} V)`,
    ...lines.map((l) => `* ${l}`),
    `* run: ngspice -b <this file>   (writes ${o.dataFile}${o.dataFile.startsWith('/') ? '' : ' in the folder it runs in'})`,
    '*',
    cornerParams(c),
    `.include ${JSON.stringify(o.libPath)}`,
    `.options temp=${c.temperatureCelsius} tnom=27 reltol=1e-6 vntol=1e-9`,
    '',
    '* supply',
    `Vdd vdd 0 ${spiceNumber(p.vddVolts)}`,
  ];
}

function control(o: NetlistOptions, sweep: DcSweep, vectors: string[]): string[] {
  ensure(!/\s/.test(o.dataFile), `the ngspice data file path must not contain whitespace (wrdata takes no quoted names): ${o.dataFile}`);
  // Half a step beyond the last point: ngspice stops when the running sum passes the stop value,
  // so the last point is kept whatever the rounding of the accumulated steps.
  const stop = sweep.startValue + (sweep.points - 1 + 0.5) * sweep.stepValue;
  return [
    '',
    '.control',
    // ngspice's OpenMP device evaluation (2 threads by default) spins at a barrier per Newton
    // iteration; on a busy machine that makes a sweep of a few dozen transistors take 100x longer.
    'set num_threads=1',
    'set wr_singlescale',
    'option numdgt=12',
    `dc ${sweep.source} ${spiceNumber(sweep.startValue)} ${spiceNumber(stop)} ${spiceNumber(sweep.stepValue)}`,
    `wrdata ${o.dataFile} ${vectors.join(' ')}`,
    // batch mode would otherwise look for an analysis in the netlist after .control and exit with 1
    'quit 0',
    '.endc',
    '.end',
    '',
  ];
}

/**
 * Resistors of one crossbar array: the upper device of pair k, column j from `rows[k][0]` to the
 * column node, the lower one from `rows[k][1]`.
 */
function crossbarLines(
  name: string,
  title: string,
  arr: ProgrammedArray,
  rows: Array<[string, string]>,
  column: (j: number) => string,
): { lines: string[]; resistors: number; open: number } {
  ensure(rows.length === arr.pairs, `${title}: ${rows.length} row nodes for ${arr.pairs} input pairs`);
  const lines = [
    '',
    `* ---- ${title}: ${arr.pairs} input pairs x ${arr.columns} columns, ${2 * arr.pairs * arr.columns} RRAM devices (R = 1/g, ohms)`,
    `* columns: ${arr.columnLabels.map((l, j) => `${column(j)} = ${l}`).join(', ')}`,
  ];
  let resistors = 0;
  let open = 0;
  for (let k = 0; k < arr.pairs; k++) {
    lines.push(`* row ${k}: ${arr.rowLabels[k]}; upper line ${rows[k][0]}, lower line ${rows[k][1]}`);
    for (let j = 0; j < arr.columns; j++) {
      const i = k * arr.columns + j;
      for (const [line, node, g] of [
        ['u', rows[k][0], arr.upperSiemens[i]],
        ['l', rows[k][1], arr.lowerSiemens[i]],
      ] as const) {
        const r = `R_${name}_r${k}_c${j}_${line}`;
        if (g > 0) {
          lines.push(`${r} ${node} ${column(j)} ${spiceNumber(1 / g)}`);
          resistors++;
        } else {
          lines.push(`* ${r} ${node} ${column(j)}: programmed to 0 S, left open`);
          open++;
        }
      }
    }
  }
  return { lines, resistors, open };
}

/**
 * The sweep of an NNADC co-simulation: `points` equally spaced differential inputs over the
 * converter's range in edge form (code centres 0 and V_max, so edges −Q/2 and V_max + Q/2)
 * overdriven by `overdrivePercent` of full scale at each end, as the histogram test wants.
 */
export function adcSweep(model: Pick<NnadcModel, 'bits' | 'rangeFraction'>, points: number, overdrivePercent = 5): DcSweep {
  ensure(Number.isInteger(points) && points >= 2, `an NNADC sweep needs at least 2 points, got ${points}`);
  const s = adcScale(model.bits, 0, OUTPUT_FULL_SCALE_VOLTS * model.rangeFraction, 'centers');
  const fs = s.vHighVolts - s.vLowVolts;
  const start = s.vLowVolts - (overdrivePercent / 100) * fs;
  const end = s.vHighVolts + (overdrivePercent / 100) * fs;
  return { source: 'Vd', startValue: start, stepValue: (end - start) / (points - 1), points };
}

/** Vectors an NNADC deck writes: V_M, every comparator output, every column voltage. */
export function adcVectors(model: Pick<NnadcModel, 'stages'>): string[] {
  const v = [`v(${REPLICA_NODE})`];
  model.stages.forEach((s, si) => {
    for (let j = 0; j < s.columns; j++) v.push(`v(${inverterOutputNode('s', si, j)})`);
  });
  model.stages.forEach((s, si) => {
    for (let j = 0; j < s.columns; j++) v.push(`v(${columnNode('s', si, j)})`);
  });
  return v;
}

/**
 * Netlist of a programmed NNADC with a DC sweep of its differential input (see the module
 * comment for the circuit and how the data file decodes to codes).
 */
export function nnadcNetlist(model: NnadcModel, p: ProgrammedApproximator, sweep: DcSweep, o: NetlistOptions): SpiceDeck {
  ensure(p.kind === 'nnadc' && p.arrays.length === model.stages.length, 'nnadcNetlist needs the programmed arrays of this NNADC');
  const vdd = spiceNumber(model.vddVolts);
  const coarseIndex = model.stages.findIndex((s) => s.role === 'coarse');
  const fine = model.stages.find((s) => s.role === 'fine');
  const fineBits = fine ? Math.round(Math.log2(fine.columns + 1)) : 0;
  const vectors = adcVectors(model);
  const decode =
    model.arch === 'two-step'
      ? `code = 2^${fineBits} x (coarse comparators fired) + (fine comparators fired), at most ${2 ** model.bits - 1}`
      : 'code = number of flash comparators fired (thermometer count)';
  const lines = header(o, p, [
    `input: differential voltage Vd = P - N (volts), P = ${OUTPUT_COMMON_MODE_VOLTS} + Vd/2, N = ${OUTPUT_COMMON_MODE_VOLTS} - Vd/2;`,
    `  normalized y = Vd / ${OUTPUT_FULL_SCALE_VOLTS} V, ideal code round(y / ${model.rangeFraction} x ${2 ** model.bits - 1})`,
    `analysis: dc sweep of Vd from ${sweep.startValue.toPrecision(6)} V in ${sweep.points} points of ${sweep.stepValue.toPrecision(6)} V`,
    `data file columns: Vd, then ${vectors.length} vectors: v(vm) (replica V_M), comparator outputs s<stage>o<j>, column voltages s<stage>c<j>`,
    `decoding: comparator j fires when v(s<stage>o<j>) > v(vm) (its column below V_M); ${decode}`,
  ]);
  lines.push(
    '',
    '* differential input (swept) and its pseudo-differential pair P, N around the common mode',
    'Vd vd 0 0',
    `Vcm cm 0 ${spiceNumber(OUTPUT_COMMON_MODE_VOLTS)}`,
    'Ep p cm vd 0 0.5',
    'En n cm vd 0 -0.5',
    '',
    '* replica inverter (input tied to output): settles at the switching voltage V_M of this corner',
    `X_vm ${REPLICA_NODE} ${REPLICA_NODE} vdd npim_inv`,
  );
  let resistors = 0;
  let open = 0;
  model.stages.forEach((stage, si) => {
    const arr = p.arrays[si];
    const rows = stage.inputs.map((inp): [string, string] => {
      if (inp.kind === 'signal') return ['p', 'n'];
      if (inp.kind === 'bias' || inp.kind === 'trim') return ['vdd', '0'];
      ensure(
        coarseIndex >= 0 && inp.comparator < model.stages[coarseIndex].columns,
        `stage ${si}: input refers to coarse comparator ${inp.comparator}, which does not exist`,
      );
      return [`lat${inp.comparator}`, `latn${inp.comparator}`];
    });
    const x = crossbarLines(`s${si}`, `stage ${si} (${stage.role})`, arr, rows, (j) => columnNode('s', si, j));
    lines.push(...x.lines);
    resistors += x.resistors;
    open += x.open;
    lines.push(`* ${stage.role} comparators: inverter npim_inv on each column (in, out, vdd)`);
    for (let j = 0; j < stage.columns; j++)
      lines.push(`X_s${si}_c${j} ${columnNode('s', si, j)} ${inverterOutputNode('s', si, j)} vdd npim_inv`);
    if (si === coarseIndex && model.arch === 'two-step') {
      lines.push(
        '* coarse latches: each coarse decision regenerated to full rail (ideal behavioural comparator of the',
        '* inverter output against V_M, standing in for a cross-coupled latch) and its complement VDD - latched',
      );
      for (let j = 0; j < stage.columns; j++) {
        lines.push(`B_lat${j} lat${j} 0 V = ${vdd}*u(v(${inverterOutputNode('s', si, j)})-v(${REPLICA_NODE}))`);
        lines.push(`E_latn${j} latn${j} vdd lat${j} 0 -1`);
      }
    }
  });
  lines.push(...control(o, sweep, vectors));
  return {
    text: lines.join('\n'),
    vectors,
    sweep,
    resistors,
    openDevices: open,
    inverters: model.stages.reduce((n, s) => n + s.columns, 0),
  };
}

/** Operating points of an NNS+A deck: input-line voltages [points × inputPairs], volts. */
export interface NnsaOperatingPoints {
  count: number;
  /** Upper line of every external input pair, row-major [point][pair]. */
  upperVolts: ArrayLike<number>;
  /** Lower line of every external input pair. */
  lowerVolts: ArrayLike<number>;
}

/** Vectors an NNS+A deck writes: the outputs of the last layer, then columns and outputs of every inverter layer. */
export function nnsaVectors(model: Pick<NnsaModel, 'network'>): string[] {
  const net = model.network;
  const last = net.layers.length - 1;
  const outNode = (li: number, j: number): string =>
    net.layers[li].activation === 'inverter' ? inverterOutputNode('l', li, j) : columnNode('l', li, j);
  const v: string[] = [];
  for (let j = 0; j < net.layers[last].columns; j++) v.push(`v(${outNode(last, j)})`);
  net.layers.forEach((l, li) => {
    if (l.activation !== 'inverter' || li === last) return;
    for (let j = 0; j < l.columns; j++) v.push(`v(${columnNode('l', li, j)})`);
    for (let j = 0; j < l.columns; j++) v.push(`v(${inverterOutputNode('l', li, j)})`);
  });
  if ((net.replicaRows ?? 0) > 0) v.push('v(vrep)');
  return v;
}

/** A `pwl` table of one input line over the operating-point index, wrapped 8 points a line. */
function pwlSource(name: string, node: string, values: number[]): string[] {
  if (values.length === 1) return [`${name} ${node} 0 V = ${spiceNumber(values[0])}`];
  const parts = values.map((v, i) => `${i},${spiceNumber(v)}`);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += 8) out.push(parts.slice(i, i + 8).join(', '));
  return [
    `${name} ${node} 0 V = pwl(v(idx), ${out[0]}${out.length > 1 ? ',' : ')'}`,
    ...out.slice(1).map((l, i) => `+ ${l}${i === out.length - 2 ? ')' : ','}`),
  ];
}

/**
 * Netlist of a programmed NNS+A evaluated at tabulated operating points (see the module
 * comment). Every layer after the first sees the previous layer's outputs h through a follower
 * (upper line) and an inverting unity-gain buffer around VDD (lower line, VDD − h).
 */
export function nnsaNetlist(model: NnsaModel, p: ProgrammedApproximator, points: NnsaOperatingPoints, o: NetlistOptions): SpiceDeck {
  const net = model.network;
  ensure(p.kind === 'nnsa' && p.arrays.length === net.layers.length, 'nnsaNetlist needs the programmed arrays of this NNS+A');
  ensure(points.count >= 1, 'an NNS+A deck needs at least one operating point');
  const K = net.inputPairs;
  ensure(
    points.upperVolts.length === points.count * K && points.lowerVolts.length === points.count * K,
    `operating points need ${K} input pairs each`,
  );
  const vectors = nnsaVectors(model);
  const replica = (net.replicaRows ?? 0) > 0;
  const sweep: DcSweep = { source: 'Vidx', startValue: 0, stepValue: 1, points: points.count };
  const last = net.layers.length - 1;
  const lines = header(o, p, [
    `inputs: ${K} external pairs (upper x<k>u, lower x<k>l), tabulated at ${points.count} operating points over the index v(idx) = 0..${points.count - 1}`,
    `analysis: dc sweep of Vidx from 0 to ${points.count - 1} in steps of 1 (one operating point per step)`,
    `data file columns: index, then ${vectors.length} vectors: outputs of layer ${last} (${p.arrays[last].columnLabels.join(', ')}), then per inverter layer the column voltages l<i>c<j> and neuron outputs l<i>o<j>${replica ? ', then v(vrep)' : ''}`,
  ]);
  lines.push(
    '',
    '* operating-point index (swept)',
    'Vidx idx 0 0',
    '',
    '* external inputs: one pwl table per line, entry i = operating point i',
  );
  for (let k = 0; k < K; k++) {
    lines.push(`* pair ${k}: ${p.arrays[0].rowLabels[k]}`);
    for (const [line, src] of [
      ['u', points.upperVolts],
      ['l', points.lowerVolts],
    ] as const) {
      lines.push(
        ...pwlSource(
          `B_x${k}${line}`,
          `x${k}${line}`,
          Array.from({ length: points.count }, (_, b) => src[b * K + k]),
        ),
      );
    }
  }
  if (replica && p.replicaDivider) {
    const d = p.replicaDivider;
    lines.push(
      '',
      '* replica reference: an inverter whose buffered output feeds back to its input through a resistive divider',
      '* (RRAM devices, parallel ones merged) with both rails; the input settles at V_M, so the output carries the',
      '* corner shift amplified. The buffer (ideal, like the followers between layers) keeps the divider off the inverter.',
      'X_rep vrepin vrepi vdd npim_inv',
      'E_rep vrep 0 vrepi 0 1',
      `R_rep_out vrep vrepin ${spiceNumber(1 / d.output)}`,
      `R_rep_vdd vdd vrepin ${spiceNumber(1 / d.vdd)}`,
      `R_rep_gnd 0 vrepin ${spiceNumber(1 / d.ground)}`,
    );
  } else if (replica) {
    lines.push(
      '',
      '* replica reference: a diode-connected inverter settles at V_M of this corner; buffered to drive the replica rows',
      'X_rep vrepi vrepi vdd npim_inv',
      'E_rep vrep 0 vrepi 0 1',
    );
  }
  const [trimHi, trimLo] = net.trimVolts ?? DEFAULT_TRIM_VOLTS;
  if ((net.trimRows ?? 0) > 0) {
    lines.push(
      '',
      '* trim references: buffered taps of a resistive divider from VDD (ideal sources)',
      `V_trimh vtrimh 0 ${trimHi}`,
      `V_triml vtriml 0 ${trimLo}`,
    );
  }
  // The replica divider's three resistors (parallel devices merged) count with the crossbars'.
  let resistors = replica && p.replicaDivider ? 3 : 0;
  let open = 0;
  let inverters = 0;
  let prevOut: string[] = [];
  net.layers.forEach((layer, li) => {
    const arr = p.arrays[li];
    const rows: Array<[string, string]> = [];
    if (li === 0) {
      for (const k of signalRowSources(net)) rows.push([`x${k}u`, `x${k}l`]);
    } else {
      lines.push('', `* buffers into layer ${li}: follower h (upper line) and inverting unity-gain buffer VDD - h (lower line)`);
      prevOut.forEach((h, k) => {
        lines.push(`E_l${li}_r${k}_u l${li}r${k}u 0 ${h} 0 1`);
        lines.push(`E_l${li}_r${k}_l l${li}r${k}l vdd ${h} 0 -1`);
        rows.push([`l${li}r${k}u`, `l${li}r${k}l`]);
      });
    }
    for (const kind of FIXED_ROW_KINDS)
      for (let k = 0; k < fixedKindCount(kind, net, layer.activation === 'inverter'); k++) rows.push(FIXED_ROW_NODES[kind]);
    const x = crossbarLines(`l${li}`, `layer ${li} (${arr.role}, ${layer.activation})`, arr, rows, (j) => columnNode('l', li, j));
    lines.push(...x.lines);
    resistors += x.resistors;
    open += x.open;
    if (layer.activation === 'inverter') {
      lines.push(`* layer ${li} neurons: inverter npim_inv on each column (in, out, vdd)`);
      for (let j = 0; j < layer.columns; j++)
        lines.push(`X_l${li}_c${j} ${columnNode('l', li, j)} ${inverterOutputNode('l', li, j)} vdd npim_inv`);
      inverters += layer.columns;
      prevOut = Array.from({ length: layer.columns }, (_, j) => inverterOutputNode('l', li, j));
    } else {
      lines.push(`* layer ${li} is passive: its outputs are the column voltages (high-impedance load)`);
      prevOut = Array.from({ length: layer.columns }, (_, j) => columnNode('l', li, j));
    }
  });
  lines.push(...control(o, sweep, vectors));
  return { text: lines.join('\n'), vectors, sweep, resistors, openDevices: open, inverters };
}

/** Default sweep points of an NNADC deck (the co-simulation's ≥ 4096-point code comparison). */
export const DEFAULT_ADC_SWEEP_POINTS = 4096;
/** Default operating points of an NNS+A deck. */
export const DEFAULT_NNSA_POINTS = 200;
/**
 * Fraction of NNS+A operating points drawn output-uniform (see `sampleNnsaBatch`): independent
 * uniform bit lines put almost no points at |y| > 0.7, where every hidden neuron swings to a rail
 * and the VTC's knees matter most; half the points cover that part of the range evenly.
 */
export const NNSA_STRESS_FRACTION = 0.5;

/**
 * Random NNS+A operating points from the model's physical input range (`sampleNnsaBatch`, no
 * sample-and-hold noise), seeded by `seed` (stream `spice-points`). Values are float32 draws held
 * as doubles, so the netlist and the float64 model see the same numbers.
 */
export function nnsaOperatingPoints(model: Pick<NnsaModel, 'dacBits'>, count: number, seed: number): NnsaOperatingPoints {
  ensure(Number.isInteger(count) && count >= 1 && count <= 100_000, `--points must be an integer in 1..100000 for an NNS+A, got ${count}`);
  const b = sampleNnsaBatch(new Rng(seed).fork('spice-points'), count, model.dacBits, 0, NNSA_STRESS_FRACTION);
  return { count, upperVolts: Float64Array.from(b.upper), lowerVolts: Float64Array.from(b.lower) };
}

/** What an approximator deck is built from besides the programmed devices. */
export interface DeckChoices {
  /** NNADC sweep points (default 4096) or NNS+A operating points (default 200). */
  points?: number;
  /** Seed of the NNS+A operating points (default 1). */
  seed?: number;
  corner: InverterCorner;
  libPath: string;
  dataFile: string;
  description: string;
}

/** The deck of a programmed approximator: an NNADC sweep or NNS+A operating points. */
export function approximatorDeck(
  a: Approximator,
  p: ProgrammedApproximator,
  c: DeckChoices,
): SpiceDeck & { operatingPoints?: NnsaOperatingPoints } {
  const o: NetlistOptions = { corner: c.corner, libPath: c.libPath, dataFile: c.dataFile, description: c.description };
  if (a.kind === 'nnadc') {
    const n = c.points ?? DEFAULT_ADC_SWEEP_POINTS;
    ensure(Number.isInteger(n) && n >= 2 && n <= 1_000_000, `--points must be an integer in 2..1000000 for an NNADC sweep, got ${n}`);
    return nnadcNetlist(a.model, p, adcSweep(a.model, n), o);
  }
  const points = nnsaOperatingPoints(a.model, c.points ?? DEFAULT_NNSA_POINTS, c.seed ?? DEFAULT_SEED);
  return { ...nnsaNetlist(a.model, p, points, o), operatingPoints: points };
}
