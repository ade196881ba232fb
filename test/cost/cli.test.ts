import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultComponentLibrary } from '../../src/cost/components.ts';
import { defaultArchitectures } from '../../src/cost/architectures.ts';
import { assertOneLineError, npimHere } from '../helpers/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function npim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('npim cost: bad inputs exit 2 with one line on stderr; a good run prints JSON and writes its files', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-cost-'));
  try {
    const lib = JSON.parse(JSON.stringify(defaultComponentLibrary()));
    delete lib.units.router.energyPerOperationJoules;
    await fs.writeFile(path.join(dir, 'missing.json'), JSON.stringify(lib));
    const archs = JSON.parse(JSON.stringify(defaultArchitectures()));
    const starved = archs.find((a: { name: string }) => a.name === 'neural-pim');
    starved.name = 'starved';
    starved.pe.adc.sampleRateHz = 1e8;
    await fs.writeFile(path.join(dir, 'archs.json'), JSON.stringify([starved]));
    const out = path.join(dir, 'out');

    // Three processes (each loads the whole CLI); the other bad inputs are tested through the library.
    const [missing, slow, good] = await Promise.all([
      npim(['cost', '--components', path.join(dir, 'missing.json'), '--workload', 'mlp']),
      npim(['cost', '--architectures', path.join(dir, 'archs.json'), '--arch', 'starved', '--workload', 'mlp']),
      npim(['--json', 'cost', '--arch', 'isaac,neural-pim', '--workload', 'mlp,lenet5', '--out', out]),
    ]);
    const oneLine = (r: { code: number; stderr: string }, pattern: RegExp, what: string): void => {
      assert.is(r.code, 2, `${what}: exit code`);
      const lines = r.stderr.trim().split('\n');
      assert.is(lines.length, 1, `${what}: stderr ${JSON.stringify(r.stderr)}`);
      assert.match(lines[0], pattern, what);
    };
    oneLine(missing, /invalid component library: units\.router\.energyPerOperationJoules/, 'missing field');
    oneLine(slow, /starved: converters cannot keep up/, 'starved converters');

    assert.is(good.code, 0, good.stderr);
    const json = JSON.parse(good.stdout) as {
      results: Array<{ architecture: string; workload: string; energyJoules: number }>;
      summaries: unknown[];
    };
    assert.equal(
      json.results.map((r) => `${r.architecture}/${r.workload}`),
      ['isaac/mlp', 'isaac/lenet5', 'neural-pim/mlp', 'neural-pim/lenet5'],
    );
    assert.ok(json.results.every((r) => r.energyJoules > 0));
    const md = await fs.readFile(path.join(out, 'cost.md'), 'utf8');
    assert.match(md, /\| mlp \| neural-pim \|/);
    const svg = await fs.readFile(path.join(out, 'energy-breakdown.svg'), 'utf8');
    assert.match(svg, /^<svg/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('npim cost --model: a model directory is costed with its own layers (the shipped LeNet-5 as the built-in lenet5); a missing one is one line', async () => {
  const fromModel = await npimHere(['--json', 'cost', '--model', 'models/lenet5-mnist']);
  const builtIn = await npimHere(['--json', 'cost', '--workload', 'lenet5']);
  assert.is(fromModel.code, 0, fromModel.stderr);
  type Row = { architecture: string; workload: string; energyJoules: number; macs: number; latencySeconds: number };
  const a = (JSON.parse(fromModel.stdout) as { results: Row[] }).results;
  const b = (JSON.parse(builtIn.stdout) as { results: Row[] }).results;
  assert.equal(
    a.map((r) => r.workload),
    a.map(() => 'lenet5-mnist'),
  );
  assert.equal(
    a.map((r) => [r.architecture, r.macs, r.energyJoules, r.latencySeconds]),
    b.map((r) => [r.architecture, r.macs, r.energyJoules, r.latencySeconds]),
  );
  assertOneLineError(await npimHere(['cost', '--model', 'no/such/model']), /model directory not found: no\/such\/model/);
});

test.run();
