/** Loading a tfjs Layers model directory as a {@link FloatNetwork} the accelerator can run. */
import type * as tf from '@tensorflow/tfjs';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { ensure } from '../core/errors.ts';
import { extractNetwork, type ExtractOptions } from '../dnn/import.ts';
import { shapeSize, type FloatNetwork } from '../dnn/network.ts';
import { loadLayersModelFromDir, readModelMetadata, type NpimModelMetadata } from '../io/layers-model.ts';

/** A user model loaded from disk and checked. */
export interface ImportedModel {
  model: tf.LayersModel;
  network: FloatNetwork;
  /** The model's neural-pim metadata, when it has any. */
  metadata: NpimModelMetadata | null;
}

/**
 * Loads a tfjs Layers model directory (`model.json` + weight files) and converts it, failing with
 * a one-line error on the first unsupported layer. The input scale comes from `options`, else from
 * the model's `npim.inputScale` metadata (written by `npim train dnn` and `npim import`), else 1/255;
 * the input normalization from the metadata.
 */
export async function importLayersModel(dir: string, options: ExtractOptions = {}): Promise<ImportedModel> {
  const model = await loadLayersModelFromDir(dir);
  const meta = readModelMetadata(model);
  const inputScale = options.inputScale ?? meta?.inputScale ?? DNN_INPUT_SCALE;
  const network = extractNetwork(model, { inputScale });
  const norm = meta?.inputNormalization;
  if (norm) {
    const channels = network.inputShape[network.inputShape.length - 1];
    ensure(
      norm.channelGain.length === channels && norm.offset.length === shapeSize(network.inputShape),
      `${dir}: the input normalization has ${norm.channelGain.length} gains and ${norm.offset.length} offsets; the [${network.inputShape.join(', ')}] input needs ${channels} and ${shapeSize(network.inputShape)}`,
    );
    network.inputNormalization = { channelGain: Float64Array.from(norm.channelGain), offset: Float64Array.from(norm.offset) };
  }
  return { model, network, metadata: meta };
}
