/**
 * Local inverter mismatch: the ngspice Monte Carlo (`characterize inverter --mismatch`) follows
 * Pelgrom's 1/√(W·L) and reproduces the corner bank without mismatch; the die-mismatch corner mode
 * with a zero spread is the global (one corner per die) mode exactly; a drawn VTC shift moves V_M
 * and the gain as asked.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { characterizeInverterMismatch } from '../../src/app/characterize.ts';
import { PELGROM_130NM, mismatchBank, mismatchedVtcRow, type MismatchSpread } from '../../src/circuits/inverter-mismatch.ts';
import { forwardNetwork, instantiateNetwork } from '../../src/circuits/network.ts';
import { compileNetwork, forwardCompiledReference } from '../../src/circuits/network-fast.ts';
import { evaluateNnsa } from '../../src/circuits/nnsa/evaluate.ts';
import { NnsaModelSchema } from '../../src/circuits/nnsa/config.ts';
import { NnadcModelSchema } from '../../src/circuits/nnadc/config.ts';
import { instantiateAdc } from '../../src/circuits/nnadc/model.ts';
import { sampleNnsaBatch } from '../../src/circuits/nnsa/dataset.ts';
import { bankFromJson } from '../../src/circuits/approximator-model.ts';
import { vtcFigures } from '../../src/circuits/vtc.ts';
import { loadInverterMismatch, loadVtcBank } from '../../src/data/vtc-bank.ts';
import { readApproximatorModel } from '../../src/io/approximator-model.ts';
import { ngspiceVersion } from '../../src/io/ngspice.ts';
import { MODELS_DIR } from '../../src/core/paths.ts';
import { Rng } from '../../src/core/rng.ts';

const version = ngspiceVersion();
if (!version) console.log('note: ngspice is not installed; skipping the mismatch Monte Carlo tests (CI installs it)');

/** A zero spread: no local mismatch at all. */
const NONE: MismatchSpread = { switchingShift: { meanVolts: 0, sigmaVolts: 0 }, gainRatio: { mean: 1, sigma: 0 }, correlation: 0 };

const withTmp = async <T>(f: (dir: string) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-mismatch-test-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('ngspice Monte Carlo: σ(ΔV_M) scales as 1/√(W·L) when the transistor widths or lengths are scaled', async () => {
  if (!version) return;
  const run = (widthScale: number, lengthScale = 1) =>
    withTmp((dir) =>
      characterizeInverterMismatch(
        { samples: 40, seed: 3, pelgrom: PELGROM_130NM, widthScale, lengthScale, stepVolts: 0.001, version },
        dir,
      ),
    );
  const small = (await run(1)).mismatch;
  const large = (await run(4)).mismatch;
  // W·L × 4: Pelgrom halves every device σ, and (the same standard normals) the V_M spread with it.
  assert.ok(Math.abs(small.deviceSigmas.vthNmosVolts / large.deviceSigmas.vthNmosVolts - 2) < 1e-12);
  const ratio = small.switchingShift.sigmaVolts / large.switchingShift.sigmaVolts;
  assert.ok(Math.abs(ratio - 2) < 0.1, `σ(ΔV_M) ratio ${ratio.toFixed(3)} for 4× the area, expected 2`);
  // A physical spread: several mV for minimum-size devices with A_VT of a few mV·µm.
  assert.ok(small.switchingShift.sigmaVolts > 0.005 && small.switchingShift.sigmaVolts < 0.03, `σ ${small.switchingShift.sigmaVolts}`);
  assert.ok(small.gainRatio.sigma > 0);
  // The same area through W and L × 2 (W/L kept): the same 1/√(W·L) law, within what the longer
  // channel's own VTC changes; the long-channel inverter's gain rises (less channel-length modulation).
  const long = (await run(2, 2)).mismatch;
  const longRatio = small.switchingShift.sigmaVolts / long.switchingShift.sigmaVolts;
  assert.ok(Math.abs(longRatio - 2) < 0.2, `σ(ΔV_M) ratio ${longRatio.toFixed(3)} for W and L × 2, expected about 2`);
  assert.ok(long.nominal.peakGain > 2 * small.nominal.peakGain, `gain ${long.nominal.peakGain} vs ${small.nominal.peakGain}`);
});

test('ngspice Monte Carlo with A_VT = A_β = 0 reproduces the corner bank exactly', async () => {
  if (!version) return;
  const zero = { aVtNmosMillivoltMicron: 0, aVtPmosMillivoltMicron: 0, aBetaPercentMicron: 0 };
  const { mismatch, curves } = await withTmp((dir) =>
    characterizeInverterMismatch({ samples: 4, seed: 1, pelgrom: zero, widthScale: 1, stepVolts: 0.001, version }, dir),
  );
  const bank = await loadVtcBank();
  const P = bank.grid.points;
  const row = bank.table.subarray(bank.nominalIndex * P, (bank.nominalIndex + 1) * P);
  for (const c of curves) {
    assert.is(c.voutVolts.length, P);
    // bank.csv holds 6 decimals (and float32): equal to its rounding.
    for (let i = 0; i < P; i++) assert.ok(Math.abs(c.voutVolts[i] - row[i]) <= 6e-7, `${c.name} at ${i}: ${c.voutVolts[i]} vs ${row[i]}`);
  }
  assert.equal(
    mismatch.draws,
    Array.from({ length: 4 }, () => ({ switchingShiftVolts: 0, gainRatio: 1 })),
  );
  assert.is(mismatch.switchingShift.sigmaVolts, 0);
  assert.is(mismatch.gainRatio.sigma, 0);
  assert.ok(Math.abs(mismatch.nominal.switchingVolts - vtcFigures(bank, bank.nominalIndex).switchingVolts) < 1e-6);
});

test('a VTC shift moves the switching voltage and scales the peak gain as drawn; no shift is the corner itself', async () => {
  const bank = await loadVtcBank();
  for (const corner of [bank.nominalIndex, bank.corners.indexOf('fs_m40c'), bank.corners.indexOf('sf_85c')]) {
    const base = vtcFigures(bank, corner);
    for (const shift of [
      { switchingShiftVolts: 0.015, gainRatio: 1 },
      { switchingShiftVolts: -0.02, gainRatio: 0.95 },
      { switchingShiftVolts: 0.005, gainRatio: 1.04 },
    ]) {
      const moved = vtcFigures(mismatchBank(bank, [corner], [shift]), 0);
      assert.ok(Math.abs(moved.switchingVolts - base.switchingVolts - shift.switchingShiftVolts) < 2e-4, `V_M ${moved.switchingVolts}`);
      assert.ok(Math.abs(moved.peakGain / base.peakGain - shift.gainRatio) < 0.01, `gain ratio ${moved.peakGain / base.peakGain}`);
    }
    const same = mismatchedVtcRow(bank, corner, { switchingShiftVolts: 0, gainRatio: 1 });
    assert.equal(Array.from(same), Array.from(bank.table.subarray(corner * bank.grid.points, (corner + 1) * bank.grid.points)));
  }
});

test('die-mismatch with a zero spread is one corner per die exactly (NNS+A instance, compiled pass, evaluation; NNADC)', async () => {
  const model = await readApproximatorModel(path.join(MODELS_DIR, 'nnsa-d4'), 'nnsa', NnsaModelSchema);
  const bank = bankFromJson(model.vtcBank);
  const corner = bank.corners.indexOf('sf_m40c');
  const device = model.network.device;
  const a = instantiateNetwork(model.network, bank, device, new Rng(5), { kind: 'global', corner });
  const b = instantiateNetwork(model.network, bank, device, new Rng(5), { kind: 'die-mismatch', corner, mismatch: NONE });
  assert.ok(b.vtcBank, 'a die-mismatch instance carries its own VTCs');
  assert.is(b.replicaVolts, a.replicaVolts);
  const data = sampleNnsaBatch(new Rng(2), 256, model.dacBits, 0);
  assert.equal(forwardNetwork(b, bank, data.upper, data.lower, 256).at(-1), forwardNetwork(a, bank, data.upper, data.lower, 256).at(-1));
  assert.equal(
    forwardCompiledReference(compileNetwork(b, bank), data.upper, data.lower, 256),
    forwardCompiledReference(compileNetwork(a, bank), data.upper, data.lower, 256),
  );
  const o = { dacBits: model.dacBits, points: 256, nominalPoints: 256, draws: 3, device, seed: 4, sequences: 64, mismatch: NONE };
  const [g, m] = evaluateNnsa(model.network, bank, { ...o, cornerModes: ['global', 'die-mismatch'] }).monteCarlo;
  assert.equal({ ...m, corners: 'global' }, g);
  // With the characterized spread the same dies err more.
  const shipped = await loadInverterMismatch();
  const [, real] = evaluateNnsa(model.network, bank, { ...o, mismatch: shipped, cornerModes: ['global', 'die-mismatch'] }).monteCarlo;
  assert.ok(real.meanRmsVolts > g.meanRmsVolts);

  const adc = await readApproximatorModel(path.join(MODELS_DIR, 'nnadc-8b-r1'), 'nnadc', NnadcModelSchema);
  const adcBank = bankFromJson(adc.vtcBank);
  const ga = instantiateAdc(adc, adcBank, adc.device, new Rng(6), { kind: 'global', corner });
  const ma = instantiateAdc(adc, adcBank, adc.device, new Rng(6), { kind: 'die-mismatch', corner, mismatch: NONE });
  assert.equal(ma, ga);
  const mr = instantiateAdc(adc, adcBank, adc.device, new Rng(6), { kind: 'die-mismatch', corner, mismatch: shipped });
  assert.equal(mr.stages[0].upperSiemens, ga.stages[0].upperSiemens);
  assert.not.equal(mr.stages[0].switchingVolts, ga.stages[0].switchingVolts);
});

test('the shipped mismatch distribution: 1000 ngspice inverters at tt_27c, σ(ΔV_M) of about 12 mV', async () => {
  const m = await loadInverterMismatch();
  assert.is(m.corner, 'tt_27c');
  assert.is(m.draws.length, m.samples);
  assert.ok(m.switchingShift.sigmaVolts > 0.008 && m.switchingShift.sigmaVolts < 0.02);
});

test.run();
