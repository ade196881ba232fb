/**
 * Reading (and, for tests, writing) Keras HDF5 model files (`model.save('m.h5')`, Keras 2.x) with
 * h5wasm (the HDF5 C library compiled to WebAssembly: no native build). A file holds the model's
 * architecture as JSON in the root attribute `model_config` and, in the group `model_weights`, one
 * group per layer whose attribute `weight_names` lists its weight datasets in the layer's order.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { ensure, fail } from '../core/errors.ts';

/** One weight tensor: float32 values (row-major) and shape. */
export interface H5Tensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The parts of a Keras HDF5 file a model import needs. */
export interface KerasH5 {
  /** The parsed `model_config` JSON (`{ class_name, config }`). */
  modelConfig: { class_name: string; config: Record<string, unknown> };
  kerasVersion: string | null;
  /** Weights by layer name, in each layer's own order. */
  weights: Map<string, H5Tensor[]>;
}

type H5wasm = typeof import('h5wasm');

let h5: Promise<H5wasm> | null = null;
/** The h5wasm module, initialized once (its node build reads the host file system directly). */
async function h5wasm(): Promise<H5wasm> {
  h5 ??= (async () => {
    const mod = (await import('h5wasm/node')) as H5wasm;
    await mod.ready;
    return mod;
  })();
  return h5;
}

function attrString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return null;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => attrString(v) ?? String(v));
  const s = attrString(value);
  return s === null ? [] : [s];
}

/** Reads a Keras HDF5 model file; anything not such a file is a one-line error naming it. */
export async function readKerasH5(file: string): Promise<KerasH5> {
  if (!existsSync(file)) fail(`Keras model file not found: ${file}`);
  const lib = await h5wasm();
  let f: InstanceType<H5wasm['File']>;
  try {
    f = new lib.File(file, 'r');
  } catch (e) {
    fail(`${file} is not an HDF5 file: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const rawConfig = attrString(f.attrs.model_config?.value);
    if (rawConfig === null) fail(`${file} has no model_config attribute: not a Keras model saved with its architecture`);
    let modelConfig: KerasH5['modelConfig'];
    try {
      modelConfig = JSON.parse(rawConfig) as KerasH5['modelConfig'];
    } catch (e) {
      fail(`${file}: model_config is not valid JSON (${(e as Error).message})`);
    }
    ensure(
      typeof modelConfig === 'object' && modelConfig !== null && typeof modelConfig.class_name === 'string',
      `${file}: model_config is not a Keras model configuration`,
    );
    const group = f.get('model_weights');
    if (!(group instanceof lib.Group)) fail(`${file} has no model_weights group: not a Keras model file with weights`);
    const weights = new Map<string, H5Tensor[]>();
    for (const layerName of stringList(group.attrs.layer_names?.value)) {
      const lg = group.get(layerName);
      if (!(lg instanceof lib.Group)) continue;
      const tensors: H5Tensor[] = [];
      for (const wName of stringList(lg.attrs.weight_names?.value)) {
        const ds = lg.get(wName);
        if (!(ds instanceof lib.Dataset)) fail(`${file}: weight '${layerName}/${wName}' is missing`);
        const value = ds.value;
        ensure(
          value instanceof Float32Array || value instanceof Float64Array,
          `${file}: weight '${layerName}/${wName}' is not a float array (${ds.dtype})`,
        );
        tensors.push({ name: wName, shape: ds.shape ?? [], values: Float32Array.from(value) });
      }
      weights.set(layerName, tensors);
    }
    return { modelConfig, kerasVersion: attrString(f.attrs.keras_version?.value), weights };
  } finally {
    f.close();
  }
}

/**
 * Writes a Keras-2-style HDF5 model file (root `model_config`, `model_weights/<layer>/<layer>/<w>:0`
 * datasets with `weight_names`): what Keras's `model.save` writes, as far as {@link readKerasH5}
 * reads it. Used by tests to make small synthetic Keras files.
 */
export async function writeKerasH5(file: string, modelConfig: object, weights: Map<string, H5Tensor[]>): Promise<void> {
  const lib = await h5wasm();
  // Atomic like every write here: the HDF5 library writes a temporary file, then it is renamed.
  const temporary = `${file}.tmp-${process.pid}`;
  const f = new lib.File(temporary, 'w');
  try {
    f.create_attribute('model_config', JSON.stringify(modelConfig));
    f.create_attribute('keras_version', '2.4.0');
    f.create_attribute('backend', 'tensorflow');
    const group = f.create_group('model_weights');
    group.create_attribute('layer_names', [...weights.keys()]);
    for (const [layer, tensors] of weights) {
      const lg = group.create_group(layer);
      if (!tensors.length) continue;
      const inner = lg.create_group(layer);
      lg.create_attribute(
        'weight_names',
        tensors.map((t) => `${layer}/${t.name}:0`),
      );
      for (const t of tensors) inner.create_dataset({ name: `${t.name}:0`, data: t.values, shape: t.shape, dtype: '<f' });
    }
  } catch (e) {
    f.close();
    rmSync(temporary, { force: true });
    throw e;
  }
  f.close();
  renameSync(temporary, file);
}
