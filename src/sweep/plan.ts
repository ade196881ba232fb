/**
 * The plan of a sharded study: its items (one Monte Carlo draw of one simulation unit each, with
 * the draw's seed), their split into shards, and the hash that ties shard results to the plan.
 *
 * Items are unit-major and draw-minor, in the order `npim simulate` runs them; shard i gets the
 * contiguous items ⌊i·n/N⌋ … ⌊(i+1)·n/N⌋ − 1, so most shards prepare only one or two units.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { drawSeedOf } from '../mapping/dnn-weights.ts';

/** One item: draw `draw` of unit `unit`, seeded `drawSeed`. */
export interface SweepItem {
  id: number;
  /** The study variant (only in a study with `vary`). */
  variant?: number;
  unit: number;
  draw: number;
  drawSeed: number;
}

/** Items of `unitCount` units of `draws` draws each; draw d is seeded as `npim simulate` seeds it. */
export function planItems(unitCount: number, draws: number, seed: number): SweepItem[] {
  const items: SweepItem[] = [];
  for (let unit = 0; unit < unitCount; unit++)
    for (let draw = 0; draw < draws; draw++) items.push({ id: items.length, unit, draw, drawSeed: drawSeedOf(seed, draw) });
  return items;
}

/** The item range [first, end) of each of `shards` shards over `itemCount` items. */
export function shardRanges(itemCount: number, shards: number): Array<{ shard: number; first: number; end: number }> {
  return Array.from({ length: shards }, (_, shard) => ({
    shard,
    first: Math.floor((shard * itemCount) / shards),
    end: Math.floor(((shard + 1) * itemCount) / shards),
  }));
}

/** SHA-256 in hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A file the plan depends on, with its hash at planning time. */
export const PlanInputSchema = z.object({ role: z.string(), path: z.string(), sha256: z.string() }).strict();
/** A file the plan depends on. */
export type PlanInput = z.output<typeof PlanInputSchema>;

const UnitsSchema = z.array(z.object({ kind: z.string(), label: z.string() }).strict());

/** One variant of a study with `vary`: its values, report folder, equivalent `npim simulate`, configuration and runs. */
export const PlanVariantSchema = z
  .object({
    index: z.number().int(),
    values: z.record(z.string(), z.union([z.number(), z.string()])),
    dir: z.string(),
    simulate: z.string(),
    dataflows: z.array(z.string()),
    config: z.record(z.string(), z.unknown()),
    units: UnitsSchema,
  })
  .strict();
/** A variant of a plan. */
export type PlanVariant = z.output<typeof PlanVariantSchema>;

/**
 * Schema of plan.json (the simulation configuration is checked again where it is used). A study
 * without `vary` has `simulate`, `dataflows`, `config` and `units` at the top level; a study with
 * `vary` has them per variant in `variants`, and its items name their variant.
 */
export const PlanSchema = z
  .object({
    format: z.literal('npim-sweep-plan'),
    version: z.literal(1),
    hash: z.string(),
    cwd: z.string(),
    studyFile: z.string(),
    study: z.record(z.string(), z.unknown()),
    simulate: z.string().optional(),
    model: z.string(),
    modelPath: z.string(),
    samples: z.number().int(),
    dataDir: z.string(),
    /** Evaluation data as resolved at planning (`mnist`, `cifar10` or an absolute directory; absent: MNIST). */
    data: z.string().optional(),
    dataflows: z.array(z.string()).optional(),
    sweeps: z.object({ sigma: z.array(z.number()).optional(), sinad: z.array(z.number()).optional() }).strict(),
    config: z.record(z.string(), z.unknown()).optional(),
    units: UnitsSchema.optional(),
    variants: z.array(PlanVariantSchema).optional(),
    items: z.array(
      z.object({ id: z.number(), variant: z.number().optional(), unit: z.number(), draw: z.number(), drawSeed: z.number() }).strict(),
    ),
    shards: z.array(z.object({ shard: z.number(), first: z.number(), end: z.number() }).strict()),
    inputs: z.array(PlanInputSchema),
  })
  .strict();
/** A parsed plan. */
export type Plan = z.output<typeof PlanSchema>;

/** The hash of a plan: SHA-256 of its JSON without the hash field (so any change to it shows). */
export function planHash(plan: Omit<Plan, 'hash'>): string {
  const { hash: _ignored, ...rest } = plan as Plan;
  return sha256(JSON.stringify(rest));
}

/** One crossbar layer's counted events in a shard outcome (`simulator/simulate.ts` `RunLayerEvents`). */
const RunLayerEventsSchema = z
  .object({
    layer: z.string(),
    kind: z.enum(['dense', 'conv2d']),
    fanIn: z.number().int(),
    fanOut: z.number().int(),
    inputVectors: z.number(),
    inputSliceSlots: z.number(),
    drivenSlices: z.number(),
    driveSiemens: z.number(),
    driveSquareSum: z.number(),
    conversions: z.number(),
    groupProducts: z.number(),
  })
  .strict();

/** Schema of a shard's result file. */
export const ShardResultSchema = z
  .object({
    format: z.literal('npim-sweep-shard'),
    planHash: z.string(),
    shard: z.number().int(),
    workload: z.string(),
    /** Per unit this shard ran: what every draw of the unit shares. */
    units: z.array(
      z
        .object({
          variant: z.number().int().optional(),
          unit: z.number().int(),
          count: z.number().int(),
          referenceAccuracy: z.number(),
          layers: z.array(z.string()),
          ranges: z.array(z.object({ layer: z.string(), rangeFraction: z.number(), sensingGain: z.number() }).strict()).optional(),
          prepareSeconds: z.number(),
        })
        .strict(),
    ),
    outcomes: z.array(
      z
        .object({
          item: z.number().int(),
          variant: z.number().int().optional(),
          unit: z.number().int(),
          draw: z.number().int(),
          accuracy: z.number(),
          conversions: z.array(z.object({ layer: z.string(), conversions: z.number(), groupProducts: z.number() }).strict()),
          events: z.array(RunLayerEventsSchema).optional(),
          sinadDb: z.array(z.number()),
          sinadPeakDb: z.array(z.number()).optional(),
          attribution: z
            .object({ rows: z.array(z.number().int()), sinadDb: z.array(z.array(z.number())) })
            .strict()
            .optional(),
          hardwareSeconds: z.number(),
          wallSeconds: z.number(),
        })
        .strict(),
    ),
    wallSeconds: z.number(),
  })
  .strict();
/** A parsed shard result. */
export type ShardResult = z.output<typeof ShardResultSchema>;
