/**
 * Which peripheral dominates a Neural-PIM layer's error: the attribution's four SINADs are those
 * of runs configured that way (NNS+A ideal, both ideal) on the same draw, and the shares follow
 * from them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { quantizeNetwork } from '../../src/dnn/quantize.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../../src/chip/simulation-config.ts';
import { errorShares, simulate } from '../../src/simulator/simulate.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { idealPeripherals, pixels, residualNet } from './helpers.ts';

test('attribution SINADs equal the runs with the NNS+A ideal and with both peripherals ideal, on the same draw', async () => {
  await initBackend('auto');
  const net = quantizeNetwork(residualNet(5), pixels(1, 20));
  const data = { images: pixels(2, 8), labels: new Uint8Array(8) };
  const cfgOf = (o: Partial<SimulationConfig>): SimulationConfig =>
    SimulationConfigSchema.parse({ dataflow: 'neural-pim', workers: 1, seed: 3, ...o });
  const built = cfgOf({});
  const r = await simulate(built, net, data, await loadPeripherals(built), undefined, undefined, { attribution: true });
  assert.ok(r.attribution, 'a run with trained peripherals measures its attribution');
  assert.is(r.attribution.length, 7);
  const nnsaIdealCfg = cfgOf({ neuralPimAccumulator: 'ideal' });
  const nnsaIdeal = await simulate(nnsaIdealCfg, net, data, await loadPeripherals(nnsaIdealCfg));
  const bothIdealCfg = cfgOf({ neuralPimAccumulator: 'ideal', neuralPimAdc: 'ideal' });
  const bothIdeal = await simulate(bothIdealCfg, net, data, await loadPeripherals(bothIdealCfg));
  assert.is(nnsaIdeal.attribution, undefined, 'attribution is only measured when asked');
  r.attribution.forEach((a, i) => {
    // 8 images of at most 36 positions: every row of the SINAD inputs is measured.
    assert.is(a.rows, a.layer === 'fc' ? 8 : i >= 3 ? 72 : 288);
    assert.is(a.hardwareDb, r.sinad[i].sinadDb, `${a.layer}: as built`);
    assert.is(a.nnsaIdealDb, nnsaIdeal.sinad[i].sinadDb, `${a.layer}: NNS+A ideal`);
    assert.is(a.idealPeripheralsDb, bothIdeal.sinad[i].sinadDb, `${a.layer}: both ideal`);
    const sum = a.shares['NNS+A'] + a.shares.NNADC + a.shares['crossbar + 8-bit quantization'];
    assert.ok(Math.abs(sum - 1) < 1e-12, `${a.layer}: shares sum to 1`);
    assert.ok(a.hardwareDb < a.idealPeripheralsDb, `${a.layer}: the trained peripherals add error`);
  });
  // Without trained peripherals there is nothing to attribute.
  const exact = await simulate(
    cfgOf({ neuralPimAdc: 'exact', neuralPimAccumulator: 'ideal' }),
    net,
    data,
    idealPeripherals,
    undefined,
    undefined,
    {
      attribution: true,
    },
  );
  assert.is(exact.attribution, undefined);
});

test('error shares: relative error powers 10^(−SINAD/10) above the ideal-peripheral floor', () => {
  // Floor 1e-4 (40 dB); NNADC ideal leaves 1e-2 (20 dB): NNS+A ≈ 0.0099; NNS+A ideal leaves 1e-3 (30 dB): NNADC 0.0009.
  const s = errorShares(30, 20, 40);
  assert.is(s.dominant, 'NNS+A');
  const total = 0.0099 + 0.0009 + 0.0001;
  assert.ok(Math.abs(s.shares['NNS+A'] - 0.0099 / total) < 1e-9);
  assert.ok(Math.abs(s.shares.NNADC - 0.0009 / total) < 1e-9);
  assert.is(errorShares(15, 35, 40).dominant, 'NNADC');
  assert.is(errorShares(40, 40, 40).dominant, 'crossbar + 8-bit quantization');
});

test.run();
