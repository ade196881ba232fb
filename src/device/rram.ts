/**
 * RRAM cell model (docs/reference.md §2.1): 2^bits equally spaced conductance levels between G_min and
 * G_max, and the non-idealities of a programmed array, each switchable:
 * - programming variation, persistent per device (drawn once per programmed array):
 *   multiplicative log-normal g·e^θ, θ ~ N(0, σ), or additive Gaussian with σ as a fraction of
 *   the conductance range;
 * - stuck-at-G_min / stuck-at-G_max faults at given rates (a stuck device ignores programming);
 * - conductance drift over time, power law g·(t/t0)^(−ν);
 * - per-read noise, multiplicative Gaussian g·(1 + σ_read·z), drawn on every read.
 * All functions are pure apart from the {@link Rng} they are given.
 */
import { z } from 'zod';
import { G_MAX_SIEMENS, ON_OFF_RATIO, PERIPHERAL_LEVEL_BITS, PROGRAMMING_SIGMA } from '../core/defaults.ts';
import type { Rng } from '../core/rng.ts';

/**
 * Schema of a device configuration; defaults are the peripheral-circuit cell of docs/reference.md §1.
 * Strict: an unknown (e.g. misspelt) key is an error, never silently ignored.
 */
export const RramConfigSchema = z
  .object({
    /** Bits per cell: 2^levelBits conductance levels. */
    levelBits: z.number().int().min(1).max(8).default(PERIPHERAL_LEVEL_BITS),
    /** Highest conductance, siemens. */
    gMaxSiemens: z.number().positive().max(1).default(G_MAX_SIEMENS),
    /** G_max / G_min (finite on/off ratio). */
    onOffRatio: z.number().gt(1).max(1e6).default(ON_OFF_RATIO),
    /** Persistent programming variation. */
    programming: z
      .object({
        kind: z.enum(['lognormal', 'gaussian', 'none']).default('lognormal'),
        /** log-normal: σ of θ in g·e^θ; gaussian: σ as a fraction of (G_max − G_min). */
        sigma: z.number().min(0).max(2).default(PROGRAMMING_SIGMA),
      })
      .strict()
      .prefault({}),
    /** Relative σ of the per-read multiplicative Gaussian noise (0 = off). */
    readNoiseSigma: z.number().min(0).max(1).default(0),
    /** Fraction of devices stuck at G_min. */
    stuckAtGMinRate: z.number().min(0).max(1).default(0),
    /** Fraction of devices stuck at G_max. */
    stuckAtGMaxRate: z.number().min(0).max(1).default(0),
    /** Power-law drift g·(t/t0)^(−ν); null = off. */
    drift: z
      .object({
        nu: z.number().min(0).max(1),
        t0Seconds: z.number().positive(),
        tSeconds: z.number().positive(),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((c) => c.stuckAtGMinRate + c.stuckAtGMaxRate <= 1, {
    message: 'stuck-at rates must sum to at most 1',
  });

/** A validated device configuration. */
export type RramConfig = z.output<typeof RramConfigSchema>;

/** The default device configuration (3-bit cells, σ = 0.025 log-normal). */
export function defaultRramConfig(overrides: Partial<RramConfig> = {}): RramConfig {
  return RramConfigSchema.parse(overrides);
}

/** G_min in siemens. */
export function gMinSiemens(cfg: RramConfig): number {
  return cfg.gMaxSiemens / cfg.onOffRatio;
}

/** Number of programmable levels, 2^levelBits. */
export function levelCount(cfg: RramConfig): number {
  return 2 ** cfg.levelBits;
}

/** Conductance of level `index` (0 = G_min, 2^bits − 1 = G_max), siemens. */
export function levelConductance(cfg: RramConfig, index: number): number {
  const n = levelCount(cfg);
  const gMin = gMinSiemens(cfg);
  return gMin + ((cfg.gMaxSiemens - gMin) * index) / (n - 1);
}

/** All level conductances in ascending order, siemens. */
export function conductanceLevels(cfg: RramConfig): Float64Array {
  const out = new Float64Array(levelCount(cfg));
  for (let i = 0; i < out.length; i++) out[i] = levelConductance(cfg, i);
  return out;
}

/** Index of the level nearest to `gSiemens` (clamped to the level range). */
export function nearestLevelIndex(cfg: RramConfig, gSiemens: number): number {
  const n = levelCount(cfg);
  const gMin = gMinSiemens(cfg);
  const idx = Math.round(((gSiemens - gMin) / (cfg.gMaxSiemens - gMin)) * (n - 1));
  return Math.min(n - 1, Math.max(0, idx));
}

/** Multiplicative drift factor (t/t0)^(−ν) of the configuration (1 when drift is off). */
export function driftFactor(cfg: RramConfig): number {
  if (!cfg.drift) return 1;
  const { nu, t0Seconds, tSeconds } = cfg.drift;
  return Math.pow(Math.max(tSeconds, t0Seconds) / t0Seconds, -nu);
}

/**
 * Programs an array: returns the conductances the devices actually hold, given the target
 * conductances. Applies stuck-at faults, persistent programming variation and drift, in that
 * order. The result is persistent: draw it once per array per Monte Carlo draw and reuse it.
 */
export function programConductances(targetSiemens: ArrayLike<number>, cfg: RramConfig, rng: Rng): Float64Array {
  return programConductancesInto(targetSiemens, cfg, rng, new Float64Array(targetSiemens.length));
}

/**
 * {@link programConductances} into a caller's buffer `out` (length ≥ the targets'), which it
 * returns: the same draws in the same order, without an allocation per call (the mapper programs
 * one physical row at a time).
 */
export function programConductancesInto(targetSiemens: ArrayLike<number>, cfg: RramConfig, rng: Rng, out: Float64Array): Float64Array {
  const n = targetSiemens.length;
  const gMin = gMinSiemens(cfg);
  const range = cfg.gMaxSiemens - gMin;
  const { kind, sigma } = cfg.programming;
  const drift = driftFactor(cfg);
  const faults = cfg.stuckAtGMinRate + cfg.stuckAtGMaxRate > 0;
  for (let i = 0; i < n; i++) {
    let g = targetSiemens[i];
    if (faults) {
      const u = rng.uniform();
      if (u < cfg.stuckAtGMinRate) g = gMin;
      else if (u < cfg.stuckAtGMinRate + cfg.stuckAtGMaxRate) g = cfg.gMaxSiemens;
    }
    if (sigma > 0) {
      if (kind === 'lognormal') g *= Math.exp(sigma * rng.normal());
      else if (kind === 'gaussian') g = Math.max(0, g + sigma * range * rng.normal());
    }
    out[i] = g * drift;
  }
  return out;
}

/**
 * One read of programmed conductances: multiplicative Gaussian read noise g·(1 + σ·z), drawn
 * afresh for every read. Returns the input unchanged when read noise is off.
 */
export function readConductances(programmedSiemens: Float64Array, cfg: RramConfig, rng: Rng): Float64Array {
  if (cfg.readNoiseSigma === 0) return programmedSiemens;
  const out = new Float64Array(programmedSiemens.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.max(0, programmedSiemens[i] * (1 + cfg.readNoiseSigma * rng.normal()));
  }
  return out;
}

/** A copy of the configuration with every non-ideality switched off (nominal devices). */
export function idealDevices(cfg: RramConfig): RramConfig {
  return {
    ...cfg,
    programming: { ...cfg.programming, sigma: 0 },
    readNoiseSigma: 0,
    stuckAtGMinRate: 0,
    stuckAtGMaxRate: 0,
    drift: null,
  };
}
