/** train sa --resume: an interrupted training continues from its checkpoint to the uninterrupted model. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, npimHere } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-resume-'));
// Three gradient phases (float, one freeze stage, final) and one refinement sweep: seconds, not minutes.
const config = path.join(work, 'tiny.json');
writeFileSync(
  config,
  JSON.stringify({ floatSteps: 60, stageSteps: 20, freezeSchedule: [0.5], batchSize: 64, refine: { sweeps: 1, chips: 1, batch: 128 } }),
);
const CHECKPOINT = '.npim-checkpoint-train-sa.json';
const args = (out: string) => ['train', 'sa', '--config', config, '--mc', '0', '--points', '64', '--nominal-points', '256', '--out', out];

test('killed after its first phase, train sa --resume writes the model of an uninterrupted run, byte for byte', async () => {
  const whole = path.join(work, 'whole');
  const full = await npimHere(args(whole));
  assert.is(full.code, 0, full.stderr);
  assert.not.ok(existsSync(path.join(whole, CHECKPOINT)), 'a completed run leaves no checkpoint');

  const cut = path.join(work, 'cut');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), ...args(cut)], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (existsSync(path.join(cut, CHECKPOINT))) {
        clearInterval(t);
        resolve();
      }
    }, 5);
    void exited.then(() => {
      clearInterval(t);
      reject(new Error('train sa ended before its first checkpoint'));
    });
  });
  child.kill('SIGKILL');
  await exited;
  assert.not.ok(existsSync(path.join(cut, 'model.json')), 'the killed run wrote no model');
  const phases = JSON.parse(readFileSync(path.join(cut, CHECKPOINT), 'utf8')).checkpoint.phasesDone as number;
  assert.ok(phases >= 1 && phases < 4, `checkpoint after phase ${phases}`);

  const resumed = await npimHere([...args(cut), '--resume']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.is(readFileSync(path.join(cut, 'model.json'), 'utf8'), readFileSync(path.join(whole, 'model.json'), 'utf8'));
  assert.is(readFileSync(path.join(cut, 'metrics.json'), 'utf8'), readFileSync(path.join(whole, 'metrics.json'), 'utf8'));
  assert.not.ok(existsSync(path.join(cut, CHECKPOINT)));
});

test('--resume refuses a checkpoint of another configuration', async () => {
  const out = path.join(work, 'other');
  const other = path.join(work, 'other.json');
  writeFileSync(
    other,
    JSON.stringify({ floatSteps: 61, stageSteps: 20, freezeSchedule: [0.5], batchSize: 64, refine: { sweeps: 1, chips: 1, batch: 128 } }),
  );
  const fake = { identity: 'not this run', checkpoint: { phasesDone: 1 } };
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, CHECKPOINT), JSON.stringify(fake));
  const r = await npimHere(['train', 'sa', '--config', other, '--mc', '0', '--out', out, '--resume']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /--resume: the checkpoint in .* is of another training configuration/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
