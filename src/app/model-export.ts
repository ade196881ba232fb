/**
 * Weight maps of whole model directories (the `npim export` pipeline): a trained NNS+A / NNADC
 * (see `approximator-map.ts`) or a DNN in tfjs Layers format, whose 8-bit crossbar layers are
 * mapped and programmed by the simulator's mapper (`dnn-weights.ts`): the map of draw K is what draw K
 * of `npim simulate` with the same seed and device programmed.
 *
 * DNN: the network is quantized exactly as `npim train dnn` does it (per-column weight scales,
 * activation scales calibrated on the MNIST calibration split of `mnistSplit`); the weight codes
 * depend only on the weights, the calibration sets the input scales recorded in each circuit's
 * metadata so that the map can be read back into real units. Mapping: 8-bit weights on
 * arrayRows × arrayRows arrays of device.levelBits-bit cells, differential column pairs, no flip
 * encoding; the device and array size are the simulation configuration's (the caller's).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ensure, fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { loadMnist, mnistSplit, type MnistData, type SplitSummary, summarizeSplit } from '../data/mnist.ts';
import { importLayersModel } from './import-model.ts';
import { isCrossbar } from '../dnn/network.ts';
import { quantizeNetwork, type QuantizedCrossbar } from '../dnn/quantize.ts';
import { drawSeedOf, layerWeightsOf, programDrawLayers, type DrawProgramming } from '../mapping/dnn-weights.ts';
import { programApproximator, type Approximator } from '../mapping/approximator-map.ts';
import { approximatorWeightMap } from '../weight-map/approximator.ts';
import { weightMapDeviceCount, weightMapFromMappedLayers, type WeightMap } from '../weight-map/weight-map.ts';

/** Programming choices of an export. */
export interface ExportProgramming {
  /** Programming σ (default: the model's device σ; for DNNs the default cell's 0.025). */
  sigma?: number;
  /** Seed of the programming generator (default 1). */
  seed?: number;
}

/** The weight map of an approximator with programmed devices. */
export function approximatorExport(a: Approximator, o: ExportProgramming = {}): WeightMap {
  return approximatorWeightMap(a, programApproximator(a, o));
}

/** A DNN weight map and what it was made from. */
export interface DnnExport {
  map: WeightMap;
  /** Crossbar layers mapped, in network order. */
  layers: Array<{ name: string; kind: 'dense' | 'conv2d'; rows: number; cols: number; devices: number }>;
  devices: number;
  split: SplitSummary;
  mnistDir: string;
}

function layerInfo(l: QuantizedCrossbar, layerIndex: number, o: DrawProgramming): Record<string, unknown> {
  return {
    layerKind: l.kind,
    layerIndex,
    draw: o.draw,
    drawSeed: drawSeedOf(o.seed, o.draw),
    inputScale: l.inputScale,
    inputScaleFrom: l.inputScaleFrom,
    weightScale: Array.from(l.weightScale),
    realWeight: 'real weight of row r, column c = (weight code) x weightScale[c]; real input = (input code) x inputScale',
  };
}

/**
 * Checks what a DNN export needs before any slow work: the weight files named by `dir/model.json`
 * exist, and MNIST (for the calibration split) is present — read without downloading, so missing
 * files are a one-line error naming the files and the directory to put them in. Returns MNIST.
 */
export async function prepareDnnExport(dir: string, dataDir?: string): Promise<MnistData> {
  const file = path.join(dir, 'model.json');
  const json = (await readJson(file, 'model file')) as { weightsManifest?: Array<{ paths?: unknown }> };
  if (!Array.isArray(json.weightsManifest)) fail(`${file} is not a tfjs Layers model: it has no weightsManifest`);
  for (const group of json.weightsManifest) {
    for (const p of Array.isArray(group?.paths) ? group.paths : []) {
      if (typeof p === 'string' && !existsSync(path.join(dir, p))) fail(`weight file ${path.join(dir, p)} named in ${file} is missing`);
    }
  }
  return loadMnist({ dataDir, download: false });
}

/**
 * Maps the 8-bit crossbar layers of the tfjs Layers DNN in `dir` (needs an initialized tfjs
 * backend) and programs them as draw `o.draw` of a simulation seeded `o.seed` programs them (same
 * quantization, layout and random streams); `data` is MNIST from {@link prepareDnnExport}.
 */
export async function dnnExport(dir: string, data: MnistData, o: DrawProgramming): Promise<DnnExport> {
  const { seed, draw } = o;
  ensure(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, `--seed must be an integer in 0..4294967295, got ${seed}`);
  ensure(Number.isInteger(draw) && draw >= 0, `--draw must be an integer >= 0, got ${draw}`);
  const split = mnistSplit(data);
  const { network, metadata } = await importLayersModel(dir);
  // Weight maps are calibrated on MNIST's split; other data sets' models are not exported yet.
  ensure(
    (metadata?.dataset ?? 'mnist') === 'mnist',
    `${dir} is a ${metadata?.dataset} model; npim export calibrates DNN weight maps on MNIST only (simulate it with npim simulate --data ${metadata?.dataset})`,
  );
  const q = quantizeNetwork(network, split.calibration.images);
  const crossbars = q.layers.flatMap((l, index) => (isCrossbar(l) ? [{ index, layer: l as QuantizedCrossbar }] : []));
  ensure(crossbars.length > 0, `${dir}: the network has no dense or conv2d layer to map`);
  const programmed = programDrawLayers(
    crossbars.map(({ index, layer }) => ({ index, weights: layerWeightsOf(layer) })),
    o,
  );
  const map = weightMapFromMappedLayers(programmed, { seed });
  map.circuits.forEach((c, i) => (c.info = layerInfo(crossbars[i].layer, crossbars[i].index, o)));
  const layers = map.circuits.map((c, i) => ({
    name: c.name,
    kind: crossbars[i].layer.kind,
    rows: crossbars[i].layer.fanIn,
    cols: crossbars[i].layer.fanOut,
    devices: c.arrays.reduce((n, a) => n + a.row.length, 0),
  }));
  return { map, layers, devices: weightMapDeviceCount(map), split: summarizeSplit(split), mnistDir: data.dir };
}
