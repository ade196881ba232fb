import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { defaultRramConfig } from '../../src/device/rram.ts';
import { balanceParallelRows, forwardNetwork, instantiateNetwork, type PassiveNetwork } from '../../src/circuits/network.ts';
import { compileNetwork, forwardCompiled, forwardCompiledReference, recurrentPool } from '../../src/circuits/network-fast.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';
import { randomLevelsLayer } from './helpers.ts';

function randomNetwork(rng: Rng, extra: Partial<PassiveNetwork>, hidden = 6, outputs = 2): PassiveNetwork {
  const device = defaultRramConfig();
  const biasRows = extra.biasRows ?? 3;
  const inv = (extra.replicaRows ?? 0) + (extra.trimRows ?? 0);
  const layer = (pairs: number, columns: number, activation: 'inverter' | 'linear') => randomLevelsLayer(rng, pairs, columns, activation);
  const signalRows = extra.inputRows?.length ?? 4;
  return {
    inputPairs: 4,
    biasRows,
    vddVolts: 1.2,
    device,
    ...extra,
    layers: [layer(signalRows + biasRows + inv, hidden, 'inverter'), layer(hidden + biasRows, outputs, 'linear')],
  };
}

test('the compiled forward pass agrees with the float64 reference (with replica, trim and parallel input rows)', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(9);
  for (const extra of [{}, { replicaRows: 2, trimRows: 2 }, { inputRows: [0, 1, 1, 2, 3, 3, 3], replicaRows: 1 }] as Array<
    Partial<PassiveNetwork>
  >) {
    const net = randomNetwork(rng, extra);
    const inst = instantiateNetwork(net, bank, net.device, rng.fork('v'), { kind: 'global', corner: 4 });
    const B = 50;
    const up = Float32Array.from({ length: B * 4 }, () => rng.uniformIn(0, 0.5));
    const lo = Float32Array.from({ length: B * 4 }, () => rng.uniformIn(0, 0.5));
    const ref = forwardNetwork(inst, bank, up, lo, B);
    const got = forwardCompiled(compileNetwork(inst, bank), up, lo, B);
    const last = ref[ref.length - 1];
    for (let i = 0; i < last.length; i++) assert.ok(Math.abs(last[i] - got[i]) < 1e-12, `output ${i}: ${last[i]} vs ${got[i]}`);
  }
});

test('the WebAssembly forward pass is bit-identical to the JavaScript one (odd widths, out-of-range and NaN inputs, growing batches)', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(12);
  for (const [extra, hidden, outputs] of [
    [{}, 6, 2],
    [{ replicaRows: 1, trimRows: 2 }, 5, 3],
    [{ inputRows: [0, 1, 1, 2, 3, 3, 3] }, 12, 2],
  ] as Array<[Partial<PassiveNetwork>, number, number]>) {
    const net = randomNetwork(rng, extra, hidden, outputs);
    const compiled = compileNetwork(instantiateNetwork(net, bank, net.device, rng.fork('v'), { kind: 'per-neuron' }), bank);
    for (const B of [1, 37, 3000]) {
      // Inputs beyond the rails push columns off the VTC grid at both ends.
      const up = Float64Array.from({ length: B * 4 }, () => rng.uniformIn(-2, 3));
      const lo = Float64Array.from({ length: B * 4 }, () => rng.uniformIn(-2, 3));
      up[0] = NaN;
      const ref = forwardCompiledReference(compiled, up, lo, B);
      const got = forwardCompiled(compiled, up, lo, B);
      assert.is(got.length, ref.length);
      for (let i = 0; i < ref.length; i++)
        assert.ok(Object.is(got[i], ref[i]), `hidden ${hidden} batch ${B} output ${i}: ${got[i]} vs ${ref[i]}`);
    }
  }
});

test('the recurrent pool (units round-robin over columns, inputs gathered in the kernel) is bit-identical to the JavaScript pass step by step', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(21);
  // Three bit-line pairs plus the fed-back output pair; two of the pairs' rows run in parallel.
  const bits = 3;
  const stride = 2 * bits + 2; // unused sums between samples are skipped
  const nets = Array.from({ length: 3 }, (_, u) => {
    const net = randomNetwork(rng, { inputPairs: bits + 1, inputRows: [0, 1, 1, 2, 3] }, 7, 2);
    return compileNetwork(instantiateNetwork(net, bank, net.device, rng.fork(`v${u}`), { kind: 'per-neuron' }), bank);
  });
  const pool = recurrentPool(nets);
  for (const [rows, columns] of [
    [5, 7],
    [40, 2],
  ]) {
    const samples = rows * columns;
    const toVolts = 0.5 / 37;
    const cycles = Array.from({ length: 3 }, () => Float32Array.from({ length: samples * stride }, () => rng.uniformIn(-5, 40)));
    cycles[0][3] = NaN;
    // The specification: each sample through its unit's JavaScript pass, one cycle after another.
    const upper = new Float64Array(samples).fill(0.3);
    const lower = new Float64Array(samples).fill(0.2);
    for (const bl of cycles)
      for (let m = 0; m < samples; m++) {
        const net = nets[(m % columns) % nets.length];
        const read = (v: number): number => (v > 0 ? v : 0) * toVolts;
        const up = [...Array.from({ length: bits }, (_, s) => read(bl[m * stride + 2 * s])), upper[m]];
        const lo = [...Array.from({ length: bits }, (_, s) => read(bl[m * stride + 2 * s + 1])), lower[m]];
        const out = forwardCompiledReference(net, up, lo, 1);
        [upper[m], lower[m]] = [out[0], out[1]];
      }
    const { memory, at } = pool.begin(samples, columns, stride, cycles.length, 0.3, 0.2);
    const area = new Float32Array(memory.buffer, at, cycles.length * samples * stride);
    cycles.forEach((bl, i) => area.set(bl, i * samples * stride));
    cycles.forEach((_, i) => pool.cycle(i, bits, toVolts));
    const got = pool.state();
    for (let m = 0; m < samples; m++) {
      assert.ok(Object.is(got.upper[m], upper[m]), `${rows}x${columns} sample ${m} upper: ${got.upper[m]} vs ${upper[m]}`);
      assert.ok(Object.is(got.lower[m], lower[m]), `${rows}x${columns} sample ${m} lower: ${got.lower[m]} vs ${lower[m]}`);
    }
  }
});

test('parallel rows of one input act as one row with their summed conductance', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(4);
  const net = randomNetwork(rng, { inputRows: [0, 0, 1, 2, 2, 2, 3] });
  const inst = instantiateNetwork(net, bank, net.device, rng.fork('v'), { kind: 'nominal' });
  // The same circuit drawn with one row per input: parallel devices add their conductances.
  const J = net.layers[0].columns;
  const groups = [[0, 1], [2], [3, 4, 5], [6]];
  const merge = (g: Float64Array): Float64Array => {
    const rows = net.layers[0].pairs - 7 + groups.length;
    const out = new Float64Array(rows * J);
    groups.forEach((rs, k) =>
      rs.forEach((r) => {
        for (let j = 0; j < J; j++) out[k * J + j] += g[r * J + j];
      }),
    );
    for (let r = 7; r < net.layers[0].pairs; r++) for (let j = 0; j < J; j++) out[(r - 7 + groups.length) * J + j] = g[r * J + j];
    return out;
  };
  const l0 = inst.layers[0];
  const merged = {
    ...inst,
    inputRows: undefined,
    layers: [{ ...l0, pairs: l0.pairs - 3, upperSiemens: merge(l0.upperSiemens), lowerSiemens: merge(l0.lowerSiemens) }, inst.layers[1]],
  };
  const B = 40;
  const up = Float32Array.from({ length: B * 4 }, () => rng.uniformIn(0, 0.5));
  const lo = Float32Array.from({ length: B * 4 }, () => rng.uniformIn(0, 0.5));
  const a = forwardNetwork(inst, bank, up, lo, B).at(-1)!;
  const b = forwardNetwork(merged, bank, up, lo, B).at(-1)!;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-12, `output ${i}: ${a[i]} vs ${b[i]}`);
});

test('balancing spreads the levels of parallel input rows without changing the nominal outputs', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(5);
  const net = randomNetwork(rng, { inputRows: [0, 1, 1, 1, 2, 3] });
  const J = net.layers[0].columns;
  for (let j = 0; j < J; j++)
    [net.layers[0].upperLevels[1 * J + j], net.layers[0].upperLevels[2 * J + j], net.layers[0].upperLevels[3 * J + j]] = [7, 0, 1];
  const up = Float32Array.from({ length: 20 * 4 }, () => rng.uniformIn(0, 0.5));
  const lo = Float32Array.from({ length: 20 * 4 }, () => rng.uniformIn(0, 0.5));
  const before = forwardNetwork(instantiateNetwork(net, bank, net.device, null, { kind: 'nominal' }), bank, up, lo, 20).at(-1)!;
  balanceParallelRows(net);
  const after = forwardNetwork(instantiateNetwork(net, bank, net.device, null, { kind: 'nominal' }), bank, up, lo, 20).at(-1)!;
  for (let i = 0; i < before.length; i++) assert.ok(Math.abs(before[i] - after[i]) < 1e-12);
  for (let j = 0; j < J; j++)
    assert.equal(
      [1, 2, 3].map((r) => net.layers[0].upperLevels[r * J + j]),
      [3, 3, 2],
    );
});

test.run();
