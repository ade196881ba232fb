/**
 * Typed, validated configuration. Each command has one zod schema whose defaults are the
 * project's defaults (taken from {@link ./defaults.ts}); a config is the schema applied to a JSON
 * file's content merged with command-line overrides. Validation failures become one-line
 * {@link UserError}s that name the offending field.
 */
import { z } from 'zod';
import { fail } from './errors.ts';

/** Formats the first zod issue as `path: message`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}

/** Validates `input` against `schema`, failing with a one-line error that names `what`. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) fail(`invalid ${what}: ${describeZodError(result.error)}`);
  return result.data;
}

/** Recursively merges plain objects; `override` wins; `undefined` values in it are ignored. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a command-line number, failing with a message that names the option. */
export function parseNumberOption(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) fail(`${option} expects a number, got '${value}'`);
  return n;
}

/**
 * A seed: an integer in 0 … 2^32 − 1. The generator keeps 32 bits ({@link ../core/rng.ts}), so a
 * larger seed would silently alias a smaller one (2^32 would run as 0); it is an error instead.
 */
export const SeedSchema = z.number().int().min(0).max(0xffffffff);

/** Parses a command-line seed (an integer in 0 … 2^32 − 1), failing with a message that names the option. */
export function parseSeedOption(value: string, option: string): number {
  const n = parseIntOption(value, option);
  if (n < 0 || n > 0xffffffff) fail(`${option} must be an integer in 0 … 4294967295 (32-bit seed), got '${value}'`);
  return n;
}

/** Parses a command-line integer (at least `min` when given), failing with a message that names the option. */
export function parseIntOption(value: string, option: string, min?: number): number {
  const n = parseNumberOption(value, option);
  if (!Number.isInteger(n)) fail(`${option} expects an integer, got '${value}'`);
  if (min !== undefined && n < min) fail(`${option} must be at least ${min}, got '${value}'`);
  return n;
}
