import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ngspiceVersion } from '../../src/io/ngspice.ts';
import { smallAdc, syntheticNnsa, writeModelDir } from '../spice/fixtures.ts';
import { ROOT, npimHere, npimIn } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-spice-cli-'));
const hasNgspice = ngspiceVersion() !== null;
if (!hasNgspice) console.log('note: ngspice is not installed; skipping the spice verify runs (CI installs it)');

/** Runs `node bin/npim.js args…` in a child process in the test's work directory. */
const npim = (args: string[], env: NodeJS.ProcessEnv = {}) => npimIn(work, args, env);

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, code = 2): void {
  assert.is(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `stderr has ${lines.length} lines: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

const adcDir = await writeModelDir(path.join(work, 'adc'), smallAdc('flash', 4, 1));
const saDir = await writeModelDir(path.join(work, 'sa'), syntheticNnsa(0));

test('spice verify on a 4-bit NNADC: exit 0, ≥ 99 % code agreement, netlist, data and spice-verify.json kept with --out', () => {
  if (!hasNgspice) return;
  const out = path.join(work, 'verify-adc');
  const r = npim(['spice', 'verify', adcDir, '--points', '600', '--out', out, '--json']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    kind: string;
    pass: boolean;
    agreement: { fraction: number; points: number };
    enob: { differenceBits: number };
  };
  assert.is(report.kind, 'nnadc');
  assert.ok(report.pass);
  assert.is(report.agreement.points, 600);
  assert.ok(report.agreement.fraction >= 0.99);
  assert.ok(Math.abs(report.enob.differenceBits) <= 0.2);
  for (const f of ['nnadc.cir', 'nnadc.data', 'spice-verify.json']) assert.ok(existsSync(path.join(out, f)), f);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'spice-verify.json'), 'utf8')).agreement, report.agreement);
});

test('spice verify on a short sweep of the shipped 8-bit NNADC: all codes agree, so it passes (ENOB compared at the same points)', async () => {
  if (!hasNgspice) return;
  const r = await npimHere(['--json', 'spice', 'verify', path.join(ROOT, 'models', 'nnadc-8b-r1'), '--points', '64']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { pass: boolean; agreement: { fraction: number }; enob: { spiceBits: number; modelBits: number } };
  assert.is(report.agreement.fraction, 1);
  assert.ok(report.pass);
  // 64 points cannot measure an 8-bit converter's ENOB; the comparison still holds because it is like for like.
  assert.ok(report.enob.modelBits - report.enob.spiceBits > 1);
});

test('spice verify on an NNS+A: text report with the output error; exit 1 when the tolerance is not met', async () => {
  if (!hasNgspice) return;
  const ok = await npimHere(['spice', 'verify', saDir, '--points', '25', '--corner', 'ff_m40c']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /25 operating points: max \|ΔV\(P - N\)\| [\d.]+ mV/);
  assert.match(ok.stdout, /corner ff_m40c/);
  assert.match(ok.stdout, /PASS/);
  // A tolerance no simulator meets: the run completes, the report says FAIL, exit code 1.
  const strict = await npimHere(['spice', 'verify', saDir, '--points', '25', '--tolerance-mv', '1e-9']);
  oneLineError(strict, /does not meet the acceptance criteria: max \|ΔV\(P - N\)\|/, 1);
  assert.match(strict.stdout, /FAIL/);
});

test('spice verify: bad input and a missing ngspice are one-line errors with exit 2', async () => {
  oneLineError(
    npim(['spice', 'verify', adcDir], { NPIM_NGSPICE: path.join(work, 'no-such-ngspice') }),
    /ngspice is not installed .*apt-get install -y ngspice/,
  );
  oneLineError(await npimHere(['spice', 'verify', adcDir, '--corner', 'tt_1000c']), /unknown corner 'tt_1000c'/);
  oneLineError(await npimHere(['spice', 'verify', path.join(ROOT, 'models', 'mlp-mnist')]), /holds a DNN/);
  oneLineError(await npimHere(['spice', 'verify', path.join(work, 'missing')]), /model directory not found/);
  oneLineError(await npimHere(['spice', 'verify', adcDir, '--points', 'many']), /--points expects a number/);
  oneLineError(await npimHere(['spice', 'verify', adcDir, '--tolerance-mv', '2']), /--tolerance-mv applies to NNS\+A models only/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
