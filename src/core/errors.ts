/**
 * Errors that the user can fix (bad input, missing files, out-of-range options).
 *
 * The CLI prints only the message of a {@link UserError}, on one line, and exits with code 2;
 * anything else is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Longest error line the CLI prints; a longer message is cut (one readable line, whatever the input). */
export const MAX_ERROR_CHARACTERS = 300;

/**
 * A value quoted for an error message, cut to `max` characters: a bad 50 MB CSV cell is named,
 * not echoed.
 */
export function quoted(value: unknown, max = 40): string {
  const text = String(value);
  return text.length <= max ? `'${text}'` : `'${text.slice(0, max)}…' (${text.length} characters)`;
}

/** The one line the CLI prints for a user error: the first line of `message`, at most {@link MAX_ERROR_CHARACTERS}. */
export function errorLine(message: string): string {
  const line = message.split('\n')[0];
  return line.length <= MAX_ERROR_CHARACTERS ? line : `${line.slice(0, MAX_ERROR_CHARACTERS - 1)}…`;
}

/** Throws a {@link UserError} with the given message. */
export function fail(message: string): never {
  throw new UserError(message);
}

/** Throws a {@link UserError} unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

/** Throws unless every entry of `values` is a finite number; `what` names the data in the message. */
export function ensureFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) fail(`${what}: value ${i} is ${values[i]}, expected a finite number`);
  }
}
