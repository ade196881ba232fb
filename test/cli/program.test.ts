/** The program as a whole: version, and help text that holds no path of the machine it runs on. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
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

test.run();
