import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { dotProductScale, inputCycles, recursionFinal, recursionStep } from '../../src/circuits/nnsa/signals.ts';
import { sampleBitLinePair, sampleNnsaBatch } from '../../src/circuits/nnsa/dataset.ts';
import { columnAbsWeightSums } from '../../src/circuits/crossbar.ts';
import { levelConductance } from '../../src/device/rram.ts';
import type { PassiveNetwork } from '../../src/circuits/network.ts';
import { ROOT, assertOneLineError, npim } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-nnsa-'));

test('the recursion target after T cycles equals the dot product times its constant', () => {
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 4), fc.integer({ min: 0, max: 2 ** 31 }), (D, seed) => {
      const rng = new Rng(seed);
      const T = inputCycles(D);
      const cycles = Array.from({ length: T }, () => Array.from({ length: 8 }, () => rng.uniformIn(-1, 1)));
      let dot = 0;
      cycles.forEach((s, i) => s.forEach((v, j) => (dot += 2 ** (D * i) * 2 ** j * v)));
      const y = recursionFinal(cycles, D);
      return Math.abs(y - dotProductScale(D, T) * dot) < 1e-12 && Math.abs(y) <= 1 + 1e-12;
    }),
  );
  // Hand-checked single step: D = 1, y_prev = 0.5, only bit 7 at +1 → 0.25 + 0.5·128/255.
  assert.ok(Math.abs(recursionStep(0.5, [0, 0, 0, 0, 0, 0, 0, 1], 1) - (0.25 + (0.5 * 128) / 255)) < 1e-15);
});

test('bit-line pairs respect v⁺ + v⁻ ≤ 0.5 V and cover the signed range', () => {
  const rng = new Rng(2);
  let minS = 0;
  let maxS = 0;
  for (let i = 0; i < 20000; i++) {
    const [p, n] = sampleBitLinePair(rng);
    assert.ok(p >= 0 && n >= 0 && p + n <= 0.5 + 1e-12);
    minS = Math.min(minS, (p - n) / 0.5);
    maxS = Math.max(maxS, (p - n) / 0.5);
  }
  assert.ok(minS < -0.95 && maxS > 0.95);
  const b = sampleNnsaBatch(new Rng(3), 16, 4, 0);
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(b.target[2 * i] - b.target[2 * i + 1] - 0.5 * b.targetValue[i]) < 1e-6);
});

/** Every shipped approximator network (and the NNADC stages) as layers of level indices. */
function shippedNetworks(): Array<{ name: string; net: PassiveNetwork }> {
  const out: Array<{ name: string; net: PassiveNetwork }> = [];
  for (const d of readdirSync(path.join(ROOT, 'models'))) {
    const file = path.join(ROOT, 'models', d, 'model.json');
    if (!existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, 'utf8'));
    if (m.kind === 'nnsa') out.push({ name: d, net: m.network });
    if (m.kind === 'nnadc')
      out.push({
        name: d,
        net: {
          ...m.network,
          device: m.device,
          layers: m.stages.map((s: { inputs: unknown[] } & Record<string, unknown>) => ({ ...s, pairs: s.inputs.length })),
        },
      });
  }
  return out;
}

test('property: every column of every shipped crossbar has Σ|W| < 1 and every conductance sits on a level', () => {
  const nets = shippedNetworks();
  assert.ok(nets.length >= 1, 'no shipped approximator models found');
  for (const { name, net } of nets) {
    const levels = 2 ** net.device.levelBits;
    for (const layer of net.layers) {
      for (const l of [...layer.upperLevels, ...layer.lowerLevels])
        assert.ok(Number.isInteger(l) && l >= 0 && l < levels, `${name}: level ${l}`);
      const x = {
        pairs: layer.pairs,
        columns: layer.columns,
        upperSiemens: Float64Array.from(layer.upperLevels, (i) => levelConductance(net.device, i)),
        lowerSiemens: Float64Array.from(layer.lowerLevels, (i) => levelConductance(net.device, i)),
      };
      for (const s of columnAbsWeightSums(x)) assert.ok(s < 1, `${name}: column Σ|W| = ${s}`);
    }
  }
});

const tinyConfig = {
  floatSteps: 30,
  stageSteps: 10,
  freezeSchedule: [0.5],
  batchSize: 64,
  refine: { sweeps: 1, chips: 1, batch: 128 },
};

test('the same seed gives an identical metrics.json', () => {
  const cfg = path.join(work, 'tiny.json');
  writeFileSync(cfg, JSON.stringify(tinyConfig));
  const run = (out: string) => npim('train', 'sa', '--config', cfg, '--mc', '2', '--points', '64', '--out', out, '--quiet');
  const a = run(path.join(work, 'a'));
  const b = run(path.join(work, 'b'));
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.is(readFileSync(path.join(work, 'a', 'metrics.json'), 'utf8'), readFileSync(path.join(work, 'b', 'metrics.json'), 'utf8'));
  assert.is(readFileSync(path.join(work, 'a', 'model.json'), 'utf8'), readFileSync(path.join(work, 'b', 'model.json'), 'utf8'));
});

test('several dies per step only split the batch: without variation and corners the network is unchanged', () => {
  const run = (dies: number) => {
    const cfg = path.join(work, `dies${dies}.json`);
    writeFileSync(
      cfg,
      JSON.stringify({
        ...tinyConfig,
        variationAware: false,
        trainingCorners: 'nominal',
        diesPerStep: dies,
        refine: { ...tinyConfig.refine, chips: 0 },
      }),
    );
    const out = path.join(work, `dies${dies}`);
    const r = npim('train', 'sa', '--config', cfg, '--mc', '0', '--points', '64', '--out', out, '--quiet');
    assert.is(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')).network;
  };
  assert.equal(run(2), run(1));
});

test('bad input: one-line errors, exit code 2, no partial output', () => {
  const out = path.join(work, 'never');
  const vtc = path.join(work, 'bad-vtc.csv');
  writeFileSync(vtc, 'vin,vout\n0,1.2\n0.6,0.5\n0.9,0.8\n1.2,0\n');
  assertOneLineError(npim('train', 'sa', '--vtc', vtc, '--out', out), /not monotonic/);
  writeFileSync(vtc, 'vin,vout\n0,1.2\n0.6,abc\n');
  assertOneLineError(npim('train', 'sa', '--vtc', vtc, '--out', out), /must be numbers/);
  const neg = path.join(work, 'neg.json');
  writeFileSync(neg, JSON.stringify({ device: { programming: { sigma: -0.1 } } }));
  assertOneLineError(npim('train', 'sa', '--config', neg, '--out', out), /device\.programming\.sigma/);
  const zero = path.join(work, 'zero.json');
  writeFileSync(zero, JSON.stringify({ device: { levelBits: 0 } }));
  assertOneLineError(npim('train', 'sa', '--config', zero, '--out', out), /device\.levelBits/);
  assertOneLineError(npim('train', 'sa', '--dac-bits', '0', '--out', out), /dacBits/);
  assertOneLineError(npim('train', 'sa', '--replica-rows', '65', '--out', out), /replicaRows/);
  assertOneLineError(npim('train', 'sa', '--replica-rows', 'x', '--out', out), /--replica-rows expects a number/);
  assertOneLineError(npim('train', 'sa', '--replica-feedback', '1', '--out', out), /--replica-feedback must be two device counts/);
  assertOneLineError(npim('train', 'sa', '--replica-feedback', '0,2', '--out', out), /replicaFeedback\.outputDevices/);
  assertOneLineError(npim('eval', 'sa', path.join(work, 'missing-model')), /model directory not found/);
  assertOneLineError(npim('eval', 'sa', path.join(ROOT, 'models', 'nnsa-d4'), '--sigma', '-1'), /--sigma/);
  assertOneLineError(
    npim('eval', 'sa', path.join(ROOT, 'models', 'nnsa-d4'), '--nominal-points', '8'),
    /--nominal-points must be between 16 and 1000000/,
  );
  assert.not.ok(existsSync(out), 'a failed command must not create its output');
});

test.run();
