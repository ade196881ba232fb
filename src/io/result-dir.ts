/**
 * A command's results in an `--out` directory, written as a unit and by one writer at a time.
 *
 * - **Lock.** `<out>/.npim.lock` is created exclusively and holds the writer's pid; a second
 *   writer fails at once with a one-line error. A lock whose process is gone is stale and taken
 *   over. Creating it also checks, before any work, that `--out` can be written.
 * - **Staging.** While {@link withResultDir} runs with `stage: true`, every atomic write of this
 *   process into `<out>` ({@link stagedPath}, used by `writeFileAtomic` and the weight-map writer)
 *   goes to `<out>/.npim-staging-<pid>/` instead. When the work succeeds the staged files are
 *   committed: a journal listing the renames is written, the files are renamed into place, the
 *   journal is removed. A run that fails, is interrupted or killed before the journal exists
 *   leaves the old results untouched; one killed during the renames is rolled forward by the next
 *   writer (the staged files are complete). So a reader never finds a new `model.json` beside an
 *   old `metrics.json`.
 * - **Cleanup.** In the CLI ({@link handleInterruptions}), SIGINT and SIGTERM remove the staging
 *   folder, the lock and temporary files before the process exits (130, 143); whatever a SIGKILL leaves (staging folders, `*.tmp-<pid>-*` files of dead
 *   processes) is swept by the next writer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  closeSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.ts';

const LOCK_FILE = '.npim.lock';
const JOURNAL_FILE = '.npim-commit.json';
const STAGING_PREFIX = '.npim-staging-';

interface ResultDir {
  /** Absolute `--out`. */
  out: string;
  /** Staging folder, or null when writes go straight to their place. */
  staging: string | null;
}

const current = new AsyncLocalStorage<ResultDir>();

/**
 * Where an atomic write of `filePath` goes: inside a staged {@link withResultDir} whose `--out`
 * holds the file, the same relative path under the staging folder; otherwise `filePath` itself.
 * Reads of a file this run wrote use it too (the file is not in place before the commit).
 */
export function stagedPath(filePath: string): string {
  const dir = current.getStore();
  if (!dir?.staging) return filePath;
  const rel = path.relative(dir.out, path.resolve(filePath));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return filePath;
  return path.join(dir.staging, rel);
}

/** Whether process `pid` is alive (signal 0 probes without sending anything). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `out` (creating `out`), or fails naming the process that holds it. */
function lock(out: string): string {
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    fail(`cannot create --out ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const file = path.join(out, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return file;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') fail(`cannot write to --out ${out}: ${code ?? (e as Error).message}`);
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue; // released meanwhile
      }
      if (alive(holder)) fail(`--out ${out} is being written by another npim process (pid ${holder}); wait for it or choose another --out`);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  fail(`cannot take the lock ${file}`);
}

/** Finishes an interrupted commit (roll forward), then removes what dead writers left. */
function recover(out: string): void {
  const journal = path.join(out, JOURNAL_FILE);
  if (existsSync(journal)) {
    const renames = JSON.parse(readFileSync(journal, 'utf8')) as Array<[string, string]>;
    for (const [from, to] of renames) if (existsSync(from)) renameSync(from, to);
    rmSync(journal, { force: true });
  }
  sweep(out, 0);
}

/** Whether `name` is the temporary file of an atomic write (`.<name>.tmp-<pid>-…`) by a process no longer alive. */
function deadTemporary(name: string): boolean {
  const tmp = /\.tmp-(\d+)-/.exec(name);
  return tmp !== null && name.startsWith('.') && !alive(Number(tmp[1]));
}

/** Removes staging folders and temporary files of dead processes under `dir`, `depth` levels down. */
function sweep(dir: string, depth: number): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    const staging = e.isDirectory() && e.name.startsWith(STAGING_PREFIX) ? Number(e.name.slice(STAGING_PREFIX.length)) : NaN;
    if (!Number.isNaN(staging)) {
      if (!alive(staging)) rmSync(full, { recursive: true, force: true });
    } else if (deadTemporary(e.name)) {
      rmSync(full, { recursive: true, force: true });
    } else if (e.isDirectory() && depth < 2 && !e.name.startsWith('.')) {
      sweep(full, depth + 1);
    }
  }
}

/** Every staged file, relative to the staging folder. */
function stagedFiles(staging: string): string[] {
  return (readdirSync(staging, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(staging, path.join(e.parentPath, e.name)));
}

/** Renames the staged files into place through a journal (see the module doc). */
function commit(d: Required<{ out: string; staging: string }>): void {
  const renames = stagedFiles(d.staging).map((rel): [string, string] => [path.join(d.staging, rel), path.join(d.out, rel)]);
  const journal = path.join(d.out, JOURNAL_FILE);
  const tmp = `${journal}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, JSON.stringify(renames));
  renameSync(tmp, journal);
  for (const [from, to] of renames) {
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(from, to);
  }
  rmSync(journal, { force: true });
}

/**
 * Writes `text` to `filePath` atomically and at once, past any staging: for a checkpoint, which
 * must outlive an interruption of the run that writes it (staged files do not). Synchronous, so a
 * training loop can call it between steps.
 */
export function writeCheckpointFile(filePath: string, text: string): void {
  const tmp = `${filePath}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(path.dirname(filePath), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, filePath);
  } catch (e) {
    rmSync(tmp, { force: true });
    fail(`cannot write checkpoint ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const cleanups = new Set<() => void>();
let handlersInstalled = false;

/**
 * On SIGINT/SIGTERM: run the registered cleanups (staging folders, locks, temporary files), then
 * exit as the signal would (130, 143). The CLI installs this once at start; a library user (a
 * notebook kernel, say) keeps its own signal handling, and its registrations are just unused.
 */
export function handleInterruptions(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      for (const c of cleanups) c();
      process.stderr.write(`\nnpim: interrupted (${signal}); earlier results left as they were\n`);
      process.exit(code);
    });
  }
}

/**
 * Registers the temporary file of an atomic write, removed if SIGINT/SIGTERM stops the process
 * before its rename; returns the call that unregisters it.
 */
export function registerTemporary(file: string): () => void {
  const cleanup = (): void => rmSync(file, { force: true });
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/**
 * Removes the temporary files that atomic writes of `target` by processes no longer alive left
 * beside it (a SIGKILL cannot be caught): `.<name>.tmp-<pid>-…`.
 */
export function sweepTemporariesOf(target: string): void {
  const dir = path.dirname(path.resolve(target));
  const prefix = `.${path.basename(target)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix) && deadTemporary(name)) rmSync(path.join(dir, name), { force: true });
}

/**
 * Runs `work` as the one writer of `out`, with its writes into `out` committed as a unit when
 * `stage` is true (see the module doc). With `stage: false` it only locks and sweeps (for
 * workflows that read back, or hand to another program, files they wrote).
 */
export async function withResultDir<T>(outDir: string, o: { stage: boolean }, work: () => Promise<T>): Promise<T> {
  const out = path.resolve(outDir);
  const lockFile = lock(out);
  const staging = o.stage ? path.join(out, `${STAGING_PREFIX}${process.pid}`) : null;
  const cleanup = (): void => {
    // A journal means the commit began: its staged files are what the next writer rolls forward.
    if (staging && !existsSync(path.join(out, JOURNAL_FILE))) rmSync(staging, { recursive: true, force: true });
    rmSync(lockFile, { force: true });
  };
  cleanups.add(cleanup);
  try {
    recover(out);
    if (staging) mkdirSync(staging, { recursive: true });
    const result = await current.run({ out, staging }, work);
    if (staging) commit({ out, staging });
    return result;
  } finally {
    cleanup();
    cleanups.delete(cleanup);
  }
}
