/** The program as a whole: version, and help text that holds no path of the machine it runs on. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, npimHere } from '../helpers/cli.ts';
import { buildProgram } from '../../src/cli/main.ts';
import type { Command } from 'commander';

test('npim --version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await npimHere(['--version']);
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), pkg.version);
});

test('no command help shows an absolute path of this machine', () => {
  const all: Command[] = [];
  const walk = (c: Command): void => {
    all.push(c);
    c.commands.forEach(walk);
  };
  walk(buildProgram());
  assert.ok(all.length > 12, `${all.length} commands`);
  for (const c of all) {
    const help = c.helpInformation();
    assert.not.ok(help.includes(ROOT), `npim ${c.name()} --help shows ${ROOT}`);
  }
});

test('help states the defaults that come from the configuration schemas', () => {
  const help = (path: string[]): string => {
    let c: Command = buildProgram();
    for (const name of path) c = c.commands.find((x) => x.name() === name)!;
    return c.helpInformation().replace(/\s+/g, ' ');
  };
  const simulate = help(['simulate']);
  for (const pattern of [
    /--mc <draws> Monte Carlo draws \(default \d+\)/,
    /--seed <n> seed \(default \d+\)/,
    /--mode <mode> .*\(default behavioral\)/,
  ])
    assert.match(simulate, pattern);
  assert.match(help(['train', 'sa']), /--hidden <n> hidden inverter neurons \(default 12\)/);
  assert.match(help(['train', 'adc']), /--bits <n> resolution N \(4\.\.10; default 8\)/);
});

test('npim run honours --sigma-sweep and --sinad-sweep, and reports the shipped model by its package path', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'npim-run-'));
  try {
    const args = ['run', '--samples', '20', '--dataflow', 'isaac', '--mc', '1', '--sigma-sweep', '0,0.05', '--sinad-sweep', '20'];
    const r = await npimHere([...args, '--out', out]);
    assert.is(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.equal(
      results.sigmaSweep.map((s: { sigma: number }) => s.sigma),
      [0, 0.05],
    );
    assert.equal(
      results.sinadSweep.map((s: { sinadDb: number }) => s.sinadDb),
      [20],
    );
    assert.is(results.model, 'models/lenet5-mnist');
    for (const f of ['accuracy-vs-sigma.svg', 'accuracy-vs-sinad.svg', 'report.md']) assert.ok(existsSync(path.join(out, f)), f);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
