/**
 * Loading a typed configuration from a JSON file merged with command-line overrides (the schema
 * handling is {@link ../core/config.ts}).
 */
import type { z } from 'zod';
import { deepMerge, parseConfig } from '../core/config.ts';
import { readJson } from './files.ts';

/**
 * Loads a config: the JSON file at `configPath` (if given), overridden by `overrides` (typically
 * from command-line flags), validated by `schema`.
 */
export async function loadConfig<S extends z.ZodType>(
  schema: S,
  configPath: string | undefined,
  overrides: Record<string, unknown>,
  what: string,
): Promise<z.output<S>> {
  const fromFile = configPath ? await readJson(configPath, 'config file') : {};
  return parseConfig(schema, deepMerge(fromFile, overrides), what);
}
