/**
 * A Keras model (architecture JSON and weights, as read from an HDF5 file by `io/keras-h5.ts`) turned
 * into a tfjs Layers model: tfjs deserializes the Keras configuration itself, and each layer gets the
 * file's weights in the layer's own order. Layer classes the accelerator cannot run are rejected
 * before tfjs sees them, with a one-line error naming the layer and its class.
 */
import * as tf from '@tensorflow/tfjs';
import { ensure, fail } from '../core/errors.ts';
import { SUPPORTED_LAYER_CLASSES } from './import.ts';

/** One weight tensor of a layer: float32 values (row-major) and shape. */
export interface WeightTensor {
  shape: number[];
  values: Float32Array;
}

/** The layers of a Keras model configuration, as `{ class_name, name }` pairs. */
function configLayers(modelConfig: { class_name: string; config: unknown }): Array<{ class_name: string; name: string }> {
  const c = modelConfig.config as { layers?: unknown } | unknown[];
  const layers = Array.isArray(c) ? c : (c as { layers?: unknown }).layers;
  ensure(Array.isArray(layers), `the Keras model configuration (${modelConfig.class_name}) has no layer list`);
  return (layers as Array<{ class_name?: unknown; name?: unknown; config?: { name?: unknown } }>).map((l) => ({
    class_name: String(l.class_name),
    name: String(l.name ?? l.config?.name ?? '?'),
  }));
}

/**
 * Builds the tfjs Layers model of a Keras configuration and sets its weights from `weights` (by
 * layer name). Unsupported layer classes, a configuration tfjs cannot build, and missing or
 * mis-shaped weights are one-line errors.
 */
export async function kerasToLayersModel(
  modelConfig: { class_name: string; config: unknown },
  weights: Map<string, WeightTensor[]>,
  source: string,
): Promise<tf.LayersModel> {
  ensure(
    ['Functional', 'Model', 'Sequential'].includes(modelConfig.class_name),
    `${source}: a ${modelConfig.class_name} is not a Keras model (expected Functional, Model or Sequential)`,
  );
  for (const l of configLayers(modelConfig))
    if (!(SUPPORTED_LAYER_CLASSES as readonly string[]).includes(l.class_name))
      fail(
        `unsupported layer '${l.name}' (${l.class_name}); supported layers: ${SUPPORTED_LAYER_CLASSES.filter((c) => c !== 'InputLayer').join(', ')}`,
      );
  // tfjs knows Keras 2's functional models as 'Model'.
  const topology = modelConfig.class_name === 'Functional' ? { ...modelConfig, class_name: 'Model' } : modelConfig;
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as Parameters<typeof tf.models.modelFromJSON>[0]);
  } catch (e) {
    fail(`${source}: tfjs cannot build the Keras model: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const layer of model.layers) {
    const expected = layer.weights;
    if (!expected.length) continue;
    const given = weights.get(layer.name);
    if (!given) fail(`${source}: no weights for layer '${layer.name}' (${layer.getClassName()})`);
    ensure(
      given.length === expected.length,
      `${source}: layer '${layer.name}' (${layer.getClassName()}) has ${given.length} weight tensors in the file, expected ${expected.length}`,
    );
    const tensors = given.map((w, i) => {
      ensure(
        w.shape.join(',') === expected[i].shape.join(','),
        `${source}: weight ${i} of layer '${layer.name}' has shape [${w.shape.join(', ')}], expected [${expected[i].shape.join(', ')}]`,
      );
      return tf.tensor(w.values, w.shape, 'float32');
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return model;
}
