import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'npim-eval-adc-'));

function npim(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.is(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `stderr has ${lines.length} lines: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

/** A 6-bit ideal ramp, 32 points per LSB, over [−5 %, 105 %] of [0, 1] V. */
function writeRamp(file: string): void {
  const n = 64 * 32 * 1.1;
  const rows = ['input,code'];
  for (let i = 0; i < n; i++) {
    const v = -0.05 + ((i + 0.5) * 1.1) / n;
    rows.push(`${v},${Math.min(63, Math.max(0, Math.floor(v * 64)))}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

test('bad CSV: exit 2, one stderr line naming the line', () => {
  const bad = path.join(work, 'bad.csv');
  writeFileSync(bad, 'input,code\n0.1,3\n0.2,x\n');
  oneLineError(npim('eval', 'adc', bad), /bad\.csv line 3: code must be an integer, got 'x'/);
});

test('--bits 0: exit 2, one stderr line naming --bits', () => {
  const good = path.join(work, 'ramp.csv');
  writeRamp(good);
  oneLineError(npim('eval', 'adc', good, '--bits', '0'), /--bits.*1\.\.16, got 0/);
});

test('a model directory of another kind: exit 2, one line naming the kind', () => {
  const dir = path.join(work, 'nnsa-model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ kind: 'nnsa' }));
  oneLineError(npim('eval', 'adc', dir), /not an NNADC model: model\.json has kind 'nnsa'/);
  const empty = path.join(work, 'empty');
  mkdirSync(empty, { recursive: true });
  oneLineError(npim('eval', 'adc', empty), /not an NNADC model directory: no model\.json/);
});

test('a good CSV: --json metrics of an ideal 6-bit converter, and --out writes metrics and plots', () => {
  const good = path.join(work, 'ramp.csv');
  writeRamp(good);
  const out = path.join(work, 'out');
  const r = npim('--json', 'eval', 'adc', good, '--bits', '6', '--vmax', '1', '--out', out);
  assert.is(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.ok(Math.abs(m.sine.enobBits - 6) < 0.05, `ENOB ${m.sine.enobBits}`);
  assert.equal(m.linearity.missingCodes, []);
  assert.ok(Math.abs(m.linearity.dnlMaxLsb) <= 1 / 32 + 1e-9);
  assert.is(m.linearity.perCode.dnlLsb[0], null); // end codes have no DNL
  for (const f of ['metrics.json', 'transfer.svg', 'dnl-inl.svg']) assert.ok(existsSync(path.join(out, f)), f);
  assert.ok(readFileSync(path.join(out, 'dnl-inl.svg'), 'utf8').startsWith('<svg'));
  assert.is(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).sine.enobBits, m.sine.enobBits);
});

test('an NNADC model with --mc and --write-verify: every Monte Carlo entry says how it was programmed, and the plot shows each draw', () => {
  const out = path.join(work, 'mc');
  const r = npim(
    '--json',
    'eval',
    'adc',
    'models/nnadc-8b-r1',
    '--mc',
    '3',
    '--corners',
    'nominal',
    '--write-verify',
    '0.15',
    '--out',
    out,
  );
  assert.is(r.code, 0, r.stderr);
  const entries: Array<{ programming: string; draws: number; perDrawEnobBits: number[]; meanEnobBits: number; writeVerify?: unknown }> =
    JSON.parse(r.stdout).monteCarlo.monteCarlo;
  assert.equal(
    entries.map((e) => e.programming),
    ['as-programmed', 'write-verified'],
  );
  for (const e of entries) {
    assert.is(e.perDrawEnobBits.length, e.draws);
    const mean = e.perDrawEnobBits.reduce((a, b) => a + b, 0) / e.draws;
    assert.ok(Math.abs(mean - e.meanEnobBits) < 1e-12, `mean of the draws ${mean} vs ${e.meanEnobBits}`);
    assert.is(e.writeVerify !== undefined, e.programming === 'write-verified');
  }
  // Write-verify is what makes the converter usable at σ = 0.025 (docs/reference.md §2.6).
  assert.ok(entries[1].meanEnobBits > entries[0].meanEnobBits + 2, `${entries[1].meanEnobBits} vs ${entries[0].meanEnobBits}`);
  const svg = readFileSync(path.join(out, 'monte-carlo.svg'), 'utf8');
  for (const label of ['as-programmed', 'write-verified', 'reference design']) assert.ok(svg.includes(label), label);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
