/**
 * File I/O at the edges of a run: atomic writes (temporary file, then rename, so a reader never
 * sees a half-written file and a failed write never destroys the previous one), and reads that
 * turn the usual failures into one-line {@link UserError}s.
 */
import { promises as fs, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.ts';
import { registerTemporary, stagedPath } from './result-dir.ts';

/** Writes `data` to `filePath` atomically, creating parent directories. */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  // Inside a staged result directory the file goes to the staging folder (io/result-dir.ts).
  const target = stagedPath(filePath);
  const dir = path.dirname(path.resolve(target));
  try {
    // Synchronous on purpose: an asynchronous mkdir runs on libuv's thread pool and could recreate
    // a staging folder that a SIGINT handler has just removed, leaving it behind after exit.
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    fail(`cannot create directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const tmp = path.join(dir, `.${path.basename(filePath)}.tmp-${process.pid}-${Date.now()}`);
  const unregister = registerTemporary(tmp);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    fail(`cannot write ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    unregister();
  }
}

/**
 * Writes `value` as pretty-printed JSON, atomically. A non-finite number (NaN, ±Infinity) is an
 * error naming where it is: JSON would silently write it as `null`, a result nobody measured
 * (except in per-code ADC arrays, where null marks a code without a defined value).
 */
export async function writeJsonAtomic(filePath: string, value: unknown): Promise<void> {
  await writeFileAtomic(filePath, JSON.stringify(value, finiteOnly(filePath), 2) + '\n');
}

/** A JSON.stringify replacer that fails on non-finite numbers, naming the key path. */
function finiteOnly(filePath: string): (this: unknown, key: string, v: unknown) => unknown {
  const paths = new WeakMap<object, string>();
  return function (this: unknown, key: string, v: unknown): unknown {
    const parent = paths.get(this as object) ?? '';
    const where = key === '' ? '(root)' : parent ? `${parent}.${key}` : key;
    // Per-code ADC arrays mark codes without a defined value (the open-ended codes) with NaN, null
    // in JSON by their documented convention (analysis/adc-metrics.ts PerCodeArrays).
    if (typeof v === 'number' && !Number.isFinite(v) && !/(^|\.)perCode\./.test(where))
      fail(`${filePath}: ${where} is ${v}, not a finite number; nothing was written`);
    if (v && typeof v === 'object') paths.set(v as object, key === '' ? '' : where);
    return v;
  };
}

/** Reads a UTF-8 text file; a missing or unreadable file is a {@link UserError}. */
export async function readText(filePath: string, what = 'file'): Promise<string> {
  try {
    return await fs.readFile(filePath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(`${what} not found: ${filePath}`);
    if (code === 'EISDIR') fail(`${what} is a directory, expected a file: ${filePath}`);
    fail(`cannot read ${what} ${filePath}: ${code ?? (e as Error).message}`);
  }
}

/** Reads and parses a JSON file; malformed JSON is a {@link UserError} naming the file. */
export async function readJson(filePath: string, what = 'JSON file'): Promise<unknown> {
  const text = await readText(filePath, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} ${filePath} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Fails unless `dir` exists and is a directory. */
export function ensureDirectory(dir: string, what = 'directory'): void {
  if (!existsSync(dir)) fail(`${what} not found: ${dir}`);
  if (!statSync(dir).isDirectory()) fail(`${what} is not a directory: ${dir}`);
}
