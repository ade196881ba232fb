/** Loading a tfjs Layers model directory as a {@link FloatNetwork} the accelerator can run. */
import type * as tf from '@tensorflow/tfjs';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { extractNetwork, type ExtractOptions } from '../dnn/import.ts';
import type { FloatNetwork } from '../dnn/network.ts';
import { loadLayersModelFromDir, readModelMetadata } from '../io/layers-model.ts';

/** A user model loaded from disk and checked. */
export interface ImportedModel {
  model: tf.LayersModel;
  network: FloatNetwork;
}

/**
 * Loads a tfjs Layers model directory (`model.json` + weight files) and converts it, failing with
 * a one-line error on the first unsupported layer. The input scale comes from `options`, else from
 * the model's `npim.inputScale` metadata (written by `npim train dnn`), else 1/255.
 */
export async function importLayersModel(dir: string, options: ExtractOptions = {}): Promise<ImportedModel> {
  const model = await loadLayersModelFromDir(dir);
  const meta = readModelMetadata(model);
  const inputScale = options.inputScale ?? meta?.inputScale ?? DNN_INPUT_SCALE;
  return { model, network: extractNetwork(model, { inputScale }) };
}
