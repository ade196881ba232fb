/**
 * Weight maps of whole model directories (the `npim export` pipeline): a trained NNS+A / NNADC
 * (see `approximator-map.ts`) or a DNN in tfjs Layers format, whose 8-bit crossbar layers are
 * mapped and programmed like the accelerator simulator's (`dnn-weights.ts`).
 *
 * DNN: the network is quantized exactly as `npim train dnn` does it (per-column weight scales,
 * activation scales calibrated on the MNIST calibration split of `mnistSplit`); the weight codes
 * depend only on the weights, the calibration sets the input scales recorded in each circuit's
 * metadata so that the map can be read back into real units. Mapping: 8-bit weights on 128 × 128
 * arrays of 1-bit cells (DESIGN.md §1), differential column pairs, no flip encoding; devices from
 * the default RRAM cell with 2 levels (σ = 0.025 log-normal unless overridden).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { DEFAULT_SEED } from '../core/defaults.ts';
import { ensure, fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { Rng } from '../core/rng.ts';
import { defaultRramConfig } from '../device/rram.ts';
import { loadMnist, mnistSplit, type MnistData, type SplitSummary, summarizeSplit } from '../data/mnist.ts';
import { importLayersModel } from './import-model.ts';
import { isCrossbar } from '../dnn/network.ts';
import { quantizeNetwork, type QuantizedCrossbar } from '../dnn/quantize.ts';
import { dnnDeviceConfig, layerWeightsOf, mapLayer, mappingOptions, programMappedLayer } from '../mapping/dnn-weights.ts';
import { approximatorWeightMap, deviceWithSigma, programApproximator, type Approximator } from '../mapping/approximator-map.ts';
import { weightMapDeviceCount, weightMapFromMappedLayers, type WeightMap } from '../mapping/weight-map.ts';

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

function layerInfo(l: QuantizedCrossbar): Record<string, unknown> {
  return {
    layerKind: l.kind,
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
 * backend) and programs them; `data` is MNIST from {@link prepareDnnExport}.
 */
export async function dnnExport(dir: string, data: MnistData, o: ExportProgramming = {}): Promise<DnnExport> {
  const seed = o.seed ?? DEFAULT_SEED;
  ensure(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, `--seed must be an integer in 0..4294967295, got ${seed}`);
  const options = mappingOptions({});
  const device = dnnDeviceConfig(deviceWithSigma(defaultRramConfig(), o.sigma), options.cellBits);
  const split = mnistSplit(data);
  const { network } = await importLayersModel(dir);
  const q = quantizeNetwork(network, split.calibration.images);
  const crossbars = q.layers.filter((l): l is QuantizedCrossbar => isCrossbar(l));
  ensure(crossbars.length > 0, `${dir}: the network has no dense or conv2d layer to map`);
  const rng = new Rng(seed);
  const programmed = crossbars.map((l) => programMappedLayer(mapLayer(layerWeightsOf(l), options), device, rng));
  const map = weightMapFromMappedLayers(programmed, { seed });
  map.circuits.forEach((c, i) => (c.info = layerInfo(crossbars[i])));
  const layers = map.circuits.map((c, i) => ({
    name: c.name,
    kind: crossbars[i].kind,
    rows: crossbars[i].fanIn,
    cols: crossbars[i].fanOut,
    devices: c.arrays.reduce((n, a) => n + a.row.length, 0),
  }));
  return { map, layers, devices: weightMapDeviceCount(map), split: summarizeSplit(split), mnistDir: data.dir };
}
