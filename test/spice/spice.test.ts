import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INVERTER_LIB_PATH } from '../../src/core/paths.ts';
import { ngspiceVersion } from '../../src/io/ngspice.ts';
import { levelConductance } from '../../src/device/rram.ts';
import type { NnadcModel } from '../../src/circuits/nnadc/config.ts';
import type { NnsaModel } from '../../src/circuits/nnsa/config.ts';
import { programApproximator, type Approximator } from '../../src/mapping/approximator-map.ts';
import { readApproximator } from '../../src/app/model-directory.ts';
import { ROOT } from '../helpers/cli.ts';
import { adcSweep, approximatorDeck, inverterCorner, nnadcNetlist, nnsaNetlist, nnsaOperatingPoints } from '../../src/spice/netlist.ts';
import { SPICE_ACCEPTANCE } from '../../src/spice/verify.ts';
import { runSpiceVerify } from '../../src/app/spice-verify.ts';
import { smallAdc, syntheticNnsa as syntheticModel } from './fixtures.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-spice-test-'));
const corner = inverterCorner('tt_27c');
const hasNgspice = ngspiceVersion() !== null;
if (!hasNgspice) console.log('note: ngspice is not installed; skipping the co-simulation tests (CI installs it)');

function adc(
  arch: 'flash' | 'two-step',
  bits = 4,
  rangeFraction = 1,
  comparatorTrimVolts?: number,
): Approximator & { kind: 'nnadc'; model: NnadcModel } {
  return { kind: 'nnadc', model: smallAdc(arch, bits, rangeFraction, comparatorTrimVolts) };
}

function syntheticNnsa(replicaRows = 0): Approximator & { kind: 'nnsa'; model: NnsaModel } {
  return { kind: 'nnsa', model: syntheticModel(replicaRows) };
}

interface ParsedResistor {
  name: string;
  from: string;
  to: string;
  ohms: number;
}

function resistors(text: string): ParsedResistor[] {
  return text
    .split('\n')
    .filter((l) => /^R_/.test(l))
    .map((l) => {
      const [name, from, to, value] = l.split(/\s+/);
      return { name, from, to, ohms: Number(value) };
    });
}

const options = (dataFile: string) => ({ corner, libPath: INVERTER_LIB_PATH, dataFile, description: 'test' });

test('NNADC netlist: 2·pairs·columns resistors per stage, R = 1/g of the programmed devices, rows wired to their sources', () => {
  // With comparator trim rows, so that every row kind is wired.
  const a = adc('two-step', 4, 1, 0.049);
  assert.ok(a.model.stages.every((s) => s.inputs.some((i) => i.kind === 'trim')));
  const p = programApproximator(a, { sigma: 0.025, seed: 3 });
  const deck = nnadcNetlist(a.model, p, adcSweep(a.model, 64), options('/tmp/x.data'));
  const rs = resistors(deck.text);
  assert.is(
    rs.length,
    a.model.stages.reduce((n, s) => n + 2 * s.inputs.length * s.columns, 0),
  );
  assert.is(deck.resistors, rs.length);
  a.model.stages.forEach((s, si) => {
    const mine = rs.filter((r) => r.name.startsWith(`R_s${si}_`));
    assert.is(mine.length, 2 * s.inputs.length * s.columns, `stage ${si}`);
    for (const r of mine) {
      const m = /^R_s\d+_r(\d+)_c(\d+)_([ul])$/.exec(r.name)!;
      const [k, j, line] = [Number(m[1]), Number(m[2]), m[3]];
      const i = k * s.columns + j;
      const g = line === 'u' ? p.arrays[si].upperSiemens[i] : p.arrays[si].lowerSiemens[i];
      // Varied devices: the resistor is the programmed device, not the level's nominal value.
      assert.ok(Math.abs(r.ohms * g - 1) < 1e-12, `${r.name}: R·g = ${r.ohms * g}`);
      assert.is(r.to, `s${si}c${j}`);
      const inp = s.inputs[k];
      const expected =
        inp.kind === 'signal'
          ? line === 'u'
            ? 'p'
            : 'n'
          : inp.kind === 'bias' || inp.kind === 'trim'
            ? line === 'u'
              ? 'vdd'
              : '0'
            : `${line === 'u' ? 'lat' : 'latn'}${inp.comparator}`;
      assert.is(r.from, expected, r.name);
    }
  });
  const comparators = deck.text.split('\n').filter((l) => /^X_s\d+_c\d+ /.test(l));
  assert.is(
    comparators.length,
    a.model.stages.reduce((n, s) => n + s.columns, 0),
  );
  assert.ok(comparators.every((l) => l.endsWith(' vdd npim_inv')));
  const coarse = a.model.stages.find((s) => s.role === 'coarse')!;
  assert.is(deck.text.split('\n').filter((l) => /^B_lat\d+ /.test(l)).length, coarse.columns);
  assert.match(deck.text, /^\.include "\/.*inverter_130nm\.lib"$/m);
  assert.match(deck.text, /^\.param npim_dvthn=0 npim_dvthp=0 npim_mun=1 npim_mup=1$/m);
  assert.match(deck.text, /^X_vm vm vm vdd npim_inv$/m);
  assert.match(deck.text, /^quit 0$/m);
});

test('nominal devices: resistors are 1/g of the level conductances', () => {
  const a = adc('flash');
  const p = programApproximator(a, { sigma: 0 });
  const deck = nnadcNetlist(a.model, p, adcSweep(a.model, 16), options('/tmp/x.data'));
  const s = a.model.stages[0];
  for (const r of resistors(deck.text)) {
    const [, k, j, line] = /^R_s0_r(\d+)_c(\d+)_([ul])$/.exec(r.name)!;
    const level = (line === 'u' ? s.upperLevels : s.lowerLevels)[Number(k) * s.columns + Number(j)];
    assert.ok(Math.abs(r.ohms * levelConductance(a.model.device, level) - 1) < 1e-12);
  }
});

test('NNS+A netlist: devices per layer, buffers between layers, replica rows, tabulated inputs', () => {
  for (const replicaRows of [0, 2]) {
    const a = syntheticNnsa(replicaRows);
    const p = programApproximator(a, { sigma: 0.025, seed: 9 });
    const pts = nnsaOperatingPoints(a.model, 20, 4);
    const deck = nnsaNetlist(a.model, p, pts, options('/tmp/y.data'));
    const rs = resistors(deck.text);
    a.model.network.layers.forEach((l, li) => {
      const mine = rs.filter((r) => r.name.startsWith(`R_l${li}_`));
      assert.is(mine.length, 2 * l.pairs * l.columns, `layer ${li}`);
      for (const r of mine) {
        const [, k, j, line] = /^R_l\d+_r(\d+)_c(\d+)_([ul])$/.exec(r.name)!.map(String);
        const i = Number(k) * l.columns + Number(j);
        const g = line === 'u' ? p.arrays[li].upperSiemens[i] : p.arrays[li].lowerSiemens[i];
        assert.ok(Math.abs(r.ohms * g - 1) < 1e-12, r.name);
      }
    });
    const hidden = a.model.network.layers[0].columns;
    // One follower and one inverting buffer (VDD − h) per hidden neuron.
    for (let k = 0; k < hidden; k++) {
      assert.match(deck.text, new RegExp(`^E_l1_r${k}_u l1r${k}u 0 l0o${k} 0 1$`, 'm'));
      assert.match(deck.text, new RegExp(`^E_l1_r${k}_l l1r${k}l vdd l0o${k} 0 -1$`, 'm'));
    }
    assert.is(rs.filter((r) => r.from === 'vrep').length, 2 * replicaRows * hidden);
    assert.is(/^X_rep vrepi vrepi vdd npim_inv$/m.test(deck.text), replicaRows > 0);
    assert.is(deck.text.split('\n').filter((l) => /^B_x\d[ul] /.test(l)).length, 18);
    assert.is(deck.inverters, hidden);
  }
});

test('NNADC sweep covers the range in edge form plus 5 % overdrive', () => {
  const s = adcSweep({ bits: 8, rangeFraction: 0.5 }, 4096);
  const q = 0.25 / 255;
  const fs = 256 * q;
  assert.ok(Math.abs(s.startValue - (-q / 2 - 0.05 * fs)) < 1e-15);
  assert.ok(Math.abs(s.startValue + 4095 * s.stepValue - (0.25 + q / 2 + 0.05 * fs)) < 1e-12);
});

test('co-simulation: 4-bit flash and two-step NNADC codes in ngspice agree with the model (≥ 99 %), ENOB within 0.2 bit', async () => {
  if (!hasNgspice) return;
  for (const [arch, range, trim] of [
    ['flash', 1, 0],
    ['two-step', 0.5, 0.049],
  ] as const) {
    const a = adc(arch, 4, range, trim);
    const r = await runSpiceVerify(a, { points: 1024, workDir: path.join(work, arch), modelPath: arch });
    assert.is(r.kind, 'nnadc');
    if (r.kind !== 'nnadc') return;
    assert.ok(r.agreement.fraction >= SPICE_ACCEPTANCE.minCodeAgreement, `${arch}: agreement ${r.agreement.fraction}`);
    assert.ok(Math.abs(r.enob.differenceBits) <= 0.2, `${arch}: ENOB SPICE ${r.enob.spiceBits} vs model ${r.enob.modelBits}`);
    assert.ok(r.pass, r.failures.join('; '));
    // Independent of the model: a trained 4-bit converter at nominal devices is (nearly) the ideal
    // quantizer round(y / range · 15), so the SPICE codes should be too.
    assert.ok(r.spice.enobBits > 3.8, `${arch}: SPICE ENOB ${r.spice.enobBits}`);
    assert.is(r.spice.missingCodes, 0);
    // The replica inverter and the table agree on V_M to well under a millivolt.
    assert.ok(Math.abs(r.switchingVoltage.differenceMicrovolts) < 50, `V_M Δ ${r.switchingVoltage.differenceMicrovolts} µV`);
    // A gate draws no current: the SPICE columns are the passive averages.
    assert.ok(r.columns.maxAbsDifferenceMicrovolts < 1);
  }
});

test('co-simulation: SPICE codes match the ideal labels and react to the corner like the model', async () => {
  if (!hasNgspice) return;
  const a = adc('two-step', 4, 1);
  const r = await runSpiceVerify(a, { points: 512, corner: 'ss_85c', workDir: path.join(work, 'corner'), modelPath: 'ss' });
  assert.ok(r.kind === 'nnadc' && r.agreement.fraction >= 0.99, JSON.stringify(r.kind === 'nnadc' ? r.agreement : r));
  // At a slow corner V_M moves, and with it the transfer curve: SPICE and model move together.
  assert.ok(r.kind === 'nnadc' && Math.abs(r.switchingVoltage.tableVolts - 0.6038) > 1e-3, 'ss_85c V_M differs from nominal');
});

test('co-simulation: NNS+A output P − N in ngspice within 5 mV of the model at every point (with and without replica rows)', async () => {
  if (!hasNgspice) return;
  for (const replicaRows of [0, 2]) {
    const a = syntheticNnsa(replicaRows);
    const r = await runSpiceVerify(a, {
      points: 60,
      sigma: 0.025,
      seed: 2,
      workDir: path.join(work, `sa${replicaRows}`),
      modelPath: 'synthetic',
    });
    assert.is(r.kind, 'nnsa');
    if (r.kind !== 'nnsa') return;
    assert.ok(r.output.maxAbsErrorVolts < 5e-3, `max error ${r.output.maxAbsErrorVolts} V`);
    // The only modelling difference is the VTC table: interpolation on its 1 mV grid.
    assert.ok(
      r.vtc.maxAbsDifferenceMicrovolts <= r.vtc.interpolationBoundMicrovolts + 2,
      `VTC Δ ${r.vtc.maxAbsDifferenceMicrovolts} µV vs bound ${r.vtc.interpolationBoundMicrovolts}`,
    );
    assert.ok(r.columns.maxAbsDifferenceMicrovolts < 1);
    assert.is(r.replica !== undefined, replicaRows > 0);
  }
});

test('co-simulation: a replica with resistive feedback settles where the model puts it, at skewed corners and with varied divider devices', async () => {
  if (!hasNgspice) return;
  const a = syntheticNnsa(2);
  a.model.network.replicaFeedback = { outputDevices: 4, railDevices: 8 };
  const p = programApproximator(a, { sigma: 0.025, seed: 3 });
  const deck = nnsaNetlist(a.model, p, nnsaOperatingPoints(a.model, 4, 1), options('/tmp/z.data'));
  // The divider is fed from the buffered output, so the inverter itself stays unloaded.
  assert.match(deck.text, /^R_rep_out vrep vrepin /m);
  assert.is(deck.resistors, 3 + a.model.network.layers.reduce((n, l) => n + 2 * l.pairs * l.columns, 0));
  for (const cornerName of ['fs_85c', 'sf_m40c']) {
    const r = await runSpiceVerify(a, {
      points: 30,
      sigma: 0.025,
      seed: 3,
      corner: cornerName,
      workDir: path.join(work, `fb-${cornerName}`),
      modelPath: 'synthetic',
    });
    assert.ok(r.kind === 'nnsa' && r.replica !== undefined);
    if (r.kind !== 'nnsa' || !r.replica) return;
    // The reference moves far from V_M (amplified corner shift), and ngspice agrees with the fixed point.
    assert.ok(Math.abs(r.replica.tableVolts - 0.6) > 0.1, `${cornerName}: reference ${r.replica.tableVolts} V`);
    assert.ok(Math.abs(r.replica.differenceMicrovolts) < 100, `${cornerName}: Δ ${r.replica.differenceMicrovolts} µV`);
    assert.ok(r.output.maxAbsErrorVolts < 1e-3, `${cornerName}: max error ${r.output.maxAbsErrorVolts} V`);
  }
});

test('co-simulation of the shipped NNS+A (bias, replica and trim rows) agrees with the model', async () => {
  if (!hasNgspice) return;
  const a = await readApproximator(path.join(ROOT, 'models', 'nnsa-d4'));
  const r = await runSpiceVerify(a, { points: 40, sigma: 0, seed: 1, workDir: path.join(work, 'shipped-sa'), modelPath: 'models/nnsa-d4' });
  assert.ok(r.kind === 'nnsa' && r.output.maxAbsErrorVolts < 5e-3, JSON.stringify(r.kind === 'nnsa' ? r.output : r));
});

test('approximatorDeck: NNS+A operating points are deterministic per seed', () => {
  const a = syntheticNnsa();
  const p = programApproximator(a, { sigma: 0 });
  const d1 = approximatorDeck(a, p, { points: 10, seed: 3, ...options('/tmp/z.data') });
  const d2 = approximatorDeck(a, p, { points: 10, seed: 3, ...options('/tmp/z.data') });
  const d3 = approximatorDeck(a, p, { points: 10, seed: 4, ...options('/tmp/z.data') });
  assert.is(d1.text, d2.text);
  assert.is.not(d1.text, d3.text);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
