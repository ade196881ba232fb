/**
 * `npim sweep`: a study split into any number of shards, run in any order (in this process, as
 * child processes, after a SIGKILLed attempt), merges into exactly the files `npim simulate` writes
 * for the same study and seed (timing fields aside); merge refuses missing, foreign and stale
 * inputs; bad studies are one-line errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, assertOneLineError, npimHere, npimIn } from '../helpers/cli.ts';
import { shardIndexFrom } from '../../src/cli/sweep.ts';
import { slurmScripts } from '../../src/sweep/slurm.ts';
import { planItems, shardRanges } from '../../src/sweep/plan.ts';
import { drawSeedOf } from '../../src/mapping/dnn-weights.ts';

const MODEL = path.join(ROOT, 'models', 'mlp-mnist');
/** 5 runs (isaac, ideal, isaac at two σ, one injected SINAD) × 2 draws on 24 images. */
const STUDY = {
  model: MODEL,
  samples: 24,
  dataflows: ['isaac', 'ideal'],
  sigma: 0.05,
  sigmaSweep: [0.02, 0.1],
  sinadSweep: [25],
  draws: 2,
  seed: 11,
};
const SIMULATE = [
  '--model',
  MODEL,
  '--dataflow',
  'isaac,ideal',
  '--sigma',
  '0.05',
  '--sigma-sweep',
  '0.02,0.1',
  '--sinad-sweep',
  '25',
  '--mc',
  '2',
  '--seed',
  '11',
  '--samples',
  '24',
];
const FILES = ['results.json', 'results.md', 'accuracy-vs-sigma.svg', 'accuracy-vs-sinad.svg'];

let tmp = '';
let studyFile = '';
const reference = new Map<string, string>();

/** A report file with its timing fields (which differ from run to run) zeroed. */
async function untimed(file: string): Promise<string> {
  return (await fs.readFile(file, 'utf8')).replace(/"(wallSeconds|hardwareSeconds)": [-+\d.e]+/g, '"$1": 0');
}

async function assertSameAsSimulate(dir: string): Promise<void> {
  for (const f of FILES) assert.ok((await untimed(path.join(dir, f))) === reference.get(f), `${f} of ${dir} differs from npim simulate's`);
}

async function plan(name: string, shards: number, file = studyFile): Promise<string> {
  const dir = path.join(tmp, name);
  const r = await npimHere(['sweep', 'plan', file, '--shards', String(shards), '--out', dir]);
  assert.is(r.code, 0, r.stderr);
  return dir;
}

async function runShards(dir: string, order: number[]): Promise<void> {
  for (const i of order) {
    const r = await npimHere(['sweep', 'run', dir, '--shard', String(i)]);
    assert.is(r.code, 0, r.stderr);
  }
}

test.before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-sweep-'));
  studyFile = path.join(tmp, 'study.json');
  await fs.writeFile(studyFile, JSON.stringify(STUDY));
  const r = await npimHere(['simulate', ...SIMULATE, '--out', path.join(tmp, 'unsharded')]);
  assert.is(r.code, 0, r.stderr);
  for (const f of FILES) reference.set(f, await untimed(path.join(tmp, 'unsharded', f)));
});

test.after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

test('items are unit × draw with the draw seeds of npim simulate; shards cover them once', () => {
  const items = planItems(3, 4, 7);
  assert.is(items.length, 12);
  assert.equal(
    items.map((i) => [i.unit, i.draw]),
    [0, 1, 2].flatMap((u) => [0, 1, 2, 3].map((d) => [u, d])),
  );
  for (const i of items) assert.is(i.drawSeed, drawSeedOf(7, i.draw));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), (n, shards) => {
      const r = shardRanges(n, Math.min(n, shards));
      assert.is(r[0].first, 0);
      assert.is(r.at(-1)!.end, n);
      for (let k = 1; k < r.length; k++) assert.is(r[k].first, r[k - 1].end);
      for (const s of r) assert.ok(s.end - s.first >= Math.floor(n / r.length) && s.end - s.first <= Math.ceil(n / r.length));
    }),
  );
});

test('property: any shard count, shards run in any order, merges into npim simulate byte for byte', async () => {
  let trial = 0;
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 5 })
        .chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))),
      async ([n, order]) => {
        const dir = await plan(`trial-${trial++}`, n);
        await runShards(dir, order);
        const m = await npimHere(['sweep', 'merge', dir]);
        assert.is(m.code, 0, m.stderr);
        await assertSameAsSimulate(dir);
      },
    ),
    { numRuns: 3, seed: 17 },
  );
});

test('a shard SIGKILLed midway leaves no result; sweep local reruns it; a finished shard is not rerun', async () => {
  const dir = await plan('killed', 3);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), 'sweep', 'run', dir, '--shard', '1'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Killed once it is running its first item (after start-up, before its result can exist).
  const killed = await new Promise<boolean>((resolve) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += String(chunk);
      if (/shard 1: .*draw/.test(err) && child.kill('SIGKILL')) resolve(true);
    });
    child.on('exit', () => resolve(false));
  });
  assert.ok(killed, 'the shard was killed while running');
  assert.not.ok(existsSync(path.join(dir, 'shards', 'shard-1.json')));
  const r = npimIn(ROOT, ['--quiet', 'sweep', 'local', dir, '--jobs', '2']);
  assert.is(r.code, 0, r.stderr);
  await assertSameAsSimulate(dir);
  const file = path.join(dir, 'shards', 'shard-0.json');
  const before = (await fs.stat(file)).mtimeMs;
  const again = await npimHere(['sweep', 'run', dir, '--shard', '0']);
  assert.is(again.code, 0);
  assert.match(again.stdout, /already done/);
  assert.is((await fs.stat(file)).mtimeMs, before);
});

test('merge refuses a missing shard, a foreign shard, and a model changed after planning', async () => {
  const dir = await plan('refusals', 2);
  await runShards(dir, [0]);
  assertOneLineError(await npimHere(['sweep', 'merge', dir]), /shard 1 missing: .*shard-1\.json/);
  // A shard of another plan of the same study (different shard count) under this plan's name.
  const other = await plan('other', 3);
  await runShards(other, [1]);
  await fs.copyFile(path.join(other, 'shards', 'shard-1.json'), path.join(dir, 'shards', 'shard-1.json'));
  assertOneLineError(await npimHere(['sweep', 'merge', dir]), /shard 1 \(.*shard-1\.json\) belongs to another plan/);
  await fs.rm(path.join(dir, 'shards', 'shard-1.json'));
  await runShards(dir, [1]);
  assert.is((await npimHere(['sweep', 'merge', dir])).code, 0);

  // Model changed after planning: plan on a copy of the model, then touch its weights.
  const model = path.join(tmp, 'model-copy');
  await fs.cp(MODEL, model, { recursive: true });
  const study = path.join(tmp, 'study-copy.json');
  await fs.writeFile(study, JSON.stringify({ ...STUDY, model }));
  const stale = await plan('stale', 2, study);
  await runShards(stale, [0, 1]);
  await fs.rm(path.join(stale, 'shards', 'shard-1.json'));
  const weights = (await fs.readdir(model)).find((f) => f.endsWith('.bin'))!;
  const bytes = await fs.readFile(path.join(model, weights));
  bytes[0] ^= 1;
  await fs.writeFile(path.join(model, weights), bytes);
  assertOneLineError(await npimHere(['sweep', 'merge', stale]), new RegExp(`model file .*${weights} changed since the plan was made`));
  assertOneLineError(
    await npimHere(['sweep', 'run', stale, '--shard', '1']),
    new RegExp(`model file .*${weights} changed since the plan was made`),
  );
});

test('bad studies and options are one-line errors with exit code 2', async () => {
  const bad = async (study: unknown, pattern: RegExp): Promise<void> => {
    const file = path.join(tmp, 'bad.json');
    await fs.writeFile(file, typeof study === 'string' ? study : JSON.stringify(study));
    assertOneLineError(await npimHere(['sweep', 'plan', file, '--shards', '2', '--out', path.join(tmp, 'bad')]), pattern);
  };
  await bad({ ...STUDY, sigmas: [0.1] }, /sigmas/);
  await bad({ ...STUDY, draws: 0 }, /draws/);
  await bad({ ...STUDY, dataflows: ['isaac', 'tpu'] }, /dataflows/);
  await bad({ ...STUDY, sigmaSweep: [0.1, 'x'] }, /sigmaSweep/);
  await bad('{"model": ', /not valid JSON/);
  await bad({ ...STUDY, preset: 'nope' }, /nope/);
  assertOneLineError(
    await npimHere(['sweep', 'plan', studyFile, '--shards', '11', '--out', path.join(tmp, 'bad')]),
    /more than the study's 10 items/,
  );
  assertOneLineError(
    await npimHere(['sweep', 'plan', path.join(tmp, 'missing.json'), '--shards', '2', '--out', tmp]),
    /study file not found/,
  );
  assertOneLineError(await npimHere(['sweep', 'run', path.join(tmp, 'nowhere'), '--shard', '0']), /sweep plan not found/);
  const dir = await plan('options', 2);
  assertOneLineError(await npimHere(['sweep', 'run', dir, '--shard', '2']), /shard 2 is not in the plan/);
  assertOneLineError(await npimHere(['sweep', 'slurm', dir, '--time', '2 hours']), /--time/);
});

test('the shard index comes from --shard, then SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX', () => {
  assert.is(shardIndexFrom('3', { SLURM_ARRAY_TASK_ID: '1' }), 3);
  assert.is(shardIndexFrom(undefined, { SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '2' }), 1);
  assert.is(shardIndexFrom(undefined, { JOB_COMPLETION_INDEX: '2' }), 2);
  assert.throws(() => shardIndexFrom(undefined, {}), /no shard index/);
  assert.throws(() => shardIndexFrom('-1', {}), /--shard must be a shard index/);
});

test('Slurm scripts: an array of one task per shard, and a merge submitted afterok on it', () => {
  const s = slurmScripts({
    dir: '/p/study',
    shards: 4,
    npimScript: '/opt/npim/bin/npim.js',
    cwd: '/home/u',
    partition: 'cpu',
    time: '02:00:00',
    cpusPerTask: 8,
  });
  const directives = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.equal(directives(s.array), [
    '#SBATCH --job-name=npim-sweep',
    '#SBATCH --output=/p/study/logs/shard-%a.out',
    '#SBATCH --partition=cpu',
    '#SBATCH --time=02:00:00',
    '#SBATCH --cpus-per-task=8',
    '#SBATCH --array=0-3',
  ]);
  assert.match(s.array, /"\$\{NODE:-node\}" \/opt\/npim\/bin\/npim\.js --quiet sweep run \/p\/study\n/);
  assert.match(s.merge, /sweep merge \/p\/study\n/);
  assert.match(s.submit, /jid=\$\(sbatch --parsable array\.sh\)/);
  assert.match(s.submit, /sbatch --dependency=afterok:\$jid merge\.sh/);
});

test.run();
