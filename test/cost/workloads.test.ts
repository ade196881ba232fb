import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/core/errors.ts';
import {
  BENCHMARKS,
  WORKLOADS,
  layerMacs,
  selectWorkloads,
  workloadMacs,
  workloadWeights,
  type Workload,
} from '../../src/cost/workloads/index.ts';

function within(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * expected, `${what}: ${actual} vs ${expected} (±${rel * 100} %)`);
}

/**
 * Published multiply-accumulate counts of conv + fc layers per 224×224 (227 for AlexNet) image.
 * Sources: AlexNet — Sze et al., "Efficient Processing of Deep Neural Networks", Proc. IEEE 2017,
 * Table III (724 M MACs, grouped as published). VGG-16/19, ResNet-50/101 — torchvision model
 * documentation (GFLOPS column, which counts MACs): 15.47, 19.63, 4.09, 7.80. GoogLeNet — Szegedy
 * et al. 2015, Table 1, sum of the "ops" column (1,586 M; the text rounds to 1.5 billion).
 * Inception-v2 — TF-slim inception_v2 at 224: 3.883 GFLOPs up to Mixed_5c (google-research/
 * receptive_field RECEPTIVE_FIELD_TABLE.md; 2 FLOPs per MAC) plus the 1024 × 1000 classifier.
 * MobileNet-V2 — Sandler et al. 2018, Table 4: 300 M multiply-adds.
 */
const PUBLISHED_MACS: Record<string, number> = {
  alexnet: 724e6,
  vgg16: 15.47e9,
  vgg19: 19.63e9,
  resnet50: 4.09e9,
  resnet101: 7.8e9,
  googlenet: 1586e6,
  'inception-v2': 3.883e9 / 2 + 1024 * 1000,
  'mobilenet-v2': 300e6,
};

for (const [name, macs] of Object.entries(PUBLISHED_MACS)) {
  test(`${name}: MACs equal the published ${(macs / 1e9).toFixed(3)} G within 1 %`, () => {
    within(workloadMacs(WORKLOADS[name]()), macs, 0.01, name);
  });
}

test('NeuralTalk: We 4096×600 once, LSTM 1201×2400 and Wd 600×8791 per word, 16 words', () => {
  within(workloadMacs(WORKLOADS.neuraltalk()), 4096 * 600 + 16 * (1201 * 2400 + 600 * 8791), 0, 'neuraltalk');
});

test('MNIST models: MLP 784-256-10 and LeNet-5 (padded conv1) by hand', () => {
  assert.is(workloadMacs(WORKLOADS.mlp()), 784 * 256 + 256 * 10);
  // conv1 28²·6·25, conv2 10²·16·(25·6), fc 400·120, 120·84, 84·10.
  assert.is(workloadMacs(WORKLOADS.lenet5()), 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
});

test('weights: AlexNet 61 M and VGG-16 138 M (Sze et al. 2017, Table III; biases excluded)', () => {
  within(workloadWeights(WORKLOADS.alexnet()), 61e6, 0.01, 'AlexNet weights');
  within(workloadWeights(WORKLOADS.vgg16()), 138e6, 0.01, 'VGG-16 weights');
});

function modules(w: Workload): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of w.layers) {
    const k = l.name.split('.')[0];
    out[k] = (out[k] ?? 0) + layerMacs(l);
  }
  return out;
}

test('GoogLeNet per module matches Table 1 of Szegedy et al. 2015', () => {
  const m = modules(WORKLOADS.googlenet());
  const table: Record<string, number> = {
    conv1: 118e6,
    '3a': 128e6,
    '3b': 304e6,
    '4a': 73e6,
    '4b': 88e6,
    '4c': 100e6,
    '4d': 119e6,
    '4e': 170e6,
    '5b': 71e6,
  };
  for (const [k, v] of Object.entries(table)) within(m[k], v, 0.01, `GoogLeNet ${k}`);
  within(m.conv2 + m.conv2_reduce, 360e6, 0.01, 'GoogLeNet conv2');
});

test('shapes flow through the definitions: ResNet ends on 7×7×2048, MobileNet-V2 on 7×7×320, BN-Inception 5a sees 1024 channels', () => {
  const r = WORKLOADS.resnet50().layers;
  assert.is(r.at(-1)!.rowsPerGroup, 2048);
  assert.is(r.find((l) => l.name === 'layer4.2.conv3')!.positions, 49);
  const m = WORKLOADS['mobilenet-v2']().layers;
  const last = m.find((l) => l.name === 'conv_last')!;
  assert.is(last.rowsPerGroup, 320);
  assert.is(last.positions, 49);
  const dw = m.find((l) => l.name === 'block2.depthwise')!;
  assert.equal([dw.groups, dw.rowsPerGroup, dw.outputsPerGroup, dw.positions], [96, 9, 1, 56 * 56]);
  const i = WORKLOADS['inception-v2']().layers;
  assert.is(i.find((l) => l.name === '5a.1x1')!.rowsPerGroup, 1024);
  assert.is(i.find((l) => l.name === '4a.1x1')!.rowsPerGroup, 576);
  const a = WORKLOADS.alexnet().layers;
  assert.equal(
    a.map((l) => l.positions),
    [55 * 55, 27 * 27, 13 * 13, 13 * 13, 13 * 13, 1, 1, 1],
  );
});

test('the recurrent layers are marked sequential', () => {
  const n = WORKLOADS.neuraltalk().layers;
  assert.equal(
    n.map((l) => [l.name, Boolean(l.sequential)]),
    [
      ['We', false],
      ['lstm', true],
      ['Wd', true],
    ],
  );
});

test('selecting workloads: all = the nine benchmarks, mnist, names; unknown names are user errors', () => {
  assert.equal(
    selectWorkloads('all').map((w) => w.name),
    [...BENCHMARKS],
  );
  assert.is(BENCHMARKS.length, 9);
  assert.equal(
    selectWorkloads('mnist, alexnet').map((w) => w.name),
    ['mlp', 'lenet5', 'alexnet'],
  );
  assert.throws(
    () => selectWorkloads('alexnet,resnet18'),
    (e: unknown) => e instanceof UserError && /resnet18/.test((e as Error).message),
  );
});

test.run();
