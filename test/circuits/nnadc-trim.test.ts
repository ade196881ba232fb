import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { gMinSiemens, idealDevices } from '../../src/device/rram.ts';
import { NnadcTrainConfigSchema, type NnadcModel } from '../../src/circuits/nnadc/config.ts';
import { comparatorTrimRange } from '../../src/circuits/nnadc/design.ts';
import { adcThresholds, adcTrimRanges, instantiateAdc, writeVerifyAdc, type AdcInstance } from '../../src/circuits/nnadc/model.ts';
import { trainNnadc } from '../../src/circuits/nnadc/train.ts';
import { vtcFigures } from '../../src/circuits/vtc.ts';
import { loadInverterMismatch, loadVtcBank } from '../../src/data/vtc-bank.ts';
import { npim } from '../helpers/cli.ts';

const bank = await loadVtcBank();
const sigmaVolts = (await loadInverterMismatch()).switchingShift.sigmaVolts;
const trimVolts = 4 * sigmaVolts;
const vmNominal = vtcFigures(bank, bank.nominalIndex).switchingVolts;
const config = (o: object) => NnadcTrainConfigSchema.parse({ bits: 8, arch: 'two-step', ...o });
const withTrim = trainNnadc(config({ comparatorTrimVolts: trimVolts }), bank);
const withoutTrim = trainNnadc(config({}), bank);

/** Every threshold of every comparator (per coarse state for the fine ones), normalized y. */
function allThresholds(inst: AdcInstance): number[][] {
  const t = adcThresholds(inst);
  return [...Array.from(t.first, (x) => [x]), ...t.fine.map((f, j) => Array.from(t.fineNumeratorByCount[j], (num) => num / f.beta))];
}

test('trim range: a switching-voltage shift of exactly the stated range is undone by the trim rows at their extremes', () => {
  const dev = withTrim.device;
  for (const [si, stage] of withTrim.stages.entries()) {
    const J = stage.columns;
    for (const j of [0, J - 1]) {
      for (const dir of ['raise', 'lower'] as const) {
        const inst = instantiateAdc(withTrim, bank, idealDevices(dev), null, { kind: 'nominal' });
        const before = allThresholds(inst);
        const s = inst.stages[si];
        const g = (line: Float64Array) => stage.inputs.map((_, k) => line[k * J + j]);
        const r = comparatorTrimRange(
          stage.inputs,
          g(s.upperSiemens),
          g(s.lowerSiemens),
          vmNominal,
          withTrim.vddVolts,
          gMinSiemens(dev),
          dev.gMaxSiemens,
        );
        // Independent path: the converter's own threshold form after moving V_M and the trim devices.
        stage.inputs.forEach((inp, k) => {
          if (inp.kind !== 'trim') return;
          s.upperSiemens[k * J + j] = dir === 'raise' ? dev.gMaxSiemens : gMinSiemens(dev);
          s.lowerSiemens[k * J + j] = dir === 'raise' ? gMinSiemens(dev) : dev.gMaxSiemens;
        });
        s.switchingVolts[j] += dir === 'raise' ? r.raiseVolts : -r.lowerVolts;
        const after = allThresholds(inst);
        const row = si === 0 ? j : withTrim.stages[0].columns + j;
        after[row].forEach((y, m) =>
          assert.ok(Math.abs(y - before[row][m]) < 1e-9, `stage ${si} column ${j} ${dir} state ${m}: ${y} vs ${before[row][m]}`),
        );
      }
    }
  }
});

test('trim range: every comparator of an 8-bit two-step design reaches ±4σ of local mismatch, the rows are at G_min, and the bias headroom alone does not', () => {
  const ranges = adcTrimRanges(withTrim, bank);
  for (const r of ranges) {
    assert.ok(r.trimPairs >= 1, `${r.role}: ${r.trimPairs} pairs`);
    assert.ok(r.rangeVolts >= trimVolts, `${r.role}: ${r.rangeVolts} V < ${trimVolts} V`);
  }
  for (const stage of withTrim.stages)
    stage.inputs.forEach((inp, k) => {
      if (inp.kind !== 'trim') return;
      for (let j = 0; j < stage.columns; j++)
        assert.is(stage.upperLevels[k * stage.columns + j] + stage.lowerLevels[k * stage.columns + j], 0);
    });
  assert.equal(
    adcTrimRanges(withoutTrim, bank).map((r) => r.trimPairs),
    [0, 0],
  );
});

/** Instance with programming variation, each comparator's V_M moved by ±3σ (alternating), then write-verified. */
function injected(model: NnadcModel, corner: 'nominal' | number, seed: number): { inst: AdcInstance; designed: number[][] } {
  const device = model.device;
  const rng = new Rng(seed);
  const inst = instantiateAdc(model, bank, device, rng, corner === 'nominal' ? { kind: 'nominal' } : { kind: 'global', corner });
  let n = 0;
  for (const s of inst.stages) for (let j = 0; j < s.stage.columns; j++) s.switchingVolts[j] += (n++ % 2 === 0 ? 3 : -3) * sigmaVolts;
  writeVerifyAdc(inst, model, bank, device, { toleranceLsb: 0.15, maxAttempts: 100 }, rng.fork('verify'));
  const designed = allThresholds(instantiateAdc(model, bank, idealDevices(device), null, { kind: 'nominal' }));
  return { inst, designed };
}

test('write-verify: comparators with an injected ±3σ offset are trimmed back within tolerance (also at the SF corner); without trim rows they are not', () => {
  const lsb = 1 / 255;
  const sf = bank.corners.findIndex((c) => c === 'sf_27c');
  assert.ok(sf >= 0, 'sf_27c in the bank');
  for (const [corner, seed] of [
    ['nominal', 7],
    [sf, 8],
  ] as const) {
    const { inst, designed } = injected(withTrim, corner, seed);
    assert.is(inst.verify!.outOfTolerance, 0, `corner ${corner}`);
    allThresholds(inst).forEach((t, c) => {
      const offset = t.reduce((a, y, m) => a + y - designed[c][m], 0) / t.length;
      assert.ok(Math.abs(offset) <= 0.15 * lsb * (1 + 1e-9), `corner ${corner}, comparator ${c}: offset ${offset / lsb} LSB`);
      t.forEach((y, m) => assert.ok(Math.abs(y - designed[c][m]) <= lsb, `comparator ${c} state ${m}: ${(y - designed[c][m]) / lsb} LSB`));
    });
  }
  // The same die without trim rows: the SF corner's +33 mV and +3σ exceed the one level of bias headroom.
  assert.ok(injected(withoutTrim, sf, 8).inst.verify!.outOfTolerance > 0, 'without trim rows every column was trimmed');
});

test('defaults: no comparatorTrimVolts designs no trim rows (the earlier models); train adc sizes them at 4σ of the committed mismatch', () => {
  const zero = trainNnadc(config({ comparatorTrimVolts: 0 }), bank);
  assert.equal(zero.stages, withoutTrim.stages);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-nnadc-trim-'));
  const r = npim('train', 'adc', '--bits', '5', '--mc', '1', '--corners', 'nominal', '--out', dir, '--quiet');
  assert.is(r.code, 0, r.stderr);
  const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as NnadcModel;
  assert.is(model.config.comparatorTrimVolts, Math.round(trimVolts * 1e4) / 1e4);
  assert.ok(model.stages.every((s) => s.inputs.some((i) => i.kind === 'trim')));
  const reach = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')).evaluation.comparatorTrim as Array<{ rangeVolts: number }>;
  assert.is(reach.length, 2);
  for (const r of reach) assert.ok(r.rangeVolts >= model.config.comparatorTrimVolts!, `reach ${r.rangeVolts}`);
  const off = npim(
    'train',
    'adc',
    '--bits',
    '5',
    '--mc',
    '1',
    '--corners',
    'nominal',
    '--comparator-trim',
    '0',
    '--out',
    path.join(dir, 'off'),
    '--quiet',
  );
  assert.is(off.code, 0, off.stderr);
  const plain = JSON.parse(readFileSync(path.join(dir, 'off', 'model.json'), 'utf8')) as NnadcModel;
  assert.ok(plain.stages.every((s) => s.inputs.every((i) => i.kind !== 'trim')));
  assert.is(JSON.parse(readFileSync(path.join(dir, 'off', 'metrics.json'), 'utf8')).evaluation.comparatorTrim, undefined);
});

test.run();
