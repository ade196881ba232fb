import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { defaultRramConfig } from '../../src/device/rram.ts';
import { forwardNetwork, instantiateNetwork, type PassiveNetwork } from '../../src/circuits/network.ts';
import { compileNetwork, forwardCompiled } from '../../src/circuits/network-fast.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';

function randomNetwork(rng: Rng, extra: Partial<PassiveNetwork>): PassiveNetwork {
  const device = defaultRramConfig();
  const biasRows = extra.biasRows ?? 3;
  const inv = (extra.replicaRows ?? 0) + (extra.trimRows ?? 0);
  const layer = (pairs: number, columns: number, activation: 'inverter' | 'linear') => ({
    pairs,
    columns,
    activation,
    upperLevels: Array.from({ length: pairs * columns }, () => rng.int(8)),
    lowerLevels: Array.from({ length: pairs * columns }, () => rng.int(8)),
  });
  return { inputPairs: 4, biasRows, vddVolts: 1.2, device, ...extra, layers: [layer(4 + biasRows + inv, 6, 'inverter'), layer(6 + biasRows, 2, 'linear')] };
}

test('the compiled forward pass agrees with the float64 reference (with replica and trim rows)', async () => {
  const bank = await loadVtcBank();
  const rng = new Rng(9);
  for (const extra of [{}, { replicaRows: 2, trimRows: 2 }] as Array<Partial<PassiveNetwork>>) {
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

test.run();
