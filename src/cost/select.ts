/**
 * Choosing architectures and activities for a comparison from command-line style inputs:
 * merges user architectures over the defaults, picks the named ones (plus any design they match
 * the area of), and validates per-layer activity files. Pure.
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.ts';
import { fail } from '../core/errors.ts';
import { resolveArchitectures, type ArchitectureSpec, type ResolvedArchitecture } from './architectures.ts';
import type { ComponentLibrary } from './components.ts';
import type { LayerActivity } from './evaluate.ts';

/** Default architectures of a comparison. */
export const DEFAULT_ARCHITECTURE_NAMES = ['isaac', 'cascade', 'neural-pim'];

/**
 * `user` architectures replace same-named defaults and add to them; returns the merged list in
 * order (defaults first).
 */
export function mergeArchitectures(defaults: ArchitectureSpec[], user: ArchitectureSpec[]): ArchitectureSpec[] {
  const byName = new Map(defaults.map((a) => [a.name, a]));
  for (const a of user) byName.set(a.name, a);
  return [...byName.values()];
}

/**
 * Resolves the architectures named in `names` (comma-separated, `all` for every one) against
 * `lib`. Designs referenced through `matchAreaOf` are resolved too but not returned unless named.
 */
export function selectArchitectures(specs: ArchitectureSpec[], names: string, lib: ComponentLibrary): ResolvedArchitecture[] {
  const byName = new Map(specs.map((a) => [a.name, a]));
  const wanted: string[] = [];
  for (const raw of names.split(',')) {
    const n = raw.trim().toLowerCase();
    if (!n) continue;
    if (n === 'all') wanted.push(...byName.keys());
    else if (byName.has(n)) wanted.push(n);
    else fail(`unknown architecture '${raw.trim()}'; choose from all, ${[...byName.keys()].join(', ')}`);
  }
  if (wanted.length === 0) fail('no architecture given');
  const unique = [...new Set(wanted)];
  const needed = new Set(unique);
  const queue = [...unique];
  while (queue.length) {
    const tiles = byName.get(queue.pop()!)!.chip.tiles;
    if (typeof tiles !== 'number' && byName.has(tiles.matchAreaOf) && !needed.has(tiles.matchAreaOf)) {
      needed.add(tiles.matchAreaOf);
      queue.push(tiles.matchAreaOf);
    }
  }
  const resolved = resolveArchitectures(
    specs.filter((s) => needed.has(s.name)),
    lib,
  );
  const map = new Map(resolved.map((r) => [r.name, r]));
  return unique.map((n) => map.get(n)!);
}

const density = z.number().min(0).max(1);
const activitySchema = z.object({ inputBitDensity: density.optional(), cellOnFraction: density.optional() }).strict();

/**
 * Per-layer activity file: `{ "<workload>": { "<layer>": { "inputBitDensity": 0.3, "cellOnFraction": 0.2 } } }`,
 * e.g. measured from quantized weights and real inputs.
 */
export const activityFileSchema = z.record(z.string(), z.record(z.string(), activitySchema));

/** Validates an activity file. */
export function parseActivityFile(input: unknown): Record<string, Record<string, Partial<LayerActivity>>> {
  return parseConfig(activityFileSchema, input, 'activity file');
}

/**
 * The `--arch` list `names` with the accelerator descriptions' architectures `chipNames` added
 * where the list does not name them (or `all`): a description given is one more architecture compared.
 */
export function withChipArchitectures(names: string, chipNames: string[]): string {
  const listed = names.split(',').map((n) => n.trim());
  const added = chipNames.filter((n) => !listed.includes('all') && !listed.includes(n));
  return [names, ...added].join(',');
}
