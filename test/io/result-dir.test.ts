/** Results in --out: written as a unit, one writer at a time, nothing left by an interruption. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/io/files.ts';
import { withResultDir } from '../../src/io/result-dir.ts';
import { UserError } from '../../src/core/errors.ts';
import { ROOT, npimHere } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-result-dir-'));

function freshOut(name: string): string {
  const out = path.join(work, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'model.json'), 'old model\n');
  writeFileSync(path.join(out, 'metrics.json'), 'old metrics\n');
  return out;
}

const read = (out: string, f: string) => readFileSync(path.join(out, f), 'utf8');

test('staged writes appear together at the end, and nothing of the run remains', async () => {
  const out = freshOut('unit');
  await withResultDir(out, { stage: true }, async () => {
    await writeFileAtomic(path.join(out, 'model.json'), 'new model\n');
    await writeFileAtomic(path.join(out, 'sub', 'plot.svg'), '<svg/>');
    // Not in place before the commit: a reader still sees the old pair.
    assert.is(read(out, 'model.json'), 'old model\n');
    assert.not.ok(existsSync(path.join(out, 'sub')));
    await writeFileAtomic(path.join(out, 'metrics.json'), 'new metrics\n');
  });
  assert.is(read(out, 'model.json'), 'new model\n');
  assert.is(read(out, 'metrics.json'), 'new metrics\n');
  assert.is(read(out, 'sub/plot.svg'), '<svg/>');
  assert.equal(readdirSync(out).sort(), ['metrics.json', 'model.json', 'sub']);
});

test('a run that fails leaves the old results untouched and no staging', async () => {
  const out = freshOut('fails');
  try {
    await withResultDir(out, { stage: true }, async () => {
      await writeFileAtomic(path.join(out, 'model.json'), 'new model\n');
      throw new UserError('evaluation failed');
    });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, UserError);
  }
  assert.is(read(out, 'model.json'), 'old model\n');
  assert.equal(readdirSync(out).sort(), ['metrics.json', 'model.json']);
});

test('a second writer of the same --out fails at once', async () => {
  const out = freshOut('lock');
  let release: () => void = () => undefined;
  const first = withResultDir(out, { stage: true }, () => new Promise<void>((r) => (release = r)));
  await new Promise((r) => setTimeout(r, 10));
  try {
    await withResultDir(out, { stage: true }, async () => undefined);
    assert.unreachable('the second writer ran');
  } catch (e) {
    assert.match((e as Error).message, /is being written by another npim process \(pid \d+\)/);
  }
  release();
  await first;
  await withResultDir(out, { stage: true }, async () => undefined); // free again
});

test('the next writer rolls forward a commit killed half-way and sweeps what dead processes left', async () => {
  const out = freshOut('recover');
  const deadPid = 2 ** 22 + 12345; // above the default pid_max: no such process
  const staging = path.join(out, `.npim-staging-${deadPid}`);
  mkdirSync(staging);
  writeFileSync(path.join(staging, 'metrics.json'), 'new metrics\n');
  // model.json was already renamed when the process died; metrics.json was not.
  writeFileSync(path.join(out, 'model.json'), 'new model\n');
  writeFileSync(
    path.join(out, '.npim-commit.json'),
    JSON.stringify([
      [path.join(staging, 'model.json'), path.join(out, 'model.json')],
      [path.join(staging, 'metrics.json'), path.join(out, 'metrics.json')],
    ]),
  );
  writeFileSync(path.join(out, `.results.json.tmp-${deadPid}-1`), 'half');
  writeFileSync(path.join(out, '.npim.lock'), `${deadPid}\n`); // stale lock
  await withResultDir(out, { stage: true }, async () => undefined);
  assert.is(read(out, 'model.json'), 'new model\n');
  assert.is(read(out, 'metrics.json'), 'new metrics\n');
  assert.equal(readdirSync(out).sort(), ['metrics.json', 'model.json']);
});

/** Starts `npim args…` in a child process; `started` resolves when `ready()` holds. */
function startNpim(args: string[], ready: () => boolean) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(code ?? (signal === 'SIGKILL' ? -9 : null))));
  const started = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (ready()) {
        clearInterval(t);
        resolve();
      }
    }, 20);
    void exited.then(() => {
      clearInterval(t);
      reject(new Error(`npim exited before it was ready: ${stderr}`));
    });
  });
  return { child, started, exited, stderr: () => stderr };
}

test('CLI: a second writer fails at once; SIGINT and SIGKILL leave the old results, the next run completes', async () => {
  const out = freshOut('cli');
  const staged = () => readdirSync(out).some((f) => f.startsWith('.npim-staging-'));
  const args = ['simulate', '--dataflow', 'isaac', '--samples', '400', '--mc', '4', '--out', out];
  // SIGINT while simulating: exit 130, old files as they were, no staging, no lock.
  const a = startNpim(args, staged);
  await a.started;
  const second = await npimHere(['cost', '--workload', 'mnist', '--out', out]);
  assert.is(second.code, 2, second.stderr);
  assert.match(second.stderr, /is being written by another npim process/);
  a.child.kill('SIGINT');
  assert.is(await a.exited, 130, a.stderr());
  assert.equal(readdirSync(out).sort(), ['metrics.json', 'model.json']);
  // SIGKILL: the staging folder and lock stay behind until the next writer sweeps them.
  const b = startNpim(args, staged);
  await b.started;
  b.child.kill('SIGKILL');
  await b.exited;
  assert.is(read(out, 'model.json'), 'old model\n');
  assert.not.ok(existsSync(path.join(out, 'results.json')));
  const done = await npimHere(['cost', '--workload', 'mnist', '--out', out]);
  assert.is(done.code, 0, done.stderr);
  assert.equal(readdirSync(out).sort(), ['cost.json', 'cost.md', 'energy-breakdown.svg', 'metrics.json', 'model.json']);
});

test('CLI: train sa and train adc interrupted mid-work leave the old model and metrics; the next run writes both', async () => {
  const out = freshOut('train');
  const staged = () => readdirSync(out).some((f) => f.startsWith('.npim-staging-'));
  const a = startNpim(['train', 'sa', '--steps-scale', '0.02', '--mc', '0', '--out', out], staged);
  await a.started;
  await new Promise((r) => setTimeout(r, 300)); // inside the training
  a.child.kill('SIGINT');
  assert.is(await a.exited, 130, a.stderr());
  // Beside the old results, at most the training checkpoint that --resume continues from.
  const results = () => readdirSync(out).filter((f) => f !== '.npim-checkpoint-train-sa.json');
  assert.equal(results().sort(), ['metrics.json', 'model.json']);
  assert.is(read(out, 'model.json'), 'old model\n');
  const adc = ['train', 'adc', '--mc', '1', '--corners', 'nominal', '--out', out];
  const b = startNpim(adc, staged);
  await b.started;
  b.child.kill('SIGKILL');
  await b.exited;
  assert.is(read(out, 'model.json'), 'old model\n');
  assert.is(read(out, 'metrics.json'), 'old metrics\n');
  const done = await npimHere(adc);
  assert.is(done.code, 0, done.stderr);
  assert.equal(results().sort(), ['dnl-inl.svg', 'metrics.json', 'model.json', 'monte-carlo.svg', 'transfer.svg']);
  assert.is(JSON.parse(read(out, 'model.json')).kind, 'nnadc');
  assert.ok(JSON.parse(read(out, 'metrics.json')).evaluation, 'metrics of the new model');
});

test('CLI: export interrupted (SIGINT, SIGKILL) leaves the old file; the next export sweeps what the killed one left', async () => {
  const dir = path.join(work, 'export');
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'map.csv');
  writeFileSync(target, 'old map\n');
  const temporary = () => readdirSync(dir).some((f) => f.startsWith('.map.csv.tmp-'));
  // A large weight map (the MLP with programming variation, about 180 MB of CSV) is still being
  // written when the signal comes.
  const args = ['export', 'models/mlp-mnist', '--format', 'csv', '--out', target];
  const a = startNpim(args, temporary);
  await a.started;
  a.child.kill('SIGINT');
  assert.is(await a.exited, 130, a.stderr());
  assert.equal(readdirSync(dir), ['map.csv']);
  assert.is(read(dir, 'map.csv'), 'old map\n');
  const b = startNpim(args, temporary);
  await b.started;
  b.child.kill('SIGKILL');
  await b.exited;
  assert.is(read(dir, 'map.csv'), 'old map\n');
  assert.ok(temporary(), 'SIGKILL leaves its temporary file');
  const done = await npimHere(['export', 'models/nnadc-8b-r1', '--format', 'csv', '--out', target]);
  assert.is(done.code, 0, done.stderr);
  assert.equal(readdirSync(dir), ['map.csv']);
  assert.match(read(dir, 'map.csv'), /nnadc/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
