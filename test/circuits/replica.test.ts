import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyticBank, vtcFigures } from '../../src/circuits/vtc.ts';
import {
  bankReplicaVolts,
  instantiateNetwork,
  networkDeviceCount,
  nominalReplicaDivider,
  replicaReferenceVolts,
  type PassiveNetwork,
} from '../../src/circuits/network.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';
import { defaultRramConfig } from '../../src/device/rram.ts';
import { Rng } from '../../src/core/rng.ts';

const G_MAX = 100e-6;

test('a diode-connected replica settles at the corner switching voltage', async () => {
  const bank = await loadVtcBank();
  const v = bankReplicaVolts(bank, 1.2, undefined, G_MAX);
  bank.corners.forEach((_, c) => assert.is(v[c], vtcFigures(bank, c).switchingVolts));
});

test('the feedback replica amplifies a threshold shift by (1 + G)/(1 + βG), the closed-loop gain of an inverter with gain G', () => {
  // Analytic VTCs with the same gain, thresholds about 10 mV apart: the output must move by the
  // closed-loop gain times the shift of the switching voltage (where VTC(v) = v; linear region).
  const gain = 16;
  const a = analyticBank({ vddVolts: 1.2, switchingVolts: 0.6, gain });
  const b = analyticBank({ vddVolts: 1.2, switchingVolts: 0.61, gain });
  const dm = vtcFigures(b, 0).switchingVolts - vtcFigures(a, 0).switchingVolts;
  for (const [outputDevices, railDevices] of [
    [1, 1],
    [1, 2],
    [2, 4],
    [1, 4],
  ]) {
    const f = { outputDevices, railDevices };
    const divider = nominalReplicaDivider(f, G_MAX);
    const beta = outputDevices / (outputDevices + 2 * railDevices);
    const shift = replicaReferenceVolts(b, 0, 1.2, divider) - replicaReferenceVolts(a, 0, 1.2, divider);
    const expected = (dm * (1 + gain)) / (1 + beta * gain);
    assert.ok(
      Math.abs(shift - expected) < 0.03 * expected,
      `β = ${beta.toFixed(3)}: shift ${(shift * 1e3).toFixed(3)} mV, expected ${(expected * 1e3).toFixed(3)} mV`,
    );
    // At the fixed point the inverter's input is back at its own threshold and V_ref = VDD/2.
    const v = replicaReferenceVolts(a, 0, 1.2, divider);
    assert.ok(Math.abs(beta * v + (1 - beta) * 0.6 - 0.6) < 1e-3, `β = ${beta}: input ${beta * v + (1 - beta) * 0.6}`);
  }
});

test('the feedback replica tracks every corner of the ngspice bank with one gain', async () => {
  const bank = await loadVtcBank();
  const f = { outputDevices: 1, railDevices: 2 };
  const diode = bankReplicaVolts(bank, 1.2, undefined, G_MAX);
  const fb = bankReplicaVolts(bank, 1.2, f, G_MAX);
  const n = bank.nominalIndex;
  bank.corners.forEach((name, c) => {
    const dm = diode[c] - diode[n];
    if (Math.abs(dm) < 2e-3) return;
    const ratio = (fb[c] - fb[n]) / dm;
    assert.ok(ratio > 3.5 && ratio < 4.5, `${name}: amplification ${ratio.toFixed(2)}`);
  });
});

test('instances program the replica divider: no variation gives the designed reference, variation moves it', async () => {
  const bank = await loadVtcBank();
  const device = defaultRramConfig();
  const net: PassiveNetwork = {
    inputPairs: 1,
    biasRows: 1,
    replicaRows: 1,
    replicaFeedback: { outputDevices: 1, railDevices: 2 },
    vddVolts: 1.2,
    device,
    layers: [
      { pairs: 3, columns: 1, activation: 'inverter', upperLevels: [3, 4, 5], lowerLevels: [2, 1, 5] },
      { pairs: 2, columns: 1, activation: 'linear', upperLevels: [3, 4], lowerLevels: [2, 1] },
    ],
  };
  const designed = replicaReferenceVolts(bank, 4, 1.2, nominalReplicaDivider(net.replicaFeedback!, device.gMaxSiemens));
  const ideal = instantiateNetwork(net, bank, { ...device, programming: { ...device.programming, sigma: 0 } }, new Rng(3), {
    kind: 'global',
    corner: 4,
  });
  assert.is(ideal.replicaVolts, designed);
  const varied = instantiateNetwork(net, bank, { ...device, programming: { ...device.programming, sigma: 0.05 } }, new Rng(3), {
    kind: 'global',
    corner: 4,
  });
  assert.ok(varied.replicaDivider && varied.replicaVolts !== designed);
  assert.is(networkDeviceCount(net).rram, 2 * 3 + 2 * 2 + 5);
});

test.run();
