/**
 * PyTorch state dicts: a `torch.save`-style zip + pickle written here (strided tensors, memo
 * references) reads back exactly; a small resnet-cifar state dict rebuilt as a tfjs model equals an
 * independent NCHW implementation of PyTorch's semantics (symmetric padding, BN in eval mode), and
 * its layer list equals the tfjs forward pass.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { readTorchStateDict, readZip, type TorchTensor } from '../../src/dnn/torch-pth.ts';
import { resnetCifarFromStateDict } from '../../src/dnn/resnet-cifar.ts';
import { extractNetwork } from '../../src/dnn/import.ts';
import { runFloatNetwork } from '../../src/dnn/network.ts';
import { userErrorOf } from './helpers.ts';

test.before(async () => {
  await initBackend('auto');
});

/** A stored (uncompressed) zip archive of `files` (CRCs left 0: the reader does not check them). */
function zip(files: Array<[string, Uint8Array]>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = enc.encode(name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, n.length, true);
    parts.push(new Uint8Array(local.buffer), n, data);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, n.length, true);
    c.setUint32(42, offset, true);
    central.push(new Uint8Array(c.buffer), n);
    offset += 30 + n.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A protocol-2 pickle of an OrderedDict of float32 tensors, as torch.save writes it. */
class Pickler {
  private bytes: number[] = [0x80, 2];
  private readonly enc = new TextEncoder();
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...this.enc.encode(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = this.enc.encode(s);
    return this.op(0x58, b.length & 255, (b.length >> 8) & 255, 0, 0, ...b);
  }
  int(v: number): this {
    return this.op(0x4a, v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  }
  tuple(values: number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  tensor(key: string, numel: number, offset: number, shape: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    this.op(0x28).str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel).op(0x74, 0x51);
    this.int(offset).tuple(shape).tuple(stride).op(0x89);
    // backward hooks: an empty OrderedDict, remembered and fetched again from the memo.
    this.global('collections', 'OrderedDict').op(0x71, 1, 0x29, 0x52, 0x74, 0x52);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from([...this.bytes, 0x2e]);
  }
}

/** A state-dict file of contiguous float32 tensors (and one transposed view, when asked). */
function stateDictFile(tensors: Map<string, TorchTensor>, transposedView = false): Uint8Array {
  const p = new Pickler().global('collections', 'OrderedDict').op(0x71, 0, 0x29, 0x52, 0x28);
  const files: Array<[string, Uint8Array]> = [];
  let key = 0;
  for (const [name, t] of tensors) {
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(name).tensor(String(key), t.values.length, 0, t.shape, stride);
    files.push([`archive/data/${key}`, new Uint8Array(Float32Array.from(t.values).buffer)]);
    key++;
  }
  if (transposedView) {
    // A 3×2 view of the 2×3 storage of the first entry, offset 0, strides (1, 3): its transpose.
    p.str('view').tensor('0', 6, 0, [3, 2], [1, 3]);
  }
  p.op(0x75);
  return zip([['archive/data.pkl', p.done()], ['archive/byteorder', new TextEncoder().encode('little')], ...files]);
}

test('a torch.save zip + pickle state dict reads back exactly, strided views included', async () => {
  const values = Float64Array.from([1.5, -2, 3.25, 4, 5, -6.125]);
  const file = stateDictFile(new Map([['w', { dtype: 'FloatStorage', shape: [2, 3], values }]]), true);
  const sd = readTorchStateDict(file, 'm.pth');
  assert.equal([...sd.keys()], ['w', 'view']);
  assert.equal(sd.get('w')!.shape, [2, 3]);
  assert.equal(Array.from(sd.get('w')!.values), Array.from(values));
  assert.equal(Array.from(sd.get('view')!.values), [1.5, 4, -2, 5, 3.25, -6.125]);
  assert.equal([...readZip(file, 'm').keys()].slice(0, 2), ['archive/data.pkl', 'archive/byteorder']);
  assert.match(await userErrorOf(() => readTorchStateDict(new Uint8Array(100), 'x.pth')), /x\.pth is not a zip archive/);
  // A pickle that calls anything but the tensor rebuilds is refused, not run.
  const evil = zip([['a/data.pkl', new Pickler().global('os', 'system').str('true').op(0x85, 0x52).done()]]);
  assert.match(await userErrorOf(() => readTorchStateDict(evil, 'e.pth')), /calls os\.system.*refusing/);
});

/** Random resnet-cifar (ResNet-8: one block per stage) state dict. */
function resnet8(seed: number): Map<string, TorchTensor> {
  const rng = new Rng(seed);
  const sd = new Map<string, TorchTensor>();
  const put = (name: string, shape: number[], f: () => number) =>
    sd.set(name, {
      dtype: 'FloatStorage',
      shape,
      values: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(f())),
    });
  const conv = (name: string, cout: number, cin: number, k: number) =>
    put(`${name}.weight`, [cout, cin, k, k], () => rng.normal() / Math.sqrt(cin * k * k));
  const bn = (name: string, c: number) => {
    put(`${name}.weight`, [c], () => 1 + 0.2 * rng.normal());
    put(`${name}.bias`, [c], () => 0.1 * rng.normal());
    put(`${name}.running_mean`, [c], () => 0.2 * rng.normal());
    put(`${name}.running_var`, [c], () => 0.5 + rng.uniform());
    sd.set(`${name}.num_batches_tracked`, { dtype: 'LongStorage', shape: [], values: Float64Array.of(10) });
  };
  conv('conv1', 16, 3, 3);
  bn('bn1', 16);
  let cin = 16;
  for (const [s, c] of [16, 32, 64].entries()) {
    const p = `res${s + 1}.0`;
    conv(`${p}.conv1`, c, cin, 3);
    bn(`${p}.bn1`, c);
    conv(`${p}.conv2`, c, c, 3);
    bn(`${p}.bn2`, c);
    if (c !== cin) {
      conv(`${p}.downsample.0`, c, cin, 1);
      bn(`${p}.downsample.1`, c);
    }
    cin = c;
  }
  put('classifier.2.weight', [10, 64], () => rng.normal() / 8);
  put('classifier.2.bias', [10], () => 0.1 * rng.normal());
  return sd;
}

/** PyTorch semantics, written independently: NCHW, symmetric padding, BN in eval mode. */
function torchForward(sd: Map<string, TorchTensor>, img: Float64Array): Float64Array {
  type T = { c: number; h: number; w: number; v: Float64Array };
  const conv = (x: T, name: string, stride: number, pad: number): T => {
    const wt = sd.get(`${name}.weight`)!;
    const [co, ci, k] = wt.shape;
    const h = Math.floor((x.h + 2 * pad - k) / stride) + 1;
    const w = Math.floor((x.w + 2 * pad - k) / stride) + 1;
    const v = new Float64Array(co * h * w);
    for (let o = 0; o < co; o++)
      for (let oy = 0; oy < h; oy++)
        for (let ox = 0; ox < w; ox++) {
          let acc = 0;
          for (let i = 0; i < ci; i++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = oy * stride + ky - pad;
                const ix = ox * stride + kx - pad;
                if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                acc += wt.values[((o * ci + i) * k + ky) * k + kx] * x.v[(i * x.h + iy) * x.w + ix];
              }
          v[(o * h + oy) * w + ox] = acc;
        }
    return { c: co, h, w, v };
  };
  const bn = (x: T, name: string, eps: number): T => {
    const g = sd.get(`${name}.weight`)!.values;
    const b = sd.get(`${name}.bias`)!.values;
    const m = sd.get(`${name}.running_mean`)!.values;
    const s = sd.get(`${name}.running_var`)!.values;
    const v = x.v.map((val, i) => {
      const c = Math.floor(i / (x.h * x.w));
      return ((val - m[c]) / Math.sqrt(s[c] + eps)) * g[c] + b[c];
    });
    return { ...x, v };
  };
  const relu = (x: T): T => ({ ...x, v: x.v.map((a) => Math.max(0, a)) });
  let x = relu(bn(conv({ c: 3, h: 32, w: 32, v: img }, 'conv1', 1, 1), 'bn1', 1e-3));
  for (const s of [1, 2, 3]) {
    const p = `res${s}.0`;
    const stride = s > 1 ? 2 : 1;
    const y = bn(conv(relu(bn(conv(x, `${p}.conv1`, stride, 1), `${p}.bn1`, 1e-5)), `${p}.conv2`, 1, 1), `${p}.bn2`, 1e-5);
    const sc = sd.has(`${p}.downsample.0.weight`) ? bn(conv(x, `${p}.downsample.0`, stride, 0), `${p}.downsample.1`, 1e-5) : x;
    x = relu({ ...y, v: y.v.map((a, i) => a + sc.v[i]) });
  }
  const pooled = Array.from(
    { length: x.c },
    (_, c) => x.v.subarray(c * x.h * x.w, (c + 1) * x.h * x.w).reduce((a, b) => a + b, 0) / (x.h * x.w),
  );
  const W = sd.get('classifier.2.weight')!.values;
  const B = sd.get('classifier.2.bias')!.values;
  return Float64Array.from({ length: 10 }, (_, o) => B[o] + pooled.reduce((a, p, i) => a + p * W[o * 64 + i], 0));
}

test('a resnet-cifar state dict rebuilt in tfjs equals PyTorch semantics, and its layer list equals tfjs', () => {
  const sd = resnet8(4);
  const read = readTorchStateDict(stateDictFile(sd), 'r8.pth');
  const { model, depth } = resnetCifarFromStateDict(read, 'r8.pth');
  assert.is(depth, 8);
  const rng = new Rng(8);
  const nhwc = Float64Array.from({ length: 32 * 32 * 3 }, () => rng.normal());
  const nchw = new Float64Array(nhwc.length);
  for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) nchw[c * 1024 + p] = nhwc[p * 3 + c];
  const expected = torchForward(sd, nchw);
  const got = tf.tidy(() => (model.predict(tf.tensor(Float32Array.from(nhwc), [1, 32, 32, 3])) as tf.Tensor).dataSync());
  for (let j = 0; j < 10; j++)
    assert.ok(Math.abs(got[j] - expected[j]) < 1e-4 * (1 + Math.abs(expected[j])), `logit ${j}: ${got[j]} vs ${expected[j]}`);
  const net = extractNetwork(model, { inputScale: 1 });
  const ours = runFloatNetwork(net, nhwc, 1);
  for (let j = 0; j < 10; j++) assert.ok(Math.abs(ours[j] - expected[j]) < 1e-4 * (1 + Math.abs(expected[j])), `layer list logit ${j}`);
  // A state dict missing a tensor, or with one too many, is named.
  const missing = new Map(read);
  missing.delete('res2.0.bn1.running_var');
  assert.throws(() => resnetCifarFromStateDict(missing, 'm.pth'), /no 'res2\.0\.bn1\.running_var'/);
  const extra = new Map(read).set('fc.weight', { dtype: 'FloatStorage', shape: [1], values: Float64Array.of(1) });
  assert.throws(() => resnetCifarFromStateDict(extra, 'm.pth'), /does not use: fc\.weight/);
});

test.run();
