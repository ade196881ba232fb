import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.ts';
import { defaultRramConfig, levelConductance } from '../../src/device/rram.ts';
import { forwardNetwork, instantiateNetwork, PassiveNetworkSchema, type PassiveNetwork } from '../../src/circuits/network.ts';
import { NetworkRefiner, refineNetwork, type RefineOptions } from '../../src/circuits/refine.ts';
import { forwardTf } from '../../src/circuits/train-network.ts';
import { NnsaTrainConfigSchema } from '../../src/circuits/nnsa/config.ts';
import { trainNnsa } from '../../src/circuits/nnsa/train.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';
import { randomLevelsLayer } from './helpers.ts';
import type { VtcBank } from '../../src/circuits/vtc.ts';

const INPUTS = 3;
const HIDDEN = 4;
const OUTPUTS = 2;

/** A small 3 → 4 inverter → 2 linear network with bias, replica and trim rows and random levels. */
function smallNetwork(seed: number): PassiveNetwork {
  const rng = new Rng(seed);
  const device = defaultRramConfig();
  const layer = (pairs: number, columns: number, activation: 'inverter' | 'linear') => randomLevelsLayer(rng, pairs, columns, activation);
  const biasRows = 2;
  return PassiveNetworkSchema.parse({
    inputPairs: INPUTS,
    biasRows,
    replicaRows: 1,
    trimRows: 1,
    vddVolts: 1.2,
    device,
    layers: [layer(INPUTS + biasRows + 2, HIDDEN, 'inverter'), layer(HIDDEN + biasRows, OUTPUTS, 'linear')],
  });
}

/** Refinement options on 64 random points with a fixed target (a smooth function of the inputs). */
function options(seed: number, extra: Partial<RefineOptions> = {}): RefineOptions {
  const rng = new Rng(seed);
  const B = 64;
  const upper = Float64Array.from({ length: B * INPUTS }, () => rng.uniformIn(0, 0.6));
  const lower = Float64Array.from({ length: B * INPUTS }, () => rng.uniformIn(0, 0.6));
  const target = Float64Array.from(
    { length: B * OUTPUTS },
    (_, i) => 0.3 + 0.2 * Math.sin(upper[Math.floor(i / OUTPUTS) * INPUTS] * 5 + i),
  );
  const loss = (out: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < out.length; i++) s += (out[i] - target[i]) ** 2;
    return s / out.length;
  };
  return {
    upper,
    lower,
    batch: B,
    loss,
    chips: 2,
    device: defaultRramConfig(),
    cornerMode: 'global',
    rng: new Rng(seed).fork('chips'),
    sweeps: 3,
    pairMoves: true,
    crossColumnMoves: true,
    ...extra,
  };
}

let bankPromise: Promise<VtcBank> | undefined;
const bank = (): Promise<VtcBank> => (bankPromise ??= loadVtcBank());

test('refinement: no sweep raises the objective, and the incremental objective is the one recomputed from scratch', async () => {
  const b = await bank();
  const net = smallNetwork(1);
  const o = options(2);
  const r = new NetworkRefiner(net, b, o);
  const start = r.best;
  let previous = r.best;
  let moves = 0;
  for (let s = 0; s < 3; s++) {
    const m = r.sweep();
    moves += m;
    assert.ok(r.best <= previous, `sweep ${s}: ${r.best} > ${previous}`);
    // The cached state (changed columns recomputed only) gives the objective a fresh start gives.
    const fresh = new NetworkRefiner(net, b, options(2));
    assert.ok(Math.abs(fresh.best - r.best) <= 1e-9 * Math.abs(r.best), `sweep ${s}: fresh ${fresh.best} vs ${r.best}`);
    assert.ok(Math.abs(r.objective() - r.best) <= 1e-12 * Math.abs(r.best));
    previous = r.best;
    if (m === 0) break;
  }
  assert.ok(moves > 0, 'a random network leaves moves to make');
  assert.ok(r.best < start);
});

test('refinement: a paired move keeps the column total; its trial predicts the accepted objective', async () => {
  const b = await bank();
  const net = smallNetwork(3);
  const r = new NetworkRefiner(net, b, options(4));
  const [L0] = net.layers;
  const J = L0.columns;
  const columnSum = (j: number): number => {
    let s = 0;
    for (let k = 0; k < L0.pairs; k++)
      s += levelConductance(net.device, L0.upperLevels[k * J + j]) + levelConductance(net.device, L0.lowerLevels[k * J + j]);
    return s;
  };
  let tried = 0;
  for (let j = 0; j < J && tried < 3; j++) {
    // First device that can go up (upper line) and first that can go down (lower line) of the column.
    const ka = Array.from({ length: L0.pairs }, (_, k) => k).find((k) => L0.upperLevels[k * J + j] < 7);
    const kb = Array.from({ length: L0.pairs }, (_, k) => k).find((k) => L0.lowerLevels[k * J + j] > 0);
    if (ka === undefined || kb === undefined) continue;
    const changes = [
      { line: 0, i: ka * J + j, k: ka, dLevel: 1 },
      { line: 1, i: kb * J + j, k: kb, dLevel: -1 },
    ];
    const before = columnSum(j);
    const nominalTotal = r.chips[0].hDen[j];
    // With no bound to beat, the trial evaluates every chip.
    r.best = Infinity;
    const v = r.tryHidden(j, changes);
    r.accept(v, 0, [{ j, changes }]);
    assert.ok(Math.abs(columnSum(j) - before) <= 1e-12 * before, `column ${j}: ${columnSum(j)} vs ${before}`);
    assert.ok(Math.abs(r.chips[0].hDen[j] - nominalTotal) <= 1e-12 * nominalTotal, 'the nominal chip sees the same column total');
    assert.ok(Math.abs(r.objective() - v) <= 1e-9 * v, `trial ${v} vs recomputed ${r.objective()}`);
    tried++;
  }
  assert.ok(tried > 0);
});

test('refinement: every level stays on the grid, the result is deterministic, and the network stays valid', async () => {
  const b = await bank();
  const a = smallNetwork(5);
  const c = smallNetwork(5);
  const sweeps: number[] = [];
  const fa = refineNetwork(a, b, options(6, { cornerMode: 'per-neuron', onSweep: (_, loss) => sweeps.push(loss) }));
  const fc = refineNetwork(c, b, options(6, { cornerMode: 'per-neuron' }));
  assert.is(fa, fc);
  assert.equal(a, c);
  for (let s = 1; s < sweeps.length; s++) assert.ok(sweeps[s] <= sweeps[s - 1]);
  for (const l of a.layers)
    for (const v of [...l.upperLevels, ...l.lowerLevels]) assert.ok(Number.isInteger(v) && v >= 0 && v < 8, `level ${v} off the grid`);
  PassiveNetworkSchema.parse(a);
});

test('the tfjs forward pass of training sees the same rows as the float64 one (bias, replica, trim)', async () => {
  const b = await bank();
  const net = smallNetwork(7);
  const inst = instantiateNetwork(net, b, net.device, null, { kind: 'nominal' });
  inst.replicaVolts = 0.52;
  const rng = new Rng(8);
  const B = 16;
  const up = Float32Array.from({ length: B * INPUTS }, () => rng.uniformIn(0, 0.6));
  const lo = Float32Array.from({ length: B * INPUTS }, () => rng.uniformIn(0, 0.6));
  const ref = forwardNetwork(inst, b, up, lo, B).at(-1)!;
  const nominalRow = tf.tensor2d(b.table.subarray(b.nominalIndex * b.grid.points, (b.nominalIndex + 1) * b.grid.points), [
    1,
    b.grid.points,
  ]);
  const out = forwardTf(
    inst.layers.map((l) => ({
      gU: tf.tensor2d(
        Float32Array.from(l.upperSiemens, (g) => g / net.device.gMaxSiemens),
        [l.pairs, l.columns],
      ),
      gL: tf.tensor2d(
        Float32Array.from(l.lowerSiemens, (g) => g / net.device.gMaxSiemens),
        [l.pairs, l.columns],
      ),
      activation: l.activation,
      vtcTable: l.activation === 'inverter' ? (tf.tile(nominalRow, [l.columns, 1]) as tf.Tensor2D) : undefined,
    })),
    b.grid,
    tf.tensor2d(up, [B, INPUTS]),
    tf.tensor2d(lo, [B, INPUTS]),
    inst,
  ).dataSync();
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(out[i] - ref[i]) < 2e-4, `output ${i}: ${out[i]} vs ${ref[i]}`);
});

test('the NNS+A training chain (init, training phases, refinement, balancing) is deterministic for a seed', async () => {
  const b = await bank();
  const cfg = (seed: number, extra: object = {}) =>
    NnsaTrainConfigSchema.parse({
      dacBits: 4,
      hiddenNeurons: 4,
      biasRows: 2,
      replicaRows: 1,
      trimRows: 1,
      batchSize: 16,
      floatSteps: 3,
      stageSteps: 2,
      freezeSchedule: [0.5],
      refine: { sweeps: 1, chips: 1, batch: 64 },
      seed,
      ...extra,
    });
  for (const extra of [{}, { init: 'centered', trainingCorners: 'per-neuron', replicaFeedback: { outputDevices: 4, railDevices: 8 } }]) {
    const a = trainNnsa(cfg(1, extra), b);
    const again = trainNnsa(cfg(1, extra), b);
    assert.equal(JSON.stringify(a.network), JSON.stringify(again.network), 'same seed, same network');
    PassiveNetworkSchema.parse(a.network);
    assert.is(a.network.layers[0].pairs, 13 + 2 + 1 + 1);
    const other = trainNnsa(cfg(2, extra), b);
    assert.not.equal(JSON.stringify(other.network), JSON.stringify(a.network), 'another seed, another network');
  }
});

test.run();
