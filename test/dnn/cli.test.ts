import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers.ts';

function npim(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'npim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train dnn --arch nope: exit 2 and one stderr line naming the option', () => {
  const r = npim(['train', 'dnn', '--arch', 'nope']);
  assert.is(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], /arch: must be one of mlp, lenet5/);
  assert.is(r.stdout, '');
});

test('bad numbers and a missing --out are one-line errors too', () => {
  for (const [args, pattern] of [
    [['train', 'dnn', '--arch', 'mlp', '--epochs', 'x', '--out', '/tmp/x'], /--epochs expects a number, got 'x'/],
    [['train', 'dnn', '--arch', 'mlp'], /--out <dir> is required/],
  ] as Array<[string[], RegExp]>) {
    const r = npim(args);
    assert.is(r.status, 2, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
});

test('an MNIST directory without the files (downloads off): one line saying which files to place where', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-cli-'));
  try {
    const r = npim(['train', 'dnn', '--arch', 'mlp', '--no-download', '--out', path.join(dir, 'out')], {
      NPIM_DATA_DIR: path.join(dir, 'empty-data'),
    });
    assert.is(r.status, 2);
    assert.is(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('npim:')).length,
      1,
      r.stderr,
    );
    assert.match(
      r.stderr,
      /place train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz in /,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
