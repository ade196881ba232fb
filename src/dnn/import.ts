/**
 * Turning a tfjs Layers model (our own, or a user's, e.g. converted from Keras) into the layer list
 * of {@link FloatNetwork}, checking that every layer is one the accelerator can run.
 *
 * Supported: `InputLayer`; `Dense` and `Conv2D` (channels-last, no dilation, 'valid' or 'same'
 * padding) with activation `relu` or `linear`; `MaxPooling2D`, `AveragePooling2D`,
 * `GlobalMaxPooling2D`, `GlobalAveragePooling2D` (run as a pool over the whole map, then a
 * flatten); `Flatten`; `ReLU` (without a cap) and `Activation('relu' | 'linear')`;
 * `BatchNormalization` directly after a dense/conv2d layer without activation (folded into its
 * weights and bias); `Dropout` (the identity at inference). A softmax — as the last layer's
 * activation, an `Activation('softmax')` or a `Softmax` layer — is accepted only at the very end and
 * dropped: it does not change the predicted class, and the quantized reference returns logits.
 * Anything else fails with a one-line error naming the layer and its class.
 *
 * Graphs (functional models, e.g. Keras ResNets) are supported: one input, one output, branches
 * joined by `Add` (a residual connection, run digitally). `ZeroPadding2D` is accepted where its only
 * consumers are `Conv2D` layers: its padding becomes theirs (this is how ports of PyTorch's
 * symmetric padding are written). A batch-norm folds into the dense/conv2d layer it follows when
 * that layer feeds nothing else.
 */
import * as tf from '@tensorflow/tfjs';
import { ensure, fail } from '../core/errors.ts';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { NETWORK_INPUT, shapeSize, windowAxis, type FloatNetwork, type Layer, type Padding, type Shape } from './network.ts';

/** Layer classes {@link extractNetwork} accepts. */
export const SUPPORTED_LAYER_CLASSES = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'ReLU',
  'Activation',
  'BatchNormalization',
  'Dropout',
  'Softmax',
  'Add',
  'ZeroPadding2D',
] as const;

/** Options of {@link extractNetwork}. */
export interface ExtractOptions {
  /** Real value of one input code (see {@link FloatNetwork.inputScale}); default 1/255. */
  inputScale?: number;
}

type Config = Record<string, unknown>;

/** Fails unless every layer of `model` is supported (see the module documentation). */
export function checkLayers(model: tf.LayersModel): void {
  extractNetwork(model);
}

/**
 * Converts a tfjs Layers model into a {@link FloatNetwork}: weights as float64 crossbar matrices,
 * batch-norm folded, dropout removed, activations as separate `relu` layers.
 */
export function extractNetwork(model: tf.LayersModel, options: ExtractOptions = {}): FloatNetwork {
  const inputScale = options.inputScale ?? DNN_INPUT_SCALE;
  ensure(Number.isFinite(inputScale) && inputScale > 0, `input scale must be a positive number, got ${inputScale}`);
  ensure(
    model.inputs.length === 1 && model.outputs.length === 1,
    `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`,
  );
  const rawInput = model.inputs[0].shape.slice(1);
  ensure(
    rawInput.every((d) => typeof d === 'number' && d > 0),
    `the model's input shape [${rawInput.join(', ')}] must be fully defined (apart from the batch)`,
  );
  const inputShape = rawInput as number[];
  const layers: Layer<Float64Array>[] = [];
  let shape: Shape = inputShape;
  let softmaxIn: string | null = null;
  // Output of each source layer: an index in `layers`, or NETWORK_INPUT.
  const refOf = new Map<string, number>();
  // ZeroPadding2D layers, by name: their input and padding, for the Conv2D layers they feed.
  const padOf = new Map<string, { ref: number; pad: Padding }>();
  // How many layers consume each source layer's output.
  const consumers = new Map<string, number>();
  for (const layer of model.layers)
    for (const node of layer.inboundNodes) for (const l of node.inboundLayers) consumers.set(l.name, (consumers.get(l.name) ?? 0) + 1);
  const shapeOfRef = (ref: number): Shape => (ref === NETWORK_INPUT ? inputShape : layers[ref].outputShape);
  // The inputs of the next emitted layer; after the first, a source layer's layers form a chain.
  let inRefs: number[] = [NETWORK_INPUT];

  const emit = (layer: Layer<Float64Array>, source: tf.layers.Layer): void => {
    if (softmaxIn)
      fail(
        `layer '${source.name}' (${source.getClassName()}) follows the softmax in '${softmaxIn}'; a softmax is only supported at the end`,
      );
    const chain = inRefs.length === 1 && inRefs[0] === layers.length - 1;
    layers.push(chain ? layer : { ...layer, inputs: [...inRefs] });
    shape = layer.outputShape;
    inRefs = [layers.length - 1];
  };
  const emitActivation = (activation: unknown, source: tf.layers.Layer): void => {
    if (activation === 'linear' || activation === undefined || activation === null) return;
    if (activation === 'relu') emit({ kind: 'relu', name: source.name, inputShape: shape, outputShape: shape }, source);
    else if (activation === 'softmax') {
      ensure(
        shape.length === 1,
        `layer '${source.name}' (${source.getClassName()}) applies softmax to a [${shape.join(', ')}] tensor; only a softmax over a flat vector at the end is supported`,
      );
      softmaxIn = source.name;
    } else
      fail(
        `layer '${source.name}' (${source.getClassName()}) uses activation '${String(activation)}'; supported: relu, linear (softmax only at the end)`,
      );
  };

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const name = layer.name;
    const config = layer.getConfig() as Config;
    ensure(layer.inboundNodes.length <= 1, `layer '${name}' (${cls}) is used more than once; shared layers are not supported`);
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    ensure(inbound.length <= 1 || cls === 'Add', `layer '${name}' (${cls}) has ${inbound.length} inputs; only Add joins branches`);
    let padIn: Padding | null = null;
    for (const l of inbound) {
      const padded = padOf.get(l.name);
      if (padded && cls !== 'Conv2D')
        fail(`layer '${l.name}' (ZeroPadding2D) feeds '${name}' (${cls}); zero padding is only supported in front of Conv2D layers`);
      if (padded) padIn = padded.pad;
    }
    inRefs = inbound.map((l) => padOf.get(l.name)?.ref ?? refOf.get(l.name) ?? NETWORK_INPUT);
    if (!inRefs.length) inRefs = [NETWORK_INPUT];
    shape = shapeOfRef(inRefs[0]);
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
        break;
      case 'Dense': {
        ensure(shape.length === 1, `dense layer '${name}' receives a [${shape.join(', ')}] input; add a Flatten before it`);
        const [kernel, bias] = weightsOf(layer, config.useBias !== false);
        const [fanIn, fanOut] = kernel.shape;
        ensure(fanIn === shape[0], `dense layer '${name}' has ${fanIn} inputs but receives ${shape[0]} values`);
        emit(
          {
            kind: 'dense',
            name,
            inputShape: shape,
            outputShape: [fanOut],
            fanIn,
            fanOut,
            weights: kernel.values,
            bias: bias ?? new Float64Array(fanOut),
          },
          layer,
        );
        emitActivation(config.activation, layer);
        break;
      }
      case 'Conv2D': {
        ensure(shape.length === 3, `conv2d layer '${name}' receives a [${shape.join(', ')}] input; expected [height, width, channels]`);
        ensure(config.dataFormat !== 'channelsFirst', `conv2d layer '${name}' uses channelsFirst data; only channelsLast is supported`);
        const dilation = pair(config.dilationRate ?? 1, name, 'dilationRate');
        ensure(dilation[0] === 1 && dilation[1] === 1, `conv2d layer '${name}' uses dilation ${dilation.join('×')}; only 1 is supported`);
        const [kernel, bias] = weightsOf(layer, config.useBias !== false);
        const [KH, KW, Cin, Cout] = kernel.shape;
        ensure(Cin === shape[2], `conv2d layer '${name}' expects ${Cin} input channels but receives ${shape[2]}`);
        const strides = pair(config.strides ?? 1, name, 'strides');
        const padMode = paddingMode(config.padding, name, cls);
        // Explicit zero padding in front (ZeroPadding2D) adds to the layer's own.
        const pad = padIn ?? { top: 0, bottom: 0, left: 0, right: 0 };
        const y = windowAxis(shape[0] + pad.top + pad.bottom, KH, strides[0], padMode);
        const x = windowAxis(shape[1] + pad.left + pad.right, KW, strides[1], padMode);
        const padding: Padding = {
          top: pad.top + y.before,
          bottom: pad.bottom + y.after,
          left: pad.left + x.before,
          right: pad.right + x.after,
        };
        emit(
          {
            kind: 'conv2d',
            name,
            inputShape: shape,
            outputShape: [y.out, x.out, Cout],
            kernelSize: [KH, KW],
            strides,
            padding,
            fanIn: KH * KW * Cin,
            fanOut: Cout,
            weights: kernel.values,
            bias: bias ?? new Float64Array(Cout),
          },
          layer,
        );
        emitActivation(config.activation, layer);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        ensure(shape.length === 3, `pooling layer '${name}' receives a [${shape.join(', ')}] input; expected [height, width, channels]`);
        ensure(config.dataFormat !== 'channelsFirst', `pooling layer '${name}' uses channelsFirst data; only channelsLast is supported`);
        const poolSize = pair(config.poolSize, name, 'poolSize');
        const strides = pair(config.strides ?? config.poolSize, name, 'strides');
        const padMode = paddingMode(config.padding, name, cls);
        const y = windowAxis(shape[0], poolSize[0], strides[0], padMode);
        const x = windowAxis(shape[1], poolSize[1], strides[1], padMode);
        emit(
          {
            kind: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool',
            name,
            inputShape: shape,
            outputShape: [y.out, x.out, shape[2]],
            poolSize,
            strides,
            padding: { top: y.before, bottom: y.after, left: x.before, right: x.after },
          },
          layer,
        );
        break;
      }
      case 'GlobalMaxPooling2D':
      case 'GlobalAveragePooling2D': {
        ensure(shape.length === 3, `pooling layer '${name}' receives a [${shape.join(', ')}] input; expected [height, width, channels]`);
        ensure(config.dataFormat !== 'channelsFirst', `pooling layer '${name}' uses channelsFirst data; only channelsLast is supported`);
        const [H, W, C] = shape;
        const none = { top: 0, bottom: 0, left: 0, right: 0 };
        emit(
          {
            kind: cls === 'GlobalMaxPooling2D' ? 'maxPool' : 'avgPool',
            name,
            inputShape: shape,
            outputShape: [1, 1, C],
            poolSize: [H, W],
            strides: [H, W],
            padding: none,
          },
          layer,
        );
        emit({ kind: 'flatten', name, inputShape: shape, outputShape: [C] }, layer);
        break;
      }
      case 'Flatten':
        emit({ kind: 'flatten', name, inputShape: shape, outputShape: [shapeSize(shape)] }, layer);
        break;
      case 'ReLU':
        ensure(
          config.maxValue === undefined || config.maxValue === null,
          `ReLU layer '${name}' caps its output at ${String(config.maxValue)}; only an uncapped ReLU is supported`,
        );
        emitActivation('relu', layer);
        break;
      case 'Activation':
        emitActivation(config.activation, layer);
        break;
      case 'Softmax':
        emitActivation('softmax', layer);
        break;
      case 'Add': {
        ensure(inRefs.length >= 2, `add layer '${name}' (${cls}) has ${inRefs.length} input; it needs two or more`);
        for (const r of inRefs) {
          const other = shapeOfRef(r);
          ensure(
            other.join(',') === shape.join(','),
            `add layer '${name}' (${cls}) sums a [${shape.join(', ')}] and a [${other.join(', ')}] tensor; shapes must be equal`,
          );
        }
        emit({ kind: 'add', name, inputShape: shape, outputShape: shape, inputs: [...inRefs] }, layer);
        break;
      }
      case 'ZeroPadding2D': {
        ensure(
          shape.length === 3,
          `zero-padding layer '${name}' receives a [${shape.join(', ')}] input; expected [height, width, channels]`,
        );
        ensure(
          config.dataFormat !== 'channelsFirst',
          `zero-padding layer '${name}' uses channelsFirst data; only channelsLast is supported`,
        );
        padOf.set(name, { ref: inRefs[0], pad: zeroPadding(config.padding, name) });
        break;
      }
      case 'BatchNormalization': {
        // Folds into the dense/conv2d layer whose output it receives, when that output goes nowhere else.
        const source = inbound[0];
        const ref = inRefs[0];
        const target = ref === NETWORK_INPUT ? null : layers[ref];
        if (
          target === null ||
          (target.kind !== 'dense' && target.kind !== 'conv2d') ||
          consumers.get(source.name) !== 1 ||
          !['Dense', 'Conv2D', 'Dropout'].includes(source.getClassName())
        ) {
          fail(
            `batch-norm layer '${name}' (${cls}) does not directly follow a dense or conv2d layer without activation, so it cannot be folded`,
          );
        }
        const axis = Number(config.axis ?? -1);
        ensure(
          axis === -1 || axis === shape.length,
          `batch-norm layer '${name}' normalizes axis ${axis}; only the channel (last) axis is supported`,
        );
        foldBatchNorm(target, layer, config);
        break;
      }
      default:
        fail(
          `unsupported layer '${name}' (${cls}); supported layers: ${SUPPORTED_LAYER_CLASSES.filter((c) => c !== 'InputLayer').join(', ')}`,
        );
    }
    // A layer that emitted nothing (input, dropout, folded batch-norm, linear activation) passes its input on.
    refOf.set(name, inRefs[0]);
  }
  const outName = model.outputs[0].sourceLayer.name;
  const outRef = padOf.has(outName) ? NETWORK_INPUT - 1 : (refOf.get(outName) ?? NETWORK_INPUT);
  ensure(
    outRef === layers.length - 1 && outRef >= 0,
    `the model's output '${outName}' is not the last layer it computes; only models whose output is their last layer are supported`,
  );
  ensure(
    layers.some((l) => l.kind === 'dense' || l.kind === 'conv2d'),
    'the model has no dense or conv2d layer',
  );
  return { inputShape, inputScale, layers };
}

/** The kernel (with its shape) and bias of a dense or conv layer, as float64. */
function weightsOf(layer: tf.layers.Layer, useBias: boolean): [{ values: Float64Array; shape: number[] }, Float64Array | null] {
  const w = layer.getWeights();
  ensure(
    w.length === (useBias ? 2 : 1),
    `layer '${layer.name}' (${layer.getClassName()}) has ${w.length} weight tensors, expected ${useBias ? 2 : 1}`,
  );
  const kernel = { values: Float64Array.from(w[0].dataSync()), shape: w[0].shape };
  const bias = useBias ? Float64Array.from(w[1].dataSync()) : null;
  for (const [what, v] of [
    ['kernel', kernel.values],
    ['bias', bias ?? new Float64Array()],
  ] as const) {
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail(`layer '${layer.name}' has a non-finite ${what} value (${v[bad]}) at index ${bad}`);
  }
  return [kernel, bias];
}

/**
 * Folds inference-mode batch-norm `γ·(y − μ)/√(σ² + ε) + β` into the preceding crossbar layer:
 * column j of W is multiplied by `γ_j/√(σ²_j + ε)` and `b_j ← (b_j − μ_j)·γ_j/√(σ²_j + ε) + β_j`.
 */
function foldBatchNorm(target: Layer<Float64Array> & { kind: 'dense' | 'conv2d' }, bn: tf.layers.Layer, config: Config): void {
  const scale = config.scale !== false;
  const center = config.center !== false;
  const eps = Number(config.epsilon ?? 1e-3);
  const w = bn.getWeights().map((t) => Float64Array.from(t.dataSync()));
  ensure(
    w.length === Number(scale) + Number(center) + 2,
    `batch-norm layer '${bn.name}' has ${w.length} weight tensors, expected ${Number(scale) + Number(center) + 2}`,
  );
  let i = 0;
  const gamma = scale ? w[i++] : null;
  const beta = center ? w[i++] : null;
  const mean = w[i++];
  const variance = w[i++];
  const n = target.fanOut;
  ensure(mean.length === n, `batch-norm layer '${bn.name}' has ${mean.length} channels but follows a layer with ${n}`);
  for (let j = 0; j < n; j++) {
    const k = (gamma ? gamma[j] : 1) / Math.sqrt(variance[j] + eps);
    ensure(Number.isFinite(k), `batch-norm layer '${bn.name}' channel ${j} has a non-finite scale (variance ${variance[j]})`);
    for (let r = 0; r < target.fanIn; r++) target.weights[r * n + j] *= k;
    target.bias[j] = (target.bias[j] - mean[j]) * k + (beta ? beta[j] : 0);
  }
}

function pair(value: unknown, layer: string, what: string): [number, number] {
  const v = Array.isArray(value) ? value : [value, value];
  ensure(
    v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0),
    `layer '${layer}': ${what} ${JSON.stringify(value)} is not a pair of positive integers`,
  );
  return [v[0] as number, v[1] as number];
}

function zeroPadding(value: unknown, layer: string): Padding {
  const side = (v: unknown): [number, number] => {
    const p = Array.isArray(v) ? v : [v, v];
    ensure(
      p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 0),
      `layer '${layer}' (ZeroPadding2D): padding ${JSON.stringify(value)} is not a valid padding`,
    );
    return [p[0] as number, p[1] as number];
  };
  const v = Array.isArray(value) ? value : [value, value];
  ensure(v.length === 2, `layer '${layer}' (ZeroPadding2D): padding ${JSON.stringify(value)} is not a valid padding`);
  const [top, bottom] = side(v[0]);
  const [left, right] = side(v[1]);
  return { top, bottom, left, right };
}

function paddingMode(value: unknown, layer: string, cls: string): 'valid' | 'same' {
  if (value === 'valid' || value === 'same') return value;
  fail(`layer '${layer}' (${cls}) uses padding '${String(value)}'; only 'valid' and 'same' are supported`);
}
