import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { idealDevices } from '../../src/device/rram.ts';
import { NnadcTrainConfigSchema } from '../../src/circuits/nnadc/config.ts';
import { adcThresholds, convertAdc, convertWithThresholds, instantiateAdc } from '../../src/circuits/nnadc/model.ts';
import { measureInstance } from '../../src/circuits/nnadc/evaluate.ts';
import { trainNnadc, idealTransition } from '../../src/circuits/nnadc/train.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';
import { loadNnadc } from '../../src/app/library.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { bankFromJson } from '../../src/circuits/approximator-model.ts';
import { SimulationConfigSchema } from '../../src/chip/simulation-config.ts';
import { assertOneLineError, npim, ROOT } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-nnadc-'));

test('6-bit flash and two-step converters: no missing codes, |DNL|, |INL| < 1 LSB at nominal; two-step uses fewer devices', async () => {
  const bank = await loadVtcBank();
  const counts: Record<string, number> = {};
  for (const arch of ['flash', 'two-step'] as const) {
    const cfg = NnadcTrainConfigSchema.parse({ bits: 6, arch });
    const model = trainNnadc(cfg, bank);
    const m = measureInstance(instantiateAdc(model, bank, idealDevices(cfg.device), null, { kind: 'nominal' }), model);
    assert.is(m.linearity.missingCodes.length, 0, `${arch} missing codes`);
    assert.ok(Math.max(-m.linearity.dnlMinLsb, m.linearity.dnlMaxLsb) < 1, `${arch} DNL`);
    assert.ok(Math.max(-m.linearity.inlMinLsb, m.linearity.inlMaxLsb) < 1, `${arch} INL`);
    assert.ok(m.sine.enobBits > 5.7, `${arch} ENOB ${m.sine.enobBits}`);
    counts[arch] = model.stages.reduce((a, s) => a + 2 * s.inputs.length * s.columns, 0);
  }
  assert.ok(counts['two-step'] < counts.flash, `two-step ${counts['two-step']} vs flash ${counts.flash} devices`);
});

test('the threshold form converts exactly like the comparator model, with variation', async () => {
  const bank = await loadVtcBank();
  for (const arch of ['flash', 'two-step'] as const) {
    const cfg = NnadcTrainConfigSchema.parse({ bits: 6, arch });
    const model = trainNnadc(cfg, bank);
    const inst = instantiateAdc(model, bank, cfg.device, new Rng(4), { kind: 'global', corner: 3 });
    const t = adcThresholds(inst);
    const rng = new Rng(5);
    const y = Float64Array.from({ length: 3000 }, () => rng.uniformIn(-0.1, 1.1));
    const codes = convertAdc(inst, y);
    for (let i = 0; i < y.length; i++) assert.is(convertWithThresholds(t, y[i]), codes[i], `${arch} y = ${y[i]}`);
  }
});

test('the shipped 8-bit converters: the threshold form converts exactly like the comparator model (die corner with mismatch)', async () => {
  const dir = path.join(ROOT, 'models', 'nnadc-8b-r0.25');
  const model = await loadNnadc(dir);
  const bank = bankFromJson(model.vtcBank);
  const mismatch = (await loadPeripherals(SimulationConfigSchema.parse({ dataflow: 'neural-pim' }))).mismatch!;
  const inst = instantiateAdc(model, bank, model.device, new Rng(6), { kind: 'die-mismatch', corner: 2, mismatch });
  const t = adcThresholds(inst);
  const rng = new Rng(7);
  // Uniform over the range and beyond, plus just either side of every threshold (exactly at one,
  // the two forms' roundings decide differently: a set of measure zero).
  const thresholds = [...t.first, ...t.fineThresholdByCount.flatMap((f) => [...f])].filter(Number.isFinite);
  const y = Float64Array.from([
    ...Array.from({ length: 10_000 }, () => rng.uniformIn(-0.05, 0.3)),
    ...thresholds.flatMap((x) => [x - 1e-12, x + 1e-12]),
  ]);
  const codes = convertAdc(inst, y);
  for (let i = 0; i < y.length; i++) assert.is(convertWithThresholds(t, y[i]), codes[i], `y = ${y[i]}`);
});

test('write-verify: trimmed comparators sit within the tolerance of the design, a loose tolerance changes nothing, ENOB improves', async () => {
  const bank = await loadVtcBank();
  const cfg = NnadcTrainConfigSchema.parse({ bits: 6, arch: 'flash' });
  const model = trainNnadc(cfg, bank);
  const lsb = cfg.rangeFraction / 63;
  const designed = adcThresholds(instantiateAdc(model, bank, idealDevices(cfg.device), null, { kind: 'nominal' })).first;
  let enobPlain = 0;
  let enobVerified = 0;
  for (let d = 0; d < 3; d++) {
    const plain = instantiateAdc(model, bank, cfg.device, new Rng(10 + d), { kind: 'per-neuron' });
    const loose = instantiateAdc(model, bank, cfg.device, new Rng(10 + d), { kind: 'per-neuron' }, { toleranceLsb: 1e6, maxAttempts: 50 });
    assert.is(loose.verify!.meanAttempts, 1);
    assert.equal(adcThresholds(loose).first, adcThresholds(plain).first);
    const verified = instantiateAdc(
      model,
      bank,
      cfg.device,
      new Rng(10 + d),
      { kind: 'per-neuron' },
      { toleranceLsb: 0.2, maxAttempts: 100 },
    );
    assert.is(verified.verify!.outOfTolerance, 0);
    const t = adcThresholds(verified).first;
    t.forEach((x, j) => assert.ok(Math.abs(x - designed[j]) <= 0.2 * lsb, `column ${j}: ${(x - designed[j]) / lsb} LSB`));
    enobPlain += measureInstance(plain, model).sine.enobBits / 3;
    enobVerified += measureInstance(verified, model).sine.enobBits / 3;
  }
  assert.ok(enobVerified > enobPlain + 0.5, `verified ENOB ${enobVerified} vs ${enobPlain}`);
});

test('write-verify of an 8-bit two-step converter at σ = 0.025 and per-neuron corners: every state within 1 LSB, ENOB > 7.5', async () => {
  const bank = await loadVtcBank();
  const cfg = NnadcTrainConfigSchema.parse({ bits: 8, arch: 'two-step', rangeFraction: 0.5 });
  const model = trainNnadc(cfg, bank);
  const lsb = cfg.rangeFraction / 255;
  const nominal = adcThresholds(instantiateAdc(model, bank, idealDevices(cfg.device), null, { kind: 'nominal' }));
  for (let d = 0; d < 2; d++) {
    const inst = instantiateAdc(model, bank, cfg.device, new Rng(30 + d), { kind: 'per-neuron' }, { toleranceLsb: 0.15, maxAttempts: 100 });
    assert.is(inst.verify!.outOfTolerance, 0);
    const t = adcThresholds(inst);
    t.fine.forEach((f, j) =>
      t.fineNumeratorByCount[j].forEach((num, m) => {
        const error = (num / f.beta - nominal.fineNumeratorByCount[j][m] / nominal.fine[j].beta) / lsb;
        assert.ok(Math.abs(error) <= 1, `fine ${j} state ${m}: ${error} LSB`);
      }),
    );
    const enob = measureInstance(inst, model).sine.enobBits;
    assert.ok(enob > 7.5, `draw ${d}: ENOB ${enob}`);
  }
});

test('labels: transitions sit half an LSB before each code of round(y / V_max · (2^N − 1))', () => {
  assert.ok(Math.abs(idealTransition(1, 8, 1) - 0.5 / 255) < 1e-15);
  assert.ok(Math.abs(idealTransition(255, 8, 0.25) - (254.5 / 255) * 0.25) < 1e-15);
});

test('same seed, identical metrics.json; bad input gives one-line errors', () => {
  const run = (out: string) => npim('train', 'adc', '--bits', '5', '--mc', '2', '--out', out, '--quiet');
  const a = run(path.join(work, 'a'));
  const b = run(path.join(work, 'b'));
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.is(readFileSync(path.join(work, 'a', 'metrics.json'), 'utf8'), readFileSync(path.join(work, 'b', 'metrics.json'), 'utf8'));
  assertOneLineError(npim('train', 'adc', '--bits', '3', '--out', path.join(work, 'c')), /bits/);
  assertOneLineError(npim('train', 'adc', '--arch', 'sar', '--out', path.join(work, 'c')), /arch/);
  assertOneLineError(npim('eval', 'adc', path.join(ROOT, 'models', 'nnsa-d4')), /kind 'nnsa', expected 'nnadc'/);
});

test.run();
