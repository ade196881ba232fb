/** Options and output helpers shared by every command. */
import { BACKEND_CHOICES, initBackend, describeBackend, type BackendChoice, type BackendInfo } from '../core/backend.ts';
import { fail } from '../core/errors.ts';
import { info } from '../io/progress.ts';
import { withResultDir } from '../io/result-dir.ts';

/** Options defined on the root program. */
export interface GlobalOptions {
  /** Print machine-readable JSON on stdout instead of text. */
  json?: boolean;
  /** tfjs backend preference. */
  backend: string;
  /** Suppress progress and informational lines. */
  quiet?: boolean;
}

/**
 * Runs `work` as the one writer of `--out` when one is given: a second writer fails at once, and
 * the files it writes there are committed as a unit (`stage: false`: locked only, for workflows
 * that read back or hand to another program what they wrote). See io/result-dir.ts.
 */
export async function writingTo<T>(out: string | undefined, work: () => Promise<T>, o: { stage: boolean } = { stage: true }): Promise<T> {
  return out === undefined ? work() : withResultDir(out, o, work);
}

/** Prints `value` as JSON with `--json`, otherwise the text from `text()`. */
export function printResult(global: GlobalOptions, value: unknown, text: () => string): void {
  process.stdout.write(global.json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** Initializes the backend named by `--backend` and says which one runs. */
export async function startBackend(global: GlobalOptions): Promise<BackendInfo> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(global.backend)) {
    fail(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${global.backend}'`);
  }
  const backend = await initBackend(global.backend as BackendChoice);
  info(`backend: ${describeBackend(backend)}`);
  return backend;
}
