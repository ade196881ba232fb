/**
 * Typed, validated configuration. Each command has one zod schema whose defaults are the
 * project's defaults (taken from {@link ./defaults.ts}); a config is the schema applied to a JSON
 * file's content merged with command-line overrides. Validation failures become one-line
 * {@link UserError}s that name the offending field.
 */
import { z } from 'zod';
import { fail } from './errors.ts';

/**
 * Formats the first zod issue as `path: message`. Given the schema, an unknown key also names the
 * nearest valid key at that place (`did you mean 'sigma'?`).
 */
export function describeZodError(error: z.ZodError, schema?: z.ZodType): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  let hint = '';
  if (schema && issue.code === 'unrecognized_keys') {
    const valid = objectKeysAt(schema, issue.path);
    const nearest = valid.length ? nearestKey(String(issue.keys[0]), valid) : undefined;
    if (nearest) hint = ` (did you mean '${nearest}'?)`;
  }
  return `${where}: ${issue.message}${hint}`;
}

/** The keys of the object schema at `path` inside `schema` (through optional, default, pipe, array), or []. */
function objectKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  let node: z.ZodType | undefined = schema;
  let rest = [...path];
  for (let guard = 0; node && guard < 64; guard++) {
    const def: Def = (node as unknown as { _zod: { def: Def } })._zod.def;
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe') node = def.in;
    else if (def.type === 'array' && rest.length) [node, rest] = [def.element, rest.slice(1)];
    else if (def.type === 'object' && rest.length) [node, rest] = [def.shape?.[String(rest[0])], rest.slice(1)];
    else return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
  }
  return [];
}

/** The valid key closest to `key` by edit distance, if it is close (at most a third of its length). */
function nearestKey(key: string, valid: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const keep = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        prev = keep;
      }
    }
    return d[b.length];
  };
  const [best] = valid.map((v) => ({ v, d: distance(key, v) })).sort((x, y) => x.d - y.d);
  return best && best.d <= Math.max(1, Math.floor(key.length / 3)) ? best.v : undefined;
}

/** Validates `input` against `schema`, failing with a one-line error that names `what`. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) fail(`invalid ${what}: ${describeZodError(result.error, schema)}`);
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

/** True for a non-null, non-array object (a JSON object). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
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
