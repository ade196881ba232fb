/**
 * Trained approximators (NNS+A, NNADC) as programmed crossbars: every layer or comparator stage
 * becomes an array of upper/lower conductance pairs, [input pair × column], with the level index
 * the model was trained to, its target conductance and the conductance the device holds after
 * programming (docs/reference.md §2.1, §2.3). This is what the weight map (weight-map/approximator.ts) and the
 * SPICE netlist (spice/netlist.ts) are built from, so both describe exactly the same devices.
 *
 * Programming uses the same random streams as the float64 models: a programmed approximator with
 * seed S holds the conductances that `instantiateNetwork` / `instantiateAdc` give for `new Rng(S)`
 * and the same device model, so the co-simulation (spice/verify.ts) compares like with like.
 *
 * Device model: the model's own RRAM configuration (its level grid and non-idealities), with the
 * programming σ optionally overridden. σ = 0 with no faults and no drift gives the targets exactly
 * ("nominal devices").
 *
 * Pure: model directories are read by app/model-directory.ts.
 */
import { instantiateNetwork, signalRowSources, type ReplicaDividerSiemens } from '../circuits/network.ts';
import { FIXED_ROW_KINDS, fixedKindCount, fixedRowLabel } from '../circuits/row-layout.ts';
import { DEFAULT_SEED } from '../core/defaults.ts';
import { ensure } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { RramConfig } from '../device/rram.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import type { NnsaModel } from '../circuits/nnsa/config.ts';
import { NNSA_INPUT_PAIRS, WEIGHT_BITS } from '../circuits/nnsa/signals.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { instantiateAdc } from '../circuits/nnadc/model.ts';

/** A trained approximator of either kind. */
export type Approximator = { kind: 'nnsa'; model: NnsaModel } | { kind: 'nnadc'; model: NnadcModel };

/** One array of a programmed approximator: a network layer or a comparator stage. */
export interface ProgrammedArray {
  /** `hidden` / `output` (NNS+A layers; `layer<i>` for deeper networks) or the stage role (NNADC). */
  role: string;
  /** `inverter`: columns drive inverter neurons / comparators; `linear`: passive outputs. */
  activation: 'inverter' | 'linear';
  pairs: number;
  columns: number;
  /** Level index of each upper / lower device, row-major [pair][column]. */
  upperLevels: number[];
  lowerLevels: number[];
  /** Programmed conductances, siemens, row-major [pair][column]. */
  upperSiemens: Float64Array;
  lowerSiemens: Float64Array;
  /** What drives each input pair, e.g. `bit 3 (v+3, v-3)`, `bias (VDD, 0)`. */
  rowLabels: string[];
  /** What each column is, e.g. `hidden neuron 4`, `P`. */
  columnLabels: string[];
}

/** An approximator with programmed devices. */
export interface ProgrammedApproximator {
  kind: 'nnsa' | 'nnadc';
  /** Circuit name in weight maps and netlists. */
  name: string;
  /** The device model the conductances were programmed with (σ as used). */
  device: RramConfig;
  /** Seed of the programming generator. */
  seed: number;
  vddVolts: number;
  arrays: ProgrammedArray[];
  /** NNS+A with a replica feedback divider: its programmed conductances. */
  replicaDivider?: ReplicaDividerSiemens;
}

/** Programming choices: σ override (default: the model's device σ) and seed (default 1). */
export interface ProgrammingOptions {
  sigma?: number;
  seed?: number;
}

/** The RRAM configuration of an approximator (the level grid its indices refer to). */
export function approximatorDevice(a: Approximator): RramConfig {
  return a.kind === 'nnsa' ? a.model.network.device : a.model.device;
}

/** The approximator's device model with the programming σ replaced by `sigma` (when given). */
export function deviceWithSigma(device: RramConfig, sigma?: number): RramConfig {
  if (sigma === undefined) return device;
  ensure(Number.isFinite(sigma) && sigma >= 0 && sigma <= 2, `--sigma must be between 0 and 2, got ${sigma}`);
  return { ...device, programming: { ...device.programming, sigma } };
}

/** Labels of the input pairs of NNS+A layer `li` (see `network.ts` for the row order). */
function nnsaRowLabels(model: NnsaModel, li: number): string[] {
  const net = model.network;
  const layer = net.layers[li];
  const labels: string[] = [];
  if (li === 0) {
    const sources = signalRowSources(net);
    sources.forEach((k, row) => {
      const copies = sources.filter((s) => s === k).length;
      const copy = copies > 1 ? `, row ${sources.slice(0, row + 1).filter((s) => s === k).length} of ${copies}` : '';
      if (net.inputPairs === NNSA_INPUT_PAIRS && k < WEIGHT_BITS) labels.push(`bit ${k} (v+${k}, v-${k})${copy}`);
      else if (net.inputPairs === NNSA_INPUT_PAIRS && k === WEIGHT_BITS) labels.push(`previous output (P, N)${copy}`);
      else labels.push(`input ${k}${copy}`);
    });
  } else {
    for (let k = 0; k < net.layers[li - 1].columns; k++) labels.push(`h${k} (h${k}, VDD - h${k})`);
  }
  for (const kind of FIXED_ROW_KINDS)
    for (let k = 0; k < fixedKindCount(kind, net, layer.activation === 'inverter'); k++) labels.push(fixedRowLabel(kind, k, net));
  return labels;
}

function nnsaRole(model: NnsaModel, li: number): string {
  const n = model.network.layers.length;
  if (n === 2) return li === 0 ? 'hidden' : 'output';
  return `layer${li}`;
}

function nnsaColumnLabels(model: NnsaModel, li: number): string[] {
  const layer = model.network.layers[li];
  if (li === model.network.layers.length - 1 && layer.columns === 2 && layer.activation === 'linear') return ['P', 'N'];
  const what = layer.activation === 'inverter' ? 'neuron' : 'output';
  return Array.from({ length: layer.columns }, (_, j) => `${nnsaRole(model, li)} ${what} ${j}`);
}

function adcRowLabel(input: NnadcModel['stages'][number]['inputs'][number]): string {
  if (input.kind === 'signal') return 'signal (P, N)';
  if (input.kind === 'bias') return 'bias (VDD, 0)';
  if (input.kind === 'trim') return 'trim (VDD, 0)';
  return `coarse ${input.comparator} (latched, VDD - latched)`;
}

/**
 * Programs an approximator's devices: level indices → target conductances → programmed
 * conductances with the device model (σ from `options.sigma` or the model), seed `options.seed`.
 */
export function programApproximator(a: Approximator, options: ProgrammingOptions = {}): ProgrammedApproximator {
  const seed = options.seed ?? DEFAULT_SEED;
  ensure(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, `--seed must be an integer in 0..4294967295, got ${seed}`);
  const device = deviceWithSigma(approximatorDevice(a), options.sigma);
  const rng = new Rng(seed);
  if (a.kind === 'nnsa') {
    const m = a.model;
    const bank = bankFromJson(m.vtcBank);
    // The corner mode does not touch the conductances; only the programming streams matter here.
    const inst = instantiateNetwork(m.network, bank, device, rng, { kind: 'nominal' });
    return {
      kind: 'nnsa',
      name: 'nnsa',
      device,
      seed,
      vddVolts: m.network.vddVolts,
      ...(inst.replicaDivider ? { replicaDivider: inst.replicaDivider } : {}),
      arrays: m.network.layers.map((l, li) => ({
        role: nnsaRole(m, li),
        activation: l.activation,
        pairs: l.pairs,
        columns: l.columns,
        upperLevels: l.upperLevels,
        lowerLevels: l.lowerLevels,
        upperSiemens: inst.layers[li].upperSiemens,
        lowerSiemens: inst.layers[li].lowerSiemens,
        rowLabels: nnsaRowLabels(m, li),
        columnLabels: nnsaColumnLabels(m, li),
      })),
    };
  }
  const m = a.model;
  const inst = instantiateAdc(m, bankFromJson(m.vtcBank), device, rng, { kind: 'nominal' });
  return {
    kind: 'nnadc',
    name: 'nnadc',
    device,
    seed,
    vddVolts: m.vddVolts,
    arrays: m.stages.map((s, si) => ({
      role: s.role,
      activation: 'inverter',
      pairs: s.inputs.length,
      columns: s.columns,
      upperLevels: s.upperLevels,
      lowerLevels: s.lowerLevels,
      upperSiemens: inst.stages[si].upperSiemens,
      lowerSiemens: inst.stages[si].lowerSiemens,
      rowLabels: s.inputs.map(adcRowLabel),
      columnLabels: Array.from({ length: s.columns }, (_, j) => `${s.role} comparator ${j}`),
    })),
  };
}

/** A one-line description of the approximator (for metadata and netlist headers). */
export function describeApproximator(a: Approximator): string {
  if (a.kind === 'nnsa') {
    const net = a.model.network;
    return `NNS+A (D = ${a.model.dacBits}), ${net.layers.map((l) => `${l.pairs}x${l.columns} ${l.activation}`).join(' -> ')}, ${net.biasRows} bias rows${net.replicaRows ? `, ${net.replicaRows} replica rows${net.replicaFeedback ? ` (replica feedback ${net.replicaFeedback.outputDevices}:${net.replicaFeedback.railDevices})` : ''}` : ''}${net.trimRows ? `, ${net.trimRows} trim rows` : ''}`;
  }
  const m = a.model;
  return `${m.bits}-bit ${m.arch} NNADC, range ${m.rangeFraction} of the NNS+A output, stages ${m.stages.map((s) => `${s.role} ${s.inputs.length}x${s.columns}`).join(', ')}`;
}
