/**
 * `npim sweep` with `vary`: a study swept over other fields expands into variants (the cartesian
 * product, first field slowest); merged, variant k is byte for byte (timing aside) the
 * `npim simulate` of that variant, whatever the shard count; bad `vary` lists are one-line errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, assertOneLineError, npimHere } from '../helpers/cli.ts';
import { drawSeedOf } from '../../src/mapping/dnn-weights.ts';

const MODEL = path.join(ROOT, 'models', 'mlp-mnist');
const SIGMAS = [0.02, 0.1];
const READ_NOISES = [0, 0.01];
/** 2 × 2 variants, each 2 runs (isaac, ideal) × 2 draws on 24 images. */
const STUDY = {
  model: MODEL,
  samples: 24,
  dataflows: ['isaac', 'ideal'],
  draws: 2,
  seed: 5,
  vary: { sigma: SIGMAS, readNoise: READ_NOISES },
};
/** Variant k in the documented order: the first varied field slowest. */
const VARIANTS = SIGMAS.flatMap((sigma) => READ_NOISES.map((readNoise) => ({ sigma, readNoise })));
const FILES = ['results.json', 'results.md'];

let tmp = '';
let studyFile = '';
const reference: Array<Map<string, string>> = [];

async function untimed(file: string): Promise<string> {
  return (await fs.readFile(file, 'utf8')).replace(/"(wallSeconds|hardwareSeconds)": [-+\d.e]+/g, '"$1": 0');
}

test.before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-vary-'));
  studyFile = path.join(tmp, 'study.json');
  await fs.writeFile(studyFile, JSON.stringify(STUDY));
  for (const [k, v] of VARIANTS.entries()) {
    const out = path.join(tmp, `unsharded-${k}`);
    const args = ['--model', MODEL, '--dataflow', 'isaac,ideal', '--sigma', String(v.sigma), '--read-noise', String(v.readNoise)];
    const r = await npimHere(['simulate', ...args, '--mc', '2', '--seed', '5', '--samples', '24', '--out', out]);
    assert.is(r.code, 0, r.stderr);
    reference.push(new Map(await Promise.all(FILES.map(async (f) => [f, await untimed(path.join(out, f))] as const))));
  }
});

test.after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

test('vary: variants are the cartesian product; each merged variant is its npim simulate byte for byte, any shard count', async () => {
  let trial = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 16 }), async (shards) => {
      const dir = path.join(tmp, `trial-${trial++}`);
      const p = await npimHere(['sweep', 'plan', studyFile, '--shards', String(shards), '--out', dir]);
      assert.is(p.code, 0, p.stderr);
      const plan = JSON.parse(await fs.readFile(path.join(dir, 'plan.json'), 'utf8'));
      assert.is(plan.items.length, 4 * 2 * 2);
      for (const item of plan.items) assert.is(item.drawSeed, drawSeedOf(5, item.draw));
      for (const [k, v] of VARIANTS.entries()) {
        assert.equal(plan.variants[k].values, v);
        assert.match(plan.variants[k].simulate, ` --sigma ${v.sigma} --read-noise ${v.readNoise} `);
      }
      for (const i of [...Array(shards).keys()].reverse()) {
        const r = await npimHere(['sweep', 'run', dir, '--shard', String(i)]);
        assert.is(r.code, 0, r.stderr);
      }
      const m = await npimHere(['sweep', 'merge', dir]);
      assert.is(m.code, 0, m.stderr);
      const summary = JSON.parse(await fs.readFile(path.join(dir, 'variants.json'), 'utf8'));
      assert.is(summary.variants.length, 4);
      for (const [k, v] of VARIANTS.entries()) {
        const vdir = path.join(dir, summary.variants[k].dir);
        assert.is(path.basename(vdir), `${k}-sigma-${v.sigma}_readNoise-${v.readNoise}`);
        for (const f of FILES) assert.ok((await untimed(path.join(vdir, f))) === reference[k].get(f), `${f} of variant ${k} differs`);
        const results = JSON.parse(reference[k].get('results.json')!).results;
        assert.equal(
          summary.variants[k].results.map((r: { accuracyMean: number }) => r.accuracyMean),
          results.map((r: { accuracyMean: number }) => r.accuracyMean),
        );
      }
      const table = await fs.readFile(path.join(dir, 'variants.md'), 'utf8');
      assert.is(table.split('\n').filter((l) => /^\| \d/.test(l)).length, 4 * 2);
    }),
    { numRuns: 2, seed: 3 },
  );
});

test('bad vary lists are one-line errors with exit code 2', async () => {
  const bad = async (study: unknown, pattern: RegExp): Promise<void> => {
    const file = path.join(tmp, 'bad.json');
    await fs.writeFile(file, JSON.stringify(study));
    assertOneLineError(await npimHere(['sweep', 'plan', file, '--shards', '1', '--out', path.join(tmp, 'bad')]), pattern);
  };
  await bad({ ...STUDY, vary: { draws: [1, 2] } }, /vary\.draws: cannot be varied/);
  await bad({ ...STUDY, vary: { sigma: [0.1, 5] } }, /vary\.sigma\.1: 5 is not a valid sigma/);
  await bad({ ...STUDY, vary: { mode: ['fast'] } }, /vary\.mode\.0: "fast" is not a valid mode/);
  await bad({ ...STUDY, vary: { sigma: [] } }, /vary\.sigma/);
  await bad({ ...STUDY, vary: { sigma: [0.1, 0.1] } }, /vary\.sigma: lists a value twice/);
  await bad({ ...STUDY, sigma: 0.05 }, /vary\.sigma: is also set at the top level/);
  await bad({ ...STUDY, vary: { preset: ['nope'] } }, /nope/);
  await bad({ ...STUDY, vary: [0.1] }, /vary/);
  await bad({ ...STUDY, vary: {} }, /vary: lists no field/);
  await bad({ ...STUDY, seed: 2 ** 32 }, /seed/);
});

test.run();
