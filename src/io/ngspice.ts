/**
 * Running ngspice in batch mode and reading its `wrdata` output. I/O only: decks are built by the
 * circuit and mapping modules.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.ts';

/** The ngspice executable: `NPIM_NGSPICE` or `ngspice` on the PATH. */
export function ngspiceCommand(): string {
  return process.env.NPIM_NGSPICE || 'ngspice';
}

/** ngspice's version line, or null when it is not installed. */
export function ngspiceVersion(): string | null {
  const r = spawnSync(ngspiceCommand(), ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const line = r.stdout.split('\n').find((l) => /ngspice-\d+/.test(l));
  return line ? (line.match(/ngspice-\d+/)?.[0] ?? line.trim()) : 'ngspice';
}

/** Fails with install instructions unless ngspice runs. */
export function requireNgspice(): string {
  const v = ngspiceVersion();
  if (!v)
    fail(`ngspice is not installed (looked for '${ngspiceCommand()}'); install it, e.g. 'apt-get install -y ngspice', or set NPIM_NGSPICE`);
  return v;
}

/** Runs a deck file in batch mode; fails with ngspice's first error line when it fails. */
export function runNgspice(deckPath: string, timeoutMs = 120_000): string {
  // Run in the deck's directory: ngspice writes side files (e.g. b3v33check.log) into its cwd.
  const r = spawnSync(ngspiceCommand(), ['-b', path.resolve(deckPath)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    cwd: path.dirname(path.resolve(deckPath)),
  });
  if (r.error) fail(`ngspice could not run ${deckPath}: ${r.error.message}`);
  const out = `${r.stdout}\n${r.stderr}`;
  const errorLine = out.split('\n').find((l) => /^\s*(Error|error:)/.test(l) || /fatal/i.test(l));
  if (r.status !== 0 || errorLine) fail(`ngspice failed on ${deckPath}: ${(errorLine ?? `exit code ${r.status}`).trim()}`);
  return out;
}

/** Reads a `wrdata` file: rows of whitespace-separated numbers (x y [x y ...]). */
export async function readWrdata(filePath: string): Promise<number[][]> {
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch {
    fail(`ngspice produced no output file ${filePath}`);
  }
  const rows = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/\s+/).map(Number));
  if (rows.length === 0 || rows.some((r) => r.some((v) => !Number.isFinite(v)))) fail(`ngspice output ${filePath} is empty or not numeric`);
  return rows;
}
