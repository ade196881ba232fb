/**
 * The component library of the cost model, as data: per-unit energy per operation, static power,
 * area, latency and maximum operation rate of every block an architecture is built from, each
 * with the source of its figures (docs/reference.md §5, §2.4, §2.5).
 *
 * The default library is *derived* here, in code, from the published figures it cites so that
 * every number can be traced:
 *
 * - ISAAC's 32 nm table (docs/reference.md §5) gives a total power and area for a count of units. A
 *   unit's area is the total over the count. Its energy per operation is its power divided by
 *   the rate at which ISAAC itself drives it at peak (ISAAC: 8 arrays of 128 rows per IMA, 12
 *   IMAs per tile, 16-bit inputs on 1-bit DACs, 100 ns crossbar cycle, 1.28 GS/s ADCs): e.g. the
 *   eDRAM must refill every IMA's input register once per 16-cycle product. The rates are written
 *   down below next to each entry. ISAAC's powers are treated as dynamic (static power 0): the
 *   table gives one power per unit, not a split.
 * - SAR ADC energy and area by resolution: the table of docs/reference.md §5 (4–10 bits), outside that
 *   range a least-squares fit of the SAR scaling model E(b) = α·b + β·2^b (linear part plus a
 *   capacitive DAC doubling per bit) to the table.
 * - DAC by resolution: ISAAC's 1-bit DAC, energy ×√2 per extra bit and area ×2 per extra bit
 *   (see {@link DAC_ENERGY_GROWTH_PER_BIT}).
 * - NNS+A and NNADC: the 130 nm SPICE figures of the reference designs (§2.4, §2.5), linear in
 *   the operation rate between the two published rates, scaled to 32 nm: area by (32/130)²,
 *   power by {@link POWER_SCALE_130_TO_32}.
 * - CASCADE's TIAs, 6-bit buffer arrays and summing amplifiers: not in the published tables this
 *   project has; engineering estimates, stated as such in their `source`.
 *
 * A user library (JSON, same shape as {@link ComponentLibrary}) replaces the default one; it is
 * validated with zod, so a missing field or a negative energy is a one-line error.
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { G_MAX_SIEMENS, INPUT_CYCLE_SECONDS } from '../core/defaults.ts';

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const nonNegative = z.number().nonnegative();
const positive = z.number().positive();

/** One kind of block: what one operation costs and how fast one unit can repeat it. */
export const unitSchema = z
  .object({
    /** Energy of one operation (see `operation`), joules. */
    energyPerOperationJoules: nonNegative,
    /** Power drawn whenever the chip is on, independent of activity, watts. */
    staticPowerWatts: nonNegative,
    /** Area of one unit, m². */
    areaSquareMetres: nonNegative,
    /** Time one operation takes, seconds. */
    latencySeconds: nonNegative,
    /** Highest operation rate of one unit, per second; rated power = energy × rate + static. */
    operationsPerSecond: positive,
    /** What one operation is (e.g. "bit read", "conversion"). */
    operation: z.string().min(1),
    /** Where the figures come from. */
    source: z.string().min(1),
  })
  .strict();

/** A block of the library (see {@link unitSchema}). */
export type Unit = z.output<typeof unitSchema>;

const resolutionPointSchema = z
  .object({
    bits: z.number().int().min(1).max(16),
    energyPerOperationJoules: nonNegative,
    staticPowerWatts: nonNegative,
    areaSquareMetres: nonNegative,
  })
  .strict();

/** A family of converters indexed by resolution (SAR ADC, DAC). */
export const resolutionFamilySchema = z
  .object({
    /** What one operation is. */
    operation: z.string().min(1),
    /** Tabulated resolutions; other resolutions are extrapolated with `extrapolation`. */
    points: z.array(resolutionPointSchema).min(2),
    /**
     * How to extend the table: `sar` fits E(b) = α·b + β·2^b (and the same form for area) by
     * least squares; `geometric` continues the growth ratio of the two nearest points.
     */
    extrapolation: z.enum(['sar', 'geometric']),
    source: z.string().min(1),
  })
  .strict();

/** A family of converters indexed by resolution. */
export type ResolutionFamily = z.output<typeof resolutionFamilySchema>;

const ratePointSchema = z
  .object({
    /** Operation rate of this design point, per second. */
    operationsPerSecond: positive,
    /** Power at that rate (already at the library's technology node), watts. */
    powerWatts: nonNegative,
    /** Area (already at the library's technology node), m². */
    areaSquareMetres: nonNegative,
  })
  .strict();

/** A neural peripheral (NNS+A, NNADC) indexed by its operation rate. */
export const rateFamilySchema = z
  .object({
    operation: z.string().min(1),
    /** Resolution of the design, bits (the NNADC's output bits; informational for NNS+A). */
    resolutionBits: z.number().int().min(1).max(16),
    /** Design points; power and area are linear in the rate between and beyond them. */
    points: z.array(ratePointSchema).min(2),
    source: z.string().min(1),
  })
  .strict();

/** A neural peripheral family indexed by rate. */
export type RateFamily = z.output<typeof rateFamilySchema>;

/** Units every architecture may reference by name; a library must define all of them. */
export const REQUIRED_UNITS = [
  'array',
  'sampleHold',
  'shiftAdd',
  'inputRegister',
  'outputRegister',
  'edram',
  'bus',
  'router',
  'activation',
  'tileShiftAdd',
  'maxPool',
  'tileOutputRegister',
  'hyperTransport',
  'tia',
  'bufferArray',
  'summingAmplifier',
] as const;

/** Name of a required unit. */
export type RequiredUnit = (typeof REQUIRED_UNITS)[number];

const unitsSchema = z
  .object(Object.fromEntries(REQUIRED_UNITS.map((k) => [k, unitSchema])) as Record<RequiredUnit, typeof unitSchema>)
  .catchall(unitSchema);

/** The whole library. */
export const componentLibrarySchema = z
  .object({
    /** Technology node every figure refers to, nm. */
    technologyNanometres: positive,
    /** Fixed blocks by name (the required ones plus any extra an architecture names). */
    units: unitsSchema,
    /** SAR ADC by resolution. */
    adcSar: resolutionFamilySchema,
    /** DAC by resolution. */
    dac: resolutionFamilySchema,
    /** NNADC by sample rate. */
    nnadc: rateFamilySchema,
    /** NNS+A by operation rate. */
    nnsa: rateFamilySchema,
    /** Data dependence of the crossbar's energy. */
  })
  .strict();

/** A validated component library. */
export type ComponentLibrary = z.output<typeof componentLibrarySchema>;

/** Validates a component library (e.g. parsed JSON); one-line {@link UserError} on failure. */
export function parseComponentLibrary(input: unknown): ComponentLibrary {
  const lib = parseConfig(componentLibrarySchema, input, 'component library');
  for (const [name, fam] of [
    ['adcSar', lib.adcSar],
    ['dac', lib.dac],
  ] as const) {
    const bits = fam.points.map((p) => p.bits);
    ensure(new Set(bits).size === bits.length, `invalid component library: ${name}.points: resolution listed twice`);
  }
  for (const [name, fam] of [
    ['nnadc', lib.nnadc],
    ['nnsa', lib.nnsa],
  ] as const) {
    const rates = fam.points.map((p) => p.operationsPerSecond);
    ensure(new Set(rates).size === rates.length, `invalid component library: ${name}.points: rate listed twice`);
  }
  return lib;
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

/** A converter (or neural peripheral) resolved for one design point. */
export interface ResolvedUnit extends Unit {
  /** True when the figures were extrapolated beyond the library's table. */
  extrapolated: boolean;
}

/** Least-squares fit of y = α·b + β·2^b through the points; returns [α, β]. */
function fitSar(points: Array<{ bits: number; y: number }>): [number, number] {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let t1 = 0;
  let t2 = 0;
  for (const { bits, y } of points) {
    const a = bits;
    const b = 2 ** bits;
    s11 += a * a;
    s12 += a * b;
    s22 += b * b;
    t1 += a * y;
    t2 += b * y;
  }
  const det = s11 * s22 - s12 * s12;
  ensure(Math.abs(det) > 0, 'SAR fit needs at least two distinct resolutions');
  return [(t1 * s22 - t2 * s12) / det, (s11 * t2 - s12 * t1) / det];
}

/** Value of the family's model at `bits` for one field (energy, area or static power). */
function familyValue(
  fam: ResolutionFamily,
  bits: number,
  field: 'energyPerOperationJoules' | 'areaSquareMetres' | 'staticPowerWatts',
): number {
  const exact = fam.points.find((p) => p.bits === bits);
  if (exact) return exact[field];
  const sorted = [...fam.points].sort((a, b) => a.bits - b.bits);
  if (fam.extrapolation === 'sar') {
    const [alpha, beta] = fitSar(sorted.map((p) => ({ bits: p.bits, y: p[field] })));
    return Math.max(0, alpha * bits + beta * 2 ** bits);
  }
  // Geometric: continue the growth ratio of the two points nearest to `bits`.
  const byDistance = [...sorted].sort((a, b) => Math.abs(a.bits - bits) - Math.abs(b.bits - bits) || a.bits - b.bits);
  const [p, q] = byDistance[0].bits < byDistance[1].bits ? [byDistance[0], byDistance[1]] : [byDistance[1], byDistance[0]];
  if (p[field] === 0 || q[field] === 0) return p[field] + ((q[field] - p[field]) * (bits - p.bits)) / (q.bits - p.bits);
  const ratio = (q[field] / p[field]) ** (1 / (q.bits - p.bits));
  return p[field] * ratio ** (bits - p.bits);
}

/**
 * A converter of `bits` resolution from a resolution family, run at `operationsPerSecond`.
 * Energy per conversion does not depend on the rate (charge-redistribution converters spend
 * CV² per conversion); latency is one sample period.
 */
export function resolutionUnit(fam: ResolutionFamily, bits: number, operationsPerSecond: number, what: string): ResolvedUnit {
  ensure(Number.isInteger(bits) && bits >= 1 && bits <= 16, `${what}: resolution must be an integer in 1..16 bits, got ${bits}`);
  ensure(Number.isFinite(operationsPerSecond) && operationsPerSecond > 0, `${what}: rate must be positive, got ${operationsPerSecond}`);
  const tabulated = fam.points.some((p) => p.bits === bits);
  return {
    energyPerOperationJoules: familyValue(fam, bits, 'energyPerOperationJoules'),
    staticPowerWatts: familyValue(fam, bits, 'staticPowerWatts'),
    areaSquareMetres: familyValue(fam, bits, 'areaSquareMetres'),
    latencySeconds: 1 / operationsPerSecond,
    operationsPerSecond,
    operation: fam.operation,
    source: tabulated ? `${fam.source} (${bits}-bit point)` : `${fam.source} (${bits} bits, extrapolated: ${fam.extrapolation} model)`,
    extrapolated: !tabulated,
  };
}

/** Linear interpolation/extrapolation of `field` in the rate. */
function rateValue(fam: RateFamily, rate: number, field: 'powerWatts' | 'areaSquareMetres'): number {
  const sorted = [...fam.points].sort((a, b) => a.operationsPerSecond - b.operationsPerSecond);
  let i = 0;
  while (i < sorted.length - 2 && rate > sorted[i + 1].operationsPerSecond) i++;
  const p = sorted[i];
  const q = sorted[i + 1];
  const t = (rate - p.operationsPerSecond) / (q.operationsPerSecond - p.operationsPerSecond);
  return Math.max(0, p[field] + t * (q[field] - p[field]));
}

/**
 * A neural peripheral run at `operationsPerSecond`: power and area linear in the rate through
 * the family's design points (a faster design is a wider one), energy per operation = power /
 * rate. The inverter neurons draw bias current only while their inputs sit mid-rail, and idle
 * inputs are parked at a rail, so the power is charged per operation (static power 0).
 */
export function rateUnit(fam: RateFamily, operationsPerSecond: number, what: string): ResolvedUnit {
  ensure(Number.isFinite(operationsPerSecond) && operationsPerSecond > 0, `${what}: rate must be positive, got ${operationsPerSecond}`);
  const rates = fam.points.map((p) => p.operationsPerSecond);
  const inside = operationsPerSecond >= Math.min(...rates) && operationsPerSecond <= Math.max(...rates);
  const power = rateValue(fam, operationsPerSecond, 'powerWatts');
  return {
    energyPerOperationJoules: power / operationsPerSecond,
    staticPowerWatts: 0,
    areaSquareMetres: rateValue(fam, operationsPerSecond, 'areaSquareMetres'),
    latencySeconds: 1 / operationsPerSecond,
    operationsPerSecond,
    operation: fam.operation,
    source: `${fam.source}; at ${formatRate(operationsPerSecond)}${inside ? ' (interpolated)' : ' (extrapolated linearly in rate)'}`,
    extrapolated: !inside,
  };
}

function formatRate(hz: number): string {
  return hz >= 1e9 ? `${+(hz / 1e9).toPrecision(4)} GHz` : `${+(hz / 1e6).toPrecision(4)} MHz`;
}

/** A named fixed unit; fails with a message naming the library if it is not defined. */
export function namedUnit(lib: ComponentLibrary, name: string): ResolvedUnit {
  const u = (lib.units as Record<string, Unit>)[name];
  if (!u) fail(`component library has no unit named '${name}'`);
  return { ...u, extrapolated: false };
}

/** Rated power of one unit (every operation at its maximum rate, plus static power), watts. */
export function ratedPowerWatts(u: Unit): number {
  return u.energyPerOperationJoules * u.operationsPerSecond + u.staticPowerWatts;
}

// ---------------------------------------------------------------------------------------------
// Default library: published figures and their derivation
// ---------------------------------------------------------------------------------------------

/** Feature size of the reference NNS+A / NNADC designs, nm. */
export const REFERENCE_NODE_NANOMETRES = 130;
/** Feature size of the architectures, nm (docs/reference.md §1). */
export const TARGET_NODE_NANOMETRES = 32;
/** Supply of the reference designs (130 nm), volts (docs/reference.md §1). */
export const REFERENCE_SUPPLY_VOLTS = 1.2;
/** Nominal supply at 32 nm (ITRS high-performance logic; the 32 nm PTM models), volts. */
export const TARGET_SUPPLY_VOLTS = 0.9;
/** Area scaling from 130 nm to 32 nm: the square of the feature-size ratio, (32/130)² ≈ 0.0606. */
export const AREA_SCALE_130_TO_32 = (TARGET_NODE_NANOMETRES / REFERENCE_NODE_NANOMETRES) ** 2;
/**
 * Power scaling from 130 nm to 32 nm at the same operation rate: P = C·V²·f with capacitance
 * proportional to feature size (32/130) and the supply going from 1.2 V to 0.9 V, so
 * (32/130)·(0.9/1.2)² ≈ 0.138. The reference design's own per-tile table (docs/reference.md §5: 4 NNADCs
 * at 6.0 mW, 64 NNS+As at 19 mW) implies a factor of about 0.095–0.106; ours is the more
 * conservative one (it charges the neural peripherals ~30–45 % more).
 */
export const POWER_SCALE_130_TO_32 =
  (TARGET_NODE_NANOMETRES / REFERENCE_NODE_NANOMETRES) * (TARGET_SUPPLY_VOLTS / REFERENCE_SUPPLY_VOLTS) ** 2;
/**
 * DAC energy growth per extra bit: ×√2. A DAC's energy is dominated by driving the row line (the
 * same at every resolution) plus its binary-weighted element array, whose switched capacitance
 * doubles per bit; √2 per bit ("weakly exponential", docs/reference.md §5) gives 2.8× at 4 bits. Cross-
 * check: the reference design's table read per PE (8192 4-bit DACs, 0.1 W) is 12.2 µW each, i.e.
 * 1.22 pJ per 100 ns conversion; this model gives 1.10 pJ.
 */
export const DAC_ENERGY_GROWTH_PER_BIT = Math.SQRT2;
/**
 * DAC area growth per extra bit: ×2 (binary-weighted elements). Gives 1.33 µm² at 4 bits; the
 * reference design's 4.4e-2 mm² for 128 × 64 × 4 DACs per tile is 1.34 µm² each.
 */
export const DAC_AREA_GROWTH_PER_BIT = 2;

const MM2 = 1e-6; // m² per mm²
const UM2 = 1e-12; // m² per µm²
const MW = 1e-3;
const PJ = 1e-12;

/** One row of ISAAC's published 32 nm table (docs/reference.md §5): totals for `count` units. */
interface IsaacRow {
  spec: string;
  totalPowerWatts: number;
  totalAreaSquareMetres: number;
  count: number;
}

/** ISAAC's input register power (2 KB), watts: the base of the per-bit register energy. */
const ISAAC_TABLE_INPUT_REGISTER_WATTS = 1.24e-3;

/** ISAAC's table, as published (docs/reference.md §5). */
export const ISAAC_TABLE = {
  edram: { spec: 'eDRAM buffer, 64 KB, 2 banks, 256-bit bus', totalPowerWatts: 20.7 * MW, totalAreaSquareMetres: 0.083 * MM2, count: 1 },
  // The bus runs past the tile's 12 IMAs: one unit = the segment serving one IMA (wire length ∝ IMAs served).
  bus: { spec: 'eDRAM-to-IMA bus, 384 wires, along 12 IMAs', totalPowerWatts: 7 * MW, totalAreaSquareMetres: 0.09 * MM2, count: 12 },
  router: {
    spec: 'router, 32-bit flit, 8 ports, shared by 4 tiles',
    totalPowerWatts: 42 * MW,
    totalAreaSquareMetres: 0.151 * MM2,
    count: 1,
  },
  sigmoid: { spec: 'sigmoid ×2', totalPowerWatts: 0.52 * MW, totalAreaSquareMetres: 0.0006 * MM2, count: 2 },
  tileShiftAdd: { spec: 'S+A (tile) ×1', totalPowerWatts: 0.05 * MW, totalAreaSquareMetres: 0.00006 * MM2, count: 1 },
  maxPool: { spec: 'max-pool ×1', totalPowerWatts: 0.4 * MW, totalAreaSquareMetres: 0.00024 * MM2, count: 1 },
  tileOutputRegister: { spec: 'output register (tile), 3 KB', totalPowerWatts: 1.68 * MW, totalAreaSquareMetres: 0.0032 * MM2, count: 3 },
  adc: { spec: 'ADC, 8-bit, 1.28 GS/s, ×8 per IMA', totalPowerWatts: 16 * MW, totalAreaSquareMetres: 0.0096 * MM2, count: 8 },
  dac: { spec: 'DAC, 1-bit, ×8×128', totalPowerWatts: 4 * MW, totalAreaSquareMetres: 0.00017 * MM2, count: 1024 },
  sampleHold: { spec: 'sample-and-hold ×8×128', totalPowerWatts: 0.01 * MW, totalAreaSquareMetres: 0.00004 * MM2, count: 1024 },
  array: { spec: 'memristor arrays 8 × (128×128), 2 bits/cell', totalPowerWatts: 2.4 * MW, totalAreaSquareMetres: 0.0002 * MM2, count: 8 },
  shiftAdd: { spec: 'S+A (IMA) ×4', totalPowerWatts: 0.2 * MW, totalAreaSquareMetres: 0.00024 * MM2, count: 4 },
  inputRegister: {
    spec: 'input register, 2 KB',
    totalPowerWatts: ISAAC_TABLE_INPUT_REGISTER_WATTS,
    totalAreaSquareMetres: 0.0021 * MM2,
    count: 2,
  },
  outputRegister: { spec: 'output register (IMA), 256 B', totalPowerWatts: 0.23 * MW, totalAreaSquareMetres: 0.00077 * MM2, count: 0.25 },
  hyperTransport: { spec: 'HyperTransport, 4 links at 1.6 GHz', totalPowerWatts: 10.4, totalAreaSquareMetres: 22.88 * MM2, count: 1 },
} satisfies Record<string, IsaacRow>;

/**
 * ISAAC's peak usage rates, from which per-operation energies are derived: one IMA = 8 arrays ×
 * 128 rows, 16-bit inputs streamed 1 bit per 100 ns cycle (one 16-cycle product per 1.6 µs),
 * 128 16-bit outputs per product; one tile = 12 IMAs; 8 ADCs per IMA at 1.28 GS/s.
 */
export const ISAAC_RATES = (() => {
  const cycle = INPUT_CYCLE_SECONDS;
  const productSeconds = 16 * cycle;
  const imaInputBitsPerSecond = (8 * 128 * 16) / productSeconds; // input register refills
  const tileOutputsPerSecond = (12 * 8 * 16) / productSeconds; // 16 weights of 16 bits per array
  const adcConversionsPerSecond = 1.28e9;
  return {
    cycleSeconds: cycle,
    productSeconds,
    imaInputBitsPerSecond,
    tileOutputsPerSecond,
    adcConversionsPerSecond,
    /** eDRAM: refill of 12 IMAs' inputs plus the tile's 16-bit outputs written back. */
    edramBitsPerSecond: 12 * imaInputBitsPerSecond + tileOutputsPerSecond * 16,
    /** Bus: the same inputs to the IMAs plus the outputs back to the tile. */
    busBitsPerSecond: 12 * imaInputBitsPerSecond + tileOutputsPerSecond * 16,
    /** Router: the 16-bit outputs of the 4 tiles sharing it. */
    routerBitsPerSecond: 4 * tileOutputsPerSecond * 16,
    /** Input register (per IMA): refilled and read bit-serially (1 bit per row per array per cycle). */
    inputRegisterBitsPerSecond: imaInputBitsPerSecond + (8 * 128) / cycle,
    /** IMA output register: one 16-bit read-modify-write per ADC result. */
    outputRegisterBitsPerSecond: 8 * adcConversionsPerSecond * 2 * 16,
    /** Tile output register: each 16-bit output written and read once. */
    tileOutputRegisterBitsPerSecond: tileOutputsPerSecond * 16 * 2,
    /** IMA S+A units: all 8 ADC streams over 4 units. */
    shiftAddOpsPerUnit: (8 * adcConversionsPerSecond) / 4,
    /** HyperTransport: 4 links × 16 bits × 1.6 GHz double data rate. */
    hyperTransportBitsPerSecond: 4 * 16 * 1.6e9 * 2,
  };
})();

/** A unit's static share of ISAAC's table power: a best estimate, its plausible range and its source. */
export interface StaticShare {
  fraction: number;
  range: [number, number];
  source: string;
}

/**
 * Static (always-on) share of the power ISAAC's table gives each block. ISAAC publishes one power
 * per block, not a split; these are the shares charged whenever the chip is on, over the run's
 * time, whatever the activity. The rest is dynamic, charged per operation. Blocks not listed
 * (arrays, DACs, sample-and-holds, ISAAC's ADC, the NNS+A and NNADC) draw no current when idle.
 */
export const STATIC_SHARES: Readonly<Record<string, StaticShare>> = {
  hyperTransport: {
    fraction: 1,
    range: [0.8, 1],
    source:
      'HyperTransport SerDes links stay clocked and terminated whether or not data moves; ISAAC calls their 10.4 W "a constant overhead"',
  },
  edram: {
    fraction: 0.2,
    range: [0.1, 0.4],
    source:
      'estimate: refresh (tens of µs retention at 32 nm) plus cell/periphery leakage of a 64 KB eDRAM, CACTI 6.5-class figures at 32 nm',
  },
  router: {
    fraction: 0.3,
    range: [0.2, 0.4],
    source: 'estimate: leakage of the input buffers and crossbar of a 32 nm on-chip router (ORION 2.0-class leakage share at 32–45 nm)',
  },
  bus: { fraction: 0.1, range: [0, 0.2], source: 'estimate: leakage of the bus repeaters; the wires themselves only switch' },
  register: {
    fraction: 0.2,
    range: [0.1, 0.3],
    source: 'estimate: SRAM array and sense-amplifier leakage of a few-KB register file at 32 nm (CACTI 6.5-class)',
  },
  logic: {
    fraction: 0.1,
    range: [0.05, 0.2],
    source: 'estimate: leakage of standard-cell logic at 32 nm (shift-and-add, sigmoid, max-pool)',
  },
};

function isaacUnit(
  row: IsaacRow,
  operationsPerSecondPerUnit: number,
  operation: string,
  derivation: string,
  share: StaticShare | null = null,
): Unit {
  const powerPerUnit = row.totalPowerWatts / row.count;
  const f = share?.fraction ?? 0;
  return {
    energyPerOperationJoules: ((1 - f) * powerPerUnit) / operationsPerSecondPerUnit,
    staticPowerWatts: f * powerPerUnit,
    areaSquareMetres: row.totalAreaSquareMetres / row.count,
    latencySeconds: 1 / operationsPerSecondPerUnit,
    operationsPerSecond: operationsPerSecondPerUnit,
    operation,
    source:
      `ISAAC 32 nm table (docs/reference.md §5): ${row.spec}; per unit ${+(powerPerUnit / MW).toPrecision(4)} mW` +
      (share
        ? `, of which ${share.fraction * 100} % static (range ${share.range.map((x) => x * 100).join('–')} %; ${share.source})`
        : ', all dynamic') +
      `; energy = dynamic power / ${derivation}`,
  };
}

/**
 * One energy per bit read or written for every small SRAM register (PE input and output registers,
 * tile output register), J: the dynamic part of ISAAC's input register, the one whose use at
 * ISAAC's peak is known from its dataflow (refilled once per 16-cycle product and read one bit per
 * row per array per cycle: 20.5 Gb/s per 2 KB): 48 fJ/bit. ISAAC's tile output register gives 44 fJ/bit the
 * same way; its IMA output register, charged per ADC result, would give 0.6 fJ/bit, about 80× below —
 * not a physical SRAM figure, so the single value is used for all three.
 */
export const REGISTER_ENERGY_PER_BIT_JOULES =
  ((1 - STATIC_SHARES.register.fraction) * ISAAC_TABLE_INPUT_REGISTER_WATTS) / ISAAC_RATES.inputRegisterBitsPerSecond;

/**
 * A register unit (1 KB of capacity) from an ISAAC row: static share of its power, the one
 * per-bit energy {@link REGISTER_ENERGY_PER_BIT_JOULES}, and the bit rate at which its dynamic power
 * is ISAAC's (so that the rated power stays the table's).
 */
function registerUnit(row: IsaacRow, what: string): Unit {
  const kilobytes = row.count;
  const powerPerUnit = row.totalPowerWatts / kilobytes;
  const f = STATIC_SHARES.register.fraction;
  const rate = ((1 - f) * powerPerUnit) / REGISTER_ENERGY_PER_BIT_JOULES;
  return {
    energyPerOperationJoules: REGISTER_ENERGY_PER_BIT_JOULES,
    staticPowerWatts: f * powerPerUnit,
    areaSquareMetres: row.totalAreaSquareMetres / kilobytes,
    latencySeconds: 1 / rate,
    operationsPerSecond: rate,
    operation: 'bit read or written (unit = 1 KB of capacity)',
    source: `ISAAC 32 nm table (docs/reference.md §5): ${row.spec} (${what}); ${f * 100} % of its power static (${STATIC_SHARES.register.source}); one energy per bit for every register, ${+(REGISTER_ENERGY_PER_BIT_JOULES / 1e-15).toPrecision(3)} fJ, from ISAAC's input register at its known peak use`,
  };
}

/** The SAR ADC table of docs/reference.md §5: energy per conversion (pJ) and area (µm²) by bits. */
export const SAR_ADC_TABLE: ReadonlyArray<{ bits: number; energyPicojoules: number; areaSquareMicrometres: number }> = [
  { bits: 4, energyPicojoules: 0.79, areaSquareMicrometres: 361 },
  { bits: 5, energyPicojoules: 0.99, areaSquareMicrometres: 477 },
  { bits: 6, energyPicojoules: 1.2, areaSquareMicrometres: 627 },
  { bits: 7, energyPicojoules: 1.42, areaSquareMicrometres: 845 },
  { bits: 8, energyPicojoules: 1.67, areaSquareMicrometres: 1200 },
  { bits: 9, energyPicojoules: 1.97, areaSquareMicrometres: 1828 },
  { bits: 10, energyPicojoules: 2.38, areaSquareMicrometres: 3002 },
];

/** Reference NNADC designs at 130 nm (docs/reference.md §2.5): sample rate, power, area. */
export const NNADC_130NM = [
  { operationsPerSecond: 0.5e9, powerWatts: 6.3 * MW, areaSquareMetres: 0.0069 * MM2 },
  { operationsPerSecond: 1e9, powerWatts: 13.1 * MW, areaSquareMetres: 0.015 * MM2 },
];

/** Reference NNS+A designs at 130 nm (docs/reference.md §2.4): operation rate, power, area. */
export const NNSA_130NM = [
  { operationsPerSecond: 20e6, powerWatts: 0.68 * MW, areaSquareMetres: 1.5e-3 * MM2 },
  { operationsPerSecond: 40e6, powerWatts: 1.39 * MW, areaSquareMetres: 3e-3 * MM2 },
];

/** What one NNS+A is built of: the cost model scales the reference design's area and power by these counts. */
export interface NnsaElements {
  /** The design (a model directory's name, or the reference design). */
  name: string;
  /** RRAM devices of one NNS+A (its crossbars; a replica divider shared by the die is not counted). */
  rramDevices: number;
  /** Inverter neurons of one NNS+A (the die's replica inverter is not counted). */
  inverters: number;
}

/**
 * The reference design whose figures {@link NNSA_130NM} are (docs/reference.md §2.4: the design
 * card's 10 → 12 → 1 network, 10 input pairs into 12 inverter neurons, their 12 outputs and a bias
 * pair into one output column): 2·(10·12 + 13·1) = 266 RRAM devices and 12 inverters.
 */
export const REFERENCE_NNSA_ELEMENTS: NnsaElements = { name: 'the reference design (10 → 12 → 1)', rramDevices: 266, inverters: 12 };

/**
 * Share of the reference NNS+A's power charged per RRAM device; the rest is charged per inverter
 * neuron (the inverter and the buffers that drive its output and complement into the next layer).
 * Estimate 0.5, range 0.25–0.75: the published SPICE power is not broken down; it is the
 * conduction of the passive crossbar (∝ devices, V²·G) plus the neurons' current while they sit
 * near their switching point (∝ inverters), two terms of the same order in the published design's
 * budget (0.68 mW: 12 minimum-size 130 nm inverters near V_M draw a few tens of µA each, 266
 * devices of tens of µS at a few hundred mV about as much).
 */
export const NNSA_DEVICE_POWER_SHARE = { value: 0.5, range: [0.25, 0.75] as [number, number] };

/**
 * Area of one RRAM device at 32 nm: ISAAC's array area per cell (8 arrays of 128 × 128 in
 * 0.0002 mm², 1.5e-3 µm²). The reference NNS+A's 266 devices are then 0.4 % of its scaled area;
 * the rest is per inverter neuron (inverter, buffers, their wiring).
 */
export const RRAM_CELL_AREA_32NM_SQUARE_METRES = ISAAC_TABLE.array.totalAreaSquareMetres / ISAAC_TABLE.array.count / (128 * 128);

/**
 * One NNS+A operating point (area and power at a rate, at 32 nm, of {@link REFERENCE_NNSA_ELEMENTS})
 * scaled to a design by its device and inverter counts: area = devices × the cell area + inverters ×
 * (the reference's area less its devices)/12; power = the reference's power × (s·devices/266 +
 * (1 − s)·inverters/12), s = {@link NNSA_DEVICE_POWER_SHARE}. The reference design gives the point back.
 */
export function scaleNnsaPoint<P extends { powerWatts: number; areaSquareMetres: number }>(point: P, design: NnsaElements): P {
  const ref = REFERENCE_NNSA_ELEMENTS;
  const s = NNSA_DEVICE_POWER_SHARE.value;
  const perInverterArea = (point.areaSquareMetres - ref.rramDevices * RRAM_CELL_AREA_32NM_SQUARE_METRES) / ref.inverters;
  return {
    ...point,
    areaSquareMetres: design.rramDevices * RRAM_CELL_AREA_32NM_SQUARE_METRES + design.inverters * perInverterArea,
    powerWatts: point.powerWatts * (s * (design.rramDevices / ref.rramDevices) + (1 - s) * (design.inverters / ref.inverters)),
  };
}

/** How the NNS+A figures of a library follow `design` (for the unit's source text). */
function nnsaDesignText(design: NnsaElements): string {
  const ref = REFERENCE_NNSA_ELEMENTS;
  const s = NNSA_DEVICE_POWER_SHARE.value;
  if (design.rramDevices === ref.rramDevices && design.inverters === ref.inverters) return `design: ${design.name}`;
  return `design: ${design.name} (${design.rramDevices} RRAM devices, ${design.inverters} inverters), scaled from ${ref.name} (${ref.rramDevices}, ${ref.inverters}): area per device ${+(RRAM_CELL_AREA_32NM_SQUARE_METRES / UM2).toPrecision(3)} µm² (ISAAC's cell) and the rest per inverter, power ${s} per device and ${1 - s} per inverter`;
}

/**
 * TIA energy per sample relative to one 8-bit SAR conversion (CASCADE-style). Assumption: 1/10
 * (range 1/20–1/4). CASCADE argues that a TIA writing into an RRAM buffer costs much less than an
 * A/D conversion; its own figure could not be retrieved for this project, so the ratio is stated
 * here as an assumption to be replaced by CASCADE's published one.
 */
export const CASCADE_TIA_TO_ADC_ENERGY_RATIO = { value: 0.1, range: [0.05, 0.25] as [number, number] };

/**
 * RRAM buffer-cell programming pulses (CASCADE-style, 6-bit cells below G_max = 100 µS): a write
 * (SET, 1.0 V) into a cell at mid-range 25 µS for 10 ns, and the RESET (−1.2 V, 10 ns) that clears
 * it for the next product. E = V²·G·t each: 0.25 pJ + 0.36 pJ. Range: 0.3–5 pJ per write and reset
 * (conductance 6–100 µS, pulses 10–50 ns, verify pulses not counted).
 */
export const CASCADE_BUFFER_PULSES = {
  set: { volts: 1.0, siemens: G_MAX_SIEMENS / 4, seconds: 10e-9 },
  reset: { volts: 1.2, siemens: G_MAX_SIEMENS / 4, seconds: 10e-9 },
  rangeJoules: [0.3e-12, 5e-12] as [number, number],
};

/** Energy of one V²·G·t pulse, J. */
function pulseJoules(p: { volts: number; siemens: number; seconds: number }): number {
  return p.volts * p.volts * p.siemens * p.seconds;
}

/** Estimates for CASCADE's analog buffering blocks (no published per-unit figures at hand). */
export const CASCADE_ESTIMATES = {
  /** TIA: {@link CASCADE_TIA_TO_ADC_ENERGY_RATIO} × the 8-bit SAR conversion; inverter-based amplifier with an RRAM feedback element. */
  tia: {
    energyJoules: CASCADE_TIA_TO_ADC_ENERGY_RATIO.value * 1.67 * 1e-12,
    areaSquareMetres: 2 * 1e-12,
  },
  /** 6-bit buffer-cell write plus the reset before the next product (see {@link CASCADE_BUFFER_PULSES}). */
  bufferWrite: {
    energyJoules: pulseJoules(CASCADE_BUFFER_PULSES.set) + pulseJoules(CASCADE_BUFFER_PULSES.reset),
    latencySeconds: CASCADE_BUFFER_PULSES.set.seconds + CASCADE_BUFFER_PULSES.reset.seconds,
  },
  /** Summing amplifier: one op-amp adder settling in 10 ns per conversion; ~2 µA at 0.9 V for 10 ns plus read-out of the summed buffer columns. */
  summingAmplifier: { energyJoules: 0.2 * 1e-12, areaSquareMetres: 5 * 1e-12, operationsPerSecond: 100e6 },
};

/**
 * Builds the default library from the published figures above (pure; same result every call). The
 * NNS+A figures are those of `nnsa` ({@link scaleNnsaPoint}; default the reference design itself —
 * the commands pass the deployed NNS+A, see `app/deployed-nnsa.ts`).
 */
export function defaultComponentLibrary(nnsa: NnsaElements = REFERENCE_NNSA_ELEMENTS): ComponentLibrary {
  const r = ISAAC_RATES;
  const t = ISAAC_TABLE;
  const cycleRate = 1 / r.cycleSeconds;
  const units: Record<string, Unit> = {
    array: isaacUnit(
      t.array,
      cycleRate,
      'input cycle of a full 128×128 array at reference activity (energy per cell = this / 16384)',
      '10 MHz (one 100 ns read per cycle)',
    ),
    sampleHold: isaacUnit(t.sampleHold, cycleRate, 'sample', '10 MHz (one sample per 100 ns cycle)'),
    shiftAdd: isaacUnit(
      t.shiftAdd,
      r.shiftAddOpsPerUnit,
      'shift-and-add of one converted value',
      `${(r.shiftAddOpsPerUnit / 1e9).toFixed(2)} G ops/s (8 ADC streams at 1.28 GS/s over 4 units)`,
      STATIC_SHARES.logic,
    ),
    inputRegister: registerUnit(t.inputRegister, 'refilled once per product, read one bit per row per array per cycle'),
    outputRegister: registerUnit(t.outputRegister, 'running partial sums of the PE'),
    edram: isaacUnit(
      t.edram,
      r.edramBitsPerSecond,
      'bit read or written',
      `${(r.edramBitsPerSecond / 1e9).toFixed(1)} Gb/s (12 IMAs' inputs per 1.6 µs product + 16-bit outputs)`,
      STATIC_SHARES.edram,
    ),
    bus: isaacUnit(
      t.bus,
      r.busBitsPerSecond / 12,
      'bit transferred (unit = the bus segment serving one PE; a tile has one per PE)',
      `${(r.busBitsPerSecond / 1e9).toFixed(1)} Gb/s over 12 segments (same traffic as the eDRAM)`,
      STATIC_SHARES.bus,
    ),
    router: isaacUnit(
      t.router,
      r.routerBitsPerSecond,
      'bit through one router (unit = one router; ISAAC shares it by 4 tiles)',
      `${(r.routerBitsPerSecond / 1e9).toFixed(1)} Gb/s (16-bit outputs of 4 tiles)`,
      STATIC_SHARES.router,
    ),
    activation: isaacUnit(
      t.sigmoid,
      r.tileOutputsPerSecond / 2,
      'activation of one output',
      `${(r.tileOutputsPerSecond / 2 / 1e9).toFixed(2)} G ops/s (tile outputs over 2 units)`,
      STATIC_SHARES.logic,
    ),
    tileShiftAdd: isaacUnit(
      t.tileShiftAdd,
      r.tileOutputsPerSecond,
      'add of two partial outputs',
      `${(r.tileOutputsPerSecond / 1e9).toFixed(2)} G ops/s (tile outputs)`,
      STATIC_SHARES.logic,
    ),
    maxPool: isaacUnit(
      t.maxPool,
      r.tileOutputsPerSecond,
      'pooled input element',
      `${(r.tileOutputsPerSecond / 1e9).toFixed(2)} G elements/s (tile outputs)`,
      STATIC_SHARES.logic,
    ),
    tileOutputRegister: registerUnit(t.tileOutputRegister, 'tile outputs written and read once'),
    hyperTransport: isaacUnit(
      t.hyperTransport,
      r.hyperTransportBitsPerSecond,
      'bit between chips',
      `${(r.hyperTransportBitsPerSecond / 1e9).toFixed(1)} Gb/s (4 links × 16 bits × 1.6 GHz DDR)`,
      STATIC_SHARES.hyperTransport,
    ),
    isaacAdc8b: isaacUnit(t.adc, r.adcConversionsPerSecond, 'conversion', "1.28 GS/s (ISAAC's ADC)"),
    tia: {
      energyPerOperationJoules: CASCADE_ESTIMATES.tia.energyJoules,
      staticPowerWatts: 0,
      areaSquareMetres: CASCADE_ESTIMATES.tia.areaSquareMetres,
      latencySeconds: INPUT_CYCLE_SECONDS,
      operationsPerSecond: cycleRate,
      operation: 'sample of one bit-line pair',
      source: `assumption: ${CASCADE_TIA_TO_ADC_ENERGY_RATIO.value} × the 8-bit SAR conversion (1.67 pJ) = ${+(CASCADE_ESTIMATES.tia.energyJoules / PJ).toPrecision(3)} pJ, range ${CASCADE_TIA_TO_ADC_ENERGY_RATIO.range.join('–')} × (CASCADE's own TIA/ADC ratio to replace it); 2 µm² inverter-based amplifier with RRAM feedback`,
    },
    bufferArray: {
      energyPerOperationJoules: CASCADE_ESTIMATES.bufferWrite.energyJoules,
      staticPowerWatts: 0,
      areaSquareMetres: t.array.totalAreaSquareMetres / t.array.count,
      latencySeconds: CASCADE_ESTIMATES.bufferWrite.latencySeconds,
      // Rated use: a computing array's 64 bit-line pairs are written every 100 ns cycle into its
      // 4 buffer arrays, i.e. 16 cells per buffer array per cycle.
      operationsPerSecond: 16 * cycleRate,
      operation: 'write of one 6-bit buffer cell and its reset before the next product',
      source: `estimate: V²·G·t of a 1.0 V SET and a 1.2 V RESET pulse, 10 ns each, into a mid-range ${(G_MAX_SIEMENS / 4) * 1e6} µS cell = ${+(CASCADE_ESTIMATES.bufferWrite.energyJoules / PJ).toPrecision(3)} pJ (range ${CASCADE_BUFFER_PULSES.rangeJoules.map((j) => j / PJ).join('–')} pJ); area of a 128×128 computing array (ISAAC table)`,
    },
    summingAmplifier: {
      energyPerOperationJoules: CASCADE_ESTIMATES.summingAmplifier.energyJoules,
      staticPowerWatts: 0,
      areaSquareMetres: CASCADE_ESTIMATES.summingAmplifier.areaSquareMetres,
      latencySeconds: 1 / CASCADE_ESTIMATES.summingAmplifier.operationsPerSecond,
      operationsPerSecond: CASCADE_ESTIMATES.summingAmplifier.operationsPerSecond,
      operation: 'analog sum read out of buffer columns for one conversion',
      source: 'estimate: op-amp adder settling in 10 ns, ~2 µA at 0.9 V plus buffer-column read ≈ 0.2 pJ; 5 µm²',
    },
  };

  const dacPoints = Array.from({ length: 8 }, (_, i) => {
    const bits = i + 1;
    return {
      bits,
      energyPerOperationJoules: (t.dac.totalPowerWatts / t.dac.count / cycleRate) * DAC_ENERGY_GROWTH_PER_BIT ** (bits - 1),
      staticPowerWatts: 0,
      areaSquareMetres: (t.dac.totalAreaSquareMetres / t.dac.count) * DAC_AREA_GROWTH_PER_BIT ** (bits - 1),
    };
  });

  const scale = (p: { operationsPerSecond: number; powerWatts: number; areaSquareMetres: number }) => ({
    operationsPerSecond: p.operationsPerSecond,
    powerWatts: p.powerWatts * POWER_SCALE_130_TO_32,
    areaSquareMetres: p.areaSquareMetres * AREA_SCALE_130_TO_32,
  });
  const scaling = `scaled 130→32 nm: area ×(32/130)² = ${AREA_SCALE_130_TO_32.toFixed(4)}, power ×(32/130)(0.9 V/1.2 V)² = ${POWER_SCALE_130_TO_32.toFixed(4)}`;

  return parseComponentLibrary({
    technologyNanometres: TARGET_NODE_NANOMETRES,
    units,
    adcSar: {
      operation: 'conversion',
      points: SAR_ADC_TABLE.map((p) => ({
        bits: p.bits,
        energyPerOperationJoules: p.energyPicojoules * PJ,
        staticPowerWatts: 0,
        areaSquareMetres: p.areaSquareMicrometres * UM2,
      })),
      extrapolation: 'sar',
      source: "SAR ADC by resolution, docs/reference.md §5 (derived from ISAAC's 8-bit ADC with a SAR scaling model)",
    },
    dac: {
      operation: 'conversion (one input slice onto one row)',
      points: dacPoints,
      extrapolation: 'geometric',
      source: `ISAAC's 1-bit DAC (4 mW / 1024 at 10 MHz = ${(dacPoints[0].energyPerOperationJoules / PJ).toFixed(3)} pJ, ${(dacPoints[0].areaSquareMetres / UM2).toFixed(3)} µm²), energy ×√2 and area ×2 per extra bit`,
    },
    nnadc: {
      operation: 'conversion',
      resolutionBits: 8,
      points: NNADC_130NM.map(scale),
      source: `NNADC reference designs, 130 nm SPICE (docs/reference.md §2.5: 0.5 GS/s 6.3 mW 0.0069 mm²; 1 GS/s 13.1 mW 0.015 mm²), ${scaling}`,
    },
    nnsa: {
      operation: 'one input cycle of one weight group (8 bit-line pairs + held sum)',
      resolutionBits: 8,
      points: NNSA_130NM.map((p) => scaleNnsaPoint(scale(p), nnsa)),
      source: `NNS+A reference designs, 130 nm SPICE (docs/reference.md §2.4: 20 MHz 0.68 mW 1.5e-3 mm²; 40 MHz 1.39 mW 3e-3 mm²), ${scaling}; ${nnsaDesignText(nnsa)}`,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Second library: the reference design's own per-tile figures
// ---------------------------------------------------------------------------------------------

/**
 * The reference design's per-tile table at 32 nm (docs/reference.md §5), read as one 64-array tile:
 * 4 NNADCs (1.2 GS/s) 6.0 mW and 4.3e-3 mm²; 64 NNS+As (80 MHz) 19 mW and 2.4e-2 mm²; 128 × 64
 * four-bit DACs 0.1 W and 4.4e-2 mm².
 */
export const REFERENCE_DESIGN_TILE = {
  nnadc: { count: 4, operationsPerSecond: 1.2e9, powerWatts: 6.0 * MW, areaSquareMetres: 4.3e-3 * MM2 },
  nnsa: { count: 64, operationsPerSecond: 80e6, powerWatts: 19 * MW, areaSquareMetres: 2.4e-2 * MM2 },
  dac4: { count: 128 * 64, conversionsPerSecond: 1 / INPUT_CYCLE_SECONDS, powerWatts: 0.1, areaSquareMetres: 4.4e-2 * MM2 },
};

/** Names of the shipped component libraries (`npim cost --library`). */
export const COMPONENT_LIBRARY_NAMES = ['default', 'reference-design'] as const;

/** A shipped component library's name. */
export type ComponentLibraryName = (typeof COMPONENT_LIBRARY_NAMES)[number];

/**
 * The default library with the neural peripherals and the 4-bit DAC taken from the reference
 * design's own per-tile figures ({@link REFERENCE_DESIGN_TILE}) instead of the 130 → 32 nm scaling
 * rule and the DAC growth model: per unit, power and area over the count; power and area linear in
 * the rate through zero (a second design point at half the rate), so energy per operation is the
 * same at every rate.
 */
export function referenceDesignComponentLibrary(nnsa: NnsaElements = REFERENCE_NNSA_ELEMENTS): ComponentLibrary {
  const lib = defaultComponentLibrary(nnsa);
  const t = REFERENCE_DESIGN_TILE;
  const family = (row: { count: number; operationsPerSecond: number; powerWatts: number; areaSquareMetres: number }) => {
    const p = row.powerWatts / row.count;
    const a = row.areaSquareMetres / row.count;
    return [
      { operationsPerSecond: row.operationsPerSecond / 2, powerWatts: p / 2, areaSquareMetres: a / 2 },
      { operationsPerSecond: row.operationsPerSecond, powerWatts: p, areaSquareMetres: a },
    ];
  };
  const tableSource = "the reference design's per-tile table at 32 nm (docs/reference.md §5), one 64-array tile";
  lib.nnadc = {
    ...lib.nnadc,
    points: family(t.nnadc),
    source: `${tableSource}: 4 NNADCs at 1.2 GS/s, 6.0 mW, 4.3e-3 mm²; linear in rate through zero`,
  };
  lib.nnsa = {
    ...lib.nnsa,
    points: family(t.nnsa).map((p) => scaleNnsaPoint(p, nnsa)),
    source: `${tableSource}: 64 NNS+As at 80 MHz, 19 mW, 2.4e-2 mm²; linear in rate through zero; ${nnsaDesignText(nnsa)}`,
  };
  const dacEnergy = t.dac4.powerWatts / t.dac4.count / t.dac4.conversionsPerSecond;
  lib.dac = {
    ...lib.dac,
    points: lib.dac.points.map((p) =>
      p.bits === 4 ? { ...p, energyPerOperationJoules: dacEnergy, areaSquareMetres: t.dac4.areaSquareMetres / t.dac4.count } : p,
    ),
    source: `${lib.dac.source}; the 4-bit point from ${tableSource}: 128 × 64 DACs, 0.1 W, 4.4e-2 mm² (${+(dacEnergy / PJ).toPrecision(3)} pJ per 100 ns conversion)`,
  };
  return parseComponentLibrary(lib);
}

/** A shipped component library by name, its NNS+A figures those of `nnsa`; an unknown name is a one-line user error. */
export function namedComponentLibrary(name: string, nnsa: NnsaElements = REFERENCE_NNSA_ELEMENTS): ComponentLibrary {
  if (name === 'default') return defaultComponentLibrary(nnsa);
  if (name === 'reference-design') return referenceDesignComponentLibrary(nnsa);
  fail(`unknown component library '${name}' (use ${COMPONENT_LIBRARY_NAMES.join(', ')})`);
}
