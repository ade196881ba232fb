/** Options and output helpers shared by every command. */
import { BACKEND_CHOICES, initBackend, describeBackend, type BackendChoice, type BackendInfo } from '../core/backend.ts';
import { fail } from '../core/errors.ts';
import { info } from '../io/progress.ts';

/** Options defined on the root program. */
export interface GlobalOptions {
  /** Print machine-readable JSON on stdout instead of text. */
  json?: boolean;
  /** tfjs backend preference. */
  backend: string;
  /** Suppress progress and informational lines. */
  quiet?: boolean;
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
