/**
 * Saving and loading tfjs Layers models as a directory in the standard tfjs format (`model.json`
 * with the topology and a weights manifest, plus binary weight files), without tfjs-node's
 * `file://` handlers, which are not available here. Files are written atomically (weights first,
 * so a `model.json` never points at weights that are not there yet). Loading accepts any
 * shard layout the tfjs converter produces (`group1-shard1of3.bin`, ...).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensure, fail } from '../core/errors.ts';
import { ensureDirectory, readJson, writeFileAtomic, writeJsonAtomic } from './files.ts';

/** Name of the single weight file {@link saveLayersModelToDir} writes. */
export const WEIGHTS_FILE = 'weights.bin';

/**
 * What neural-pim records in a saved model's `userDefinedMetadata.npim` (a strict schema: unknown
 * keys are errors). Models trained here record the input scale and architecture; imported models
 * (`npim import`) also record their input normalization, the data set they were made for, where they
 * came from and their float accuracy.
 */
const MetadataSchema = z.strictObject({
  /** Real value of one 8-bit input code (1/255: the model takes pixel / 255). */
  inputScale: z.number().positive(),
  /** Zoo or imported architecture name. */
  arch: z.string().optional(),
  /** The network sees `code × inputScale × channelGain[c] + offset[i]` (see FloatNetwork.inputNormalization). */
  inputNormalization: z
    .strictObject({ channelGain: z.array(z.number().finite()).min(1), offset: z.array(z.number().finite()).min(1) })
    .optional(),
  /** The data set the model classifies (the default of `--data`). */
  dataset: z.enum(['mnist', 'cifar10']).optional(),
  /** The file the model was imported from, and its kind. */
  importedFrom: z.strictObject({ kind: z.enum(['keras', 'torch']), file: z.string(), sha256: z.string() }).optional(),
  /** Float top-1 accuracy measured at import (tfjs forward pass). */
  floatAccuracy: z.strictObject({ data: z.string(), images: z.number().int().positive(), top1: z.number().min(0).max(1) }).optional(),
  /** Top-1 of the exact 8-bit reference measured at import (`--int8`). */
  int8Accuracy: z.strictObject({ data: z.string(), images: z.number().int().positive(), top1: z.number().min(0).max(1) }).optional(),
});

/** What neural-pim records in a saved model's `userDefinedMetadata.npim`. */
export type NpimModelMetadata = z.infer<typeof MetadataSchema>;

/** Files written by {@link saveLayersModelToDir}. */
export interface SavedModelFiles {
  modelJson: string;
  weightsBin: string;
  weightBytes: number;
  /** SHA-256 (hex) of the weight file's bytes. */
  weightsSha256: string;
}

/**
 * Saves `model` to `dir` as `model.json` + `weights.bin`. `metadata` goes into the model's
 * `userDefinedMetadata.npim`, so a later import knows the input scale.
 */
export async function saveLayersModelToDir(model: tf.LayersModel, dir: string, metadata?: NpimModelMetadata): Promise<SavedModelFiles> {
  if (metadata) model.setUserDefinedMetadata({ npim: { ...metadata } });
  const modelJson = path.join(dir, 'model.json');
  const weightsBin = path.join(dir, WEIGHTS_FILE);
  let weightBytes = 0;
  let weightsSha256 = '';
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      weightBytes = data.byteLength;
      weightsSha256 = createHash('sha256').update(new Uint8Array(data)).digest('hex');
      await writeFileAtomic(weightsBin, new Uint8Array(data));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeJsonAtomic(modelJson, json);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightBytes } };
    }),
  );
  return { modelJson, weightsBin, weightBytes, weightsSha256 };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/**
 * Loads a tfjs Layers model from a directory holding `model.json` and the weight files its
 * manifest names. Missing files, a graph model, weight files of the wrong size and layers tfjs
 * cannot build are one-line UserErrors naming the directory.
 */
export async function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  ensureDirectory(dir, 'model directory');
  const jsonPath = path.join(dir, 'model.json');
  const json = (await readJson(jsonPath, 'model.json')) as Partial<tf.io.ModelJSON> | null;
  ensure(json !== null && typeof json === 'object' && !Array.isArray(json), `${jsonPath} is not a tfjs model (expected a JSON object)`);
  if (json.format === 'graph-model')
    fail(`${jsonPath} is a tfjs graph model; only Layers models (e.g. converted from Keras) are supported`);
  ensure(json.modelTopology && typeof json.modelTopology === 'object', `${jsonPath} is not a tfjs Layers model: it has no modelTopology`);
  ensure(Array.isArray(json.weightsManifest), `${jsonPath} is not a tfjs Layers model: it has no weightsManifest`);
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    ensure(Array.isArray(group?.paths) && Array.isArray(group?.weights), `${jsonPath}: malformed weightsManifest entry`);
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.join(dir, p);
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (e) {
        fail(`weight file ${file} named in ${jsonPath} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  const weightData = tf.io.CompositeArrayBuffer.join(buffers);
  const expected = expectedWeightBytes(specs, jsonPath);
  if (expected !== null) {
    ensure(
      expected === weightData.byteLength,
      `weights of ${dir} are ${weightData.byteLength} bytes but model.json declares ${expected}: the weight files are truncated or do not belong to this model`,
    );
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
    );
  } catch (e) {
    fail(`cannot build the model in ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
}

function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[], where: string): number | null {
  let total = 0;
  for (const s of specs) {
    ensure(typeof s?.name === 'string' && Array.isArray(s.shape), `${where}: malformed weight entry ${JSON.stringify(s)?.slice(0, 80)}`);
    const dtype = s.quantization?.dtype ?? s.dtype;
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === undefined) return null; // strings or unknown types: leave the check to tfjs
    total += s.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

/** The neural-pim metadata of a loaded model, or null when it has none (e.g. a Keras model). */
export function readModelMetadata(model: tf.LayersModel): NpimModelMetadata | null {
  const meta = model.getUserDefinedMetadata() as { npim?: unknown } | undefined;
  if (!meta || meta.npim === undefined) return null;
  const parsed = MetadataSchema.safeParse(meta.npim);
  if (!parsed.success) fail(`the model's npim metadata is malformed: ${parsed.error.issues[0].message}`);
  return parsed.data;
}
