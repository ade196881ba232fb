/** Running the `npim` CLI from tests, and checking its one-line errors. */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `npim args…` in a child process (quiet, as in CI). */
export function npim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'npim.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts exit code 2 and exactly one stderr line matching `pattern`. */
export function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.is(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `stderr has ${lines.length} lines: ${r.stderr}`);
  assert.match(lines[0], pattern);
}
