import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { extractNetwork } from '../../src/dnn/import.ts';
import { runFloatNetwork, type FloatNetwork } from '../../src/dnn/network.ts';
import {
  percentile,
  quantizeActivation,
  quantizeNetwork,
  quantizeWeights,
  runQuantized,
  runQuantizedReference,
  type QuantizedNetwork,
} from '../../src/dnn/quantize.ts';
import { userErrorOf } from './helpers.ts';

test.before(async () => {
  await initBackend('auto');
});

test('weight codes stay in [−255, 255], each column reaches ±255, and dequantize within half a step', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (fanIn, fanOut, seed) => {
      const rng = new Rng(seed);
      const w = Float64Array.from({ length: fanIn * fanOut }, () => rng.normal() * Math.exp(rng.normal()));
      const { codes, scale } = quantizeWeights(w, fanIn, fanOut);
      for (let j = 0; j < fanOut; j++) {
        let maxCode = 0;
        for (let k = 0; k < fanIn; k++) {
          const c = codes[k * fanOut + j];
          if (!Number.isInteger(c) || c < -255 || c > 255) return false;
          if (Math.abs(c * scale[j] - w[k * fanOut + j]) > scale[j] / 2 + 1e-12) return false;
          maxCode = Math.max(maxCode, Math.abs(c));
        }
        if (maxCode !== 255) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  const zero = quantizeWeights(new Float64Array(4), 2, 2);
  assert.equal(Array.from(zero.codes), [0, 0, 0, 0]);
  assert.ok(zero.scale.every((s) => s > 0 && Number.isFinite(s)));
});

test('activation codes: round half up, clip to [0, 255]', () => {
  assert.is(quantizeActivation(2.5, 1), 3);
  assert.is(quantizeActivation(2.49, 1), 2);
  assert.is(quantizeActivation(0.3, 0.1), 3);
  assert.is(quantizeActivation(-4, 1), 0);
  assert.is(quantizeActivation(255.5, 1), 255);
  assert.is(quantizeActivation(1e9, 1), 255);
  fc.assert(
    fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (x, s) => {
      const q = quantizeActivation(x, s);
      return Number.isInteger(q) && q >= 0 && q <= 255;
    }),
  );
});

test('nearest-rank percentile', () => {
  const v = Float64Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.is(percentile(v, 99), 99);
  assert.is(percentile(v, 100), 100);
  assert.is(percentile(v, 50), 50);
  assert.is(percentile(v, 0.5), 1);
});

/** A one-layer dense network with given weight codes and unit scales. */
function denseNet(codes: number[][], bias: number[]): QuantizedNetwork {
  const fanIn = codes.length;
  const fanOut = codes[0].length;
  return {
    inputShape: [fanIn],
    inputScale: 1,
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 100 },
    layers: [
      {
        kind: 'dense',
        name: 'd',
        inputShape: [fanIn],
        outputShape: [fanOut],
        fanIn,
        fanOut,
        weights: Int16Array.from(codes.flat()),
        weightScale: new Float64Array(fanOut).fill(1),
        bias: Float64Array.from(bias),
        inputScale: 1,
        inputScaleFrom: 'network input',
      },
    ],
  };
}

test('dense reference: integer product, then scale and bias', () => {
  const net = denseNet(
    [
      [1, -2],
      [3, 255],
      [-255, 0],
    ],
    [0.5, -1],
  );
  const logits = runQuantizedReference(net, Uint8Array.from([2, 10, 1, 255, 255, 0]));
  // image 0: [2, 10, 1]·W = [2 + 30 − 255, −4 + 2550] + bias
  assert.equal(Array.from(logits), [2 + 30 - 255 + 0.5, -4 + 2550 - 1, 255 + 765 + 0.5, -510 + 65025 - 1]);
  const scaled = denseNet([[1]], [0]);
  const layer = scaled.layers[0];
  if (layer.kind === 'dense') {
    layer.weightScale[0] = 0.25;
    layer.inputScale = 0.5;
  }
  scaled.inputScale = 0.5;
  assert.equal(Array.from(runQuantizedReference(scaled, Uint8Array.from([200]))), [200 * 0.5 * 0.25]);
});

/** Direct 2-D convolution (no im2col), as an independent check of the conv path. */
function directConv(
  x: Uint8Array,
  [H, W, C]: number[],
  k: Int16Array,
  [KH, KW, CO]: number[],
  [SH, SW]: number[],
  [OH, OW]: number[],
  [pt, pl]: number[],
): number[] {
  const out: number[] = [];
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let co = 0; co < CO; co++) {
        let s = 0;
        for (let ky = 0; ky < KH; ky++)
          for (let kx = 0; kx < KW; kx++)
            for (let c = 0; c < C; c++) {
              const iy = oy * SH + ky - pt;
              const ix = ox * SW + kx - pl;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x[(iy * W + ix) * C + c] * k[((ky * KW + kx) * C + c) * CO + co];
            }
        out.push(s);
      }
  return out;
}

test('conv reference equals a direct convolution of the codes (same padding, stride 2)', () => {
  const rng = new Rng(11);
  const [H, W, C, KH, KW, CO] = [7, 6, 2, 3, 2, 3];
  const weights = Int16Array.from({ length: KH * KW * C * CO }, () => rng.int(511) - 255);
  const net: QuantizedNetwork = {
    inputShape: [H, W, C],
    inputScale: 1,
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 100 },
    layers: [
      {
        kind: 'conv2d',
        name: 'c',
        inputShape: [H, W, C],
        outputShape: [4, 3, CO],
        kernelSize: [KH, KW],
        strides: [2, 2],
        padding: { top: 1, bottom: 1, left: 0, right: 0 },
        fanIn: KH * KW * C,
        fanOut: CO,
        weights,
        weightScale: new Float64Array(CO).fill(1),
        bias: new Float64Array(CO),
        inputScale: 1,
        inputScaleFrom: 'network input',
      },
    ],
  };
  const images = Uint8Array.from({ length: 2 * H * W * C }, () => rng.int(256));
  const logits = runQuantizedReference(net, images);
  for (let n = 0; n < 2; n++) {
    const expect = directConv(
      images.subarray(n * H * W * C, (n + 1) * H * W * C),
      [H, W, C],
      weights,
      [KH, KW, CO],
      [2, 2],
      [4, 3],
      [1, 0],
    );
    assert.equal(Array.from(logits.subarray(n * 36, (n + 1) * 36)), expect);
  }
});

function smallModel(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const init = () => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
    biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: rng.nextSeed() }),
  });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', ...init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6, activation: 'relu', ...init() }),
      tf.layers.dense({ units: 3, ...init() }),
    ],
  });
}

test('quantized network: first layer sees the pixels, later scales calibrated, logits close to float', () => {
  const net = extractNetwork(smallModel(2));
  const rng = new Rng(4);
  const images = Uint8Array.from({ length: 50 * 64 }, () => rng.int(256));
  const q = quantizeNetwork(net, images, { percentile: 100 });
  const first = q.layers[0];
  const dense = q.layers[4];
  assert.ok(first.kind === 'conv2d' && first.inputScaleFrom === 'network input' && first.inputScale === 1 / 255);
  assert.ok(dense.kind === 'dense' && dense.inputScaleFrom === 'calibration');
  // Codes seen by the first crossbar are exactly the pixels (im2col centre tap of a 3×3 'same' conv).
  let firstCodes: Uint8Array | null = null;
  runQuantized(q, images.subarray(0, 64), {
    matmul: (layer, index, codes, rows) => {
      if (index === 0) firstCodes = codes.slice();
      return new Float64Array(rows * layer.fanOut);
    },
  });
  const centre = Array.from({ length: 64 }, (_, r) => firstCodes![r * 9 + 4]);
  assert.equal(centre, Array.from(images.subarray(0, 64)));
  // With percentile 100 no activation clips; the error is rounding only.
  const float = runFloatNetwork(
    net,
    Float64Array.from(images, (p) => p / 255),
    50,
  );
  const quant = runQuantizedReference(q, images);
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < float.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(float[i] - quant[i]));
    maxAbs = Math.max(maxAbs, Math.abs(float[i]));
  }
  assert.ok(maxErr < 0.02 * maxAbs, `max error ${maxErr} vs max |logit| ${maxAbs}`);
});

test('hooks: an exact substitute matmul reproduces the reference; onLayer sees every layer', () => {
  const net = quantizeNetwork(
    extractNetwork(smallModel(5)),
    Uint8Array.from({ length: 20 * 64 }, (_, i) => (i * 7) % 256),
  );
  const images = Uint8Array.from({ length: 9 * 64 }, (_, i) => (i * 31) % 256);
  const seen: number[] = [];
  const viaHook = runQuantized(net, images, {
    batchSize: 4,
    matmul: (layer, _i, codes, rows) => {
      // Naive triple loop, independent of the library's matmul.
      const out = new Float64Array(rows * layer.fanOut);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < layer.fanOut; j++)
          for (let k = 0; k < layer.fanIn; k++)
            out[r * layer.fanOut + j] += codes[r * layer.fanIn + k] * layer.weights[k * layer.fanOut + j];
      return out;
    },
    onLayer: (i) => seen.push(i),
  });
  assert.equal(Array.from(viaHook), Array.from(runQuantizedReference(net, images)));
  assert.is(seen.length, net.layers.length * 3);
});

test('a dense/conv layer fed signed values (no ReLU between) is rejected', async () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ name: 'a', units: 4, inputShape: [3] }), tf.layers.dense({ name: 'b', units: 2 })],
  });
  const net: FloatNetwork = extractNetwork(model);
  assert.match(await userErrorOf(() => quantizeNetwork(net, new Uint8Array(30))), /layer 'b' takes signed values from 'a'/);
});

test.run();
