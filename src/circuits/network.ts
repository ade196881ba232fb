/**
 * Passive-crossbar neural networks: the substrate of the NNS+A and NNADC (DESIGN.md §2.3–2.5).
 *
 * A network is a stack of passive crossbar layers. Layer 0 takes the external input pairs; every
 * later layer takes the previous layer's neuron outputs h as pairs (h, VDD − h) (the complement
 * comes from an inverting unity-gain buffer, modelled as ideal like the source followers between
 * layers). Every layer has one bias pair (VDD, 0) as its last input. A layer's columns either drive
 * inverter neurons (`inverter`: output = VTC(column voltage), the corner of each neuron chosen from
 * a VTC bank) or are the network's passive outputs (`linear`: output = column voltage).
 *
 * Conductances are stored as level indices of the RRAM cell (exactly on one of the 2^bits levels);
 * programming variation is applied when a network is instantiated for evaluation.
 */
import { z } from 'zod';
import { VDD_VOLTS } from '../core/defaults.ts';
import { fail } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { RramConfigSchema, levelConductance, programConductances, type RramConfig } from '../device/rram.ts';
import { passiveColumnVoltages, type CrossbarConductances } from './crossbar.ts';
import { bankVtc, type VtcBank } from './vtc.ts';

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

/** Schema of a trained passive network. */
export const PassiveNetworkSchema = z
  .object({
    /** External input pairs of layer 0 (without its bias pair). */
    inputPairs: z.number().int().positive(),
    /** Bias pairs (VDD, 0) appended to every layer's inputs (parallel rows of the one bias input). */
    biasRows: z.number().int().min(1).max(64).default(1),
    /** Supply of the bias rows and complements, volts. */
    vddVolts: z.number().positive().default(VDD_VOLTS),
    /** The RRAM cell the levels refer to. */
    device: RramConfigSchema,
    layers: z.array(NetworkLayerSchema).min(1),
  })
  .superRefine((net, ctx) => {
    const levels = 2 ** net.device.levelBits;
    let pairsIn = net.inputPairs + net.biasRows;
    net.layers.forEach((l, i) => {
      if (l.pairs !== pairsIn) ctx.addIssue({ code: 'custom', message: `layer ${i} has ${l.pairs} input pairs, expected ${pairsIn}` });
      const n = l.pairs * l.columns;
      if (l.upperLevels.length !== n || l.lowerLevels.length !== n) ctx.addIssue({ code: 'custom', message: `layer ${i} needs ${n} level indices per line` });
      if ([...l.upperLevels, ...l.lowerLevels].some((v) => v >= levels)) ctx.addIssue({ code: 'custom', message: `layer ${i} has a level index ≥ ${levels}` });
      pairsIn = l.columns + net.biasRows;
    });
  });

/** A trained passive network. */
export type PassiveNetwork = z.output<typeof PassiveNetworkSchema>;

/** Shape of a network: layer sizes and activations. */
export interface NetworkShape {
  /** External input pairs (without bias). */
  inputPairs: number;
  /** Bias pairs per layer (default 1). */
  biasRows?: number;
  /** Columns and activation of each layer. */
  layers: Array<{ columns: number; activation: LayerActivation }>;
}

/** Pairs (including bias) feeding each layer of a shape. */
export function layerPairs(shape: NetworkShape): number[] {
  return shape.layers.map((_, i) => (i === 0 ? shape.inputPairs : shape.layers[i - 1].columns) + (shape.biasRows ?? 1));
}

/** Number of RRAM devices and inverters of a network. */
export function networkDeviceCount(net: Pick<PassiveNetwork, 'layers'>): { rram: number; inverters: number } {
  let rram = 0;
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
  biasRows: number;
  layers: Array<CrossbarConductances & { activation: LayerActivation; corners: Int32Array }>;
}

/** How the VTC corner of each neuron is chosen when a network is instantiated. */
export type CornerMode =
  | { kind: 'nominal' }
  | { kind: 'global'; corner: number }
  | { kind: 'per-neuron' };

/**
 * Instantiates a network: level indices → target conductances → programmed conductances (with
 * the device's variation when `rng` is given) and a VTC corner per neuron.
 */
export function instantiateNetwork(net: PassiveNetwork, bank: VtcBank, device: RramConfig, rng: Rng | null, cornerMode: CornerMode): NetworkInstance {
  const layers = net.layers.map((l, li) => {
    const target = (levels: number[]): Float64Array => Float64Array.from(levels, (i) => levelConductance(net.device, i));
    const program = (g: Float64Array, line: string): Float64Array => (rng ? programConductances(g, device, rng.fork(`layer${li}.${line}`)) : g);
    const corners = new Int32Array(l.columns);
    if (cornerMode.kind === 'per-neuron') {
      const r = (rng ?? fail('per-neuron corners need a random generator')).fork(`corners${li}`);
      for (let j = 0; j < l.columns; j++) corners[j] = r.int(bank.corners.length);
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
  return { vddVolts: net.vddVolts, biasRows: net.biasRows, layers };
}

/**
 * Float64 forward pass. `upperVolts`/`lowerVolts` are [batch × inputPairs] (without bias);
 * returns every layer's outputs, the last being the network output [batch × columns].
 */
export function forwardNetwork(inst: NetworkInstance, bank: VtcBank, upperVolts: ArrayLike<number>, lowerVolts: ArrayLike<number>, batch: number): Float64Array[] {
  const outs: Float64Array[] = [];
  let up = upperVolts;
  let lo = lowerVolts;
  const nb = inst.biasRows;
  let width = inst.layers[0].pairs - nb;
  for (const layer of inst.layers) {
    const K = width + nb;
    const u = new Float64Array(batch * K);
    const l = new Float64Array(batch * K);
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < width; k++) {
        u[b * K + k] = up[b * width + k];
        l[b * K + k] = lo[b * width + k];
      }
      for (let k = width; k < K; k++) {
        u[b * K + k] = inst.vddVolts;
        l[b * K + k] = 0;
      }
    }
    const v = passiveColumnVoltages(layer, u, l, batch);
    if (layer.activation === 'inverter') {
      for (let b = 0; b < batch; b++) for (let j = 0; j < layer.columns; j++) v[b * layer.columns + j] = bankVtc(bank, layer.corners[j], v[b * layer.columns + j]);
    }
    outs.push(v);
    up = v;
    lo = v.map((h) => inst.vddVolts - h);
    width = layer.columns;
  }
  return outs;
}
