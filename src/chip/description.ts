/**
 * One description of an accelerator chip, read by both the functional simulator and the cost
 * model: array geometry, cell and DAC bits, weight layout and encoding, precision, converters,
 * peripherals, devices and the organization (tiles, PEs, arrays, cycle time) the cost model
 * charges. Validated by a strict schema (unknown keys are errors) with a schema version; named
 * presets are data (`presets.ts`).
 *
 * Converters are decided here and in the dataflow modules' closed forms only: `converters.adcBits`
 * null means "the closed form of the dataflow" (`dataflows/closed-forms.ts`), for the simulator and
 * the cost model alike. The one deliberate difference, ISAAC's flip encoding (the cost model
 * counts the bit it saves; the simulated converters resolve the unflipped column, sign + 8 bits,
 * with the same arithmetic result), is the explicit field `converters.simulatedFlipEncoding`.
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.ts';
import { DNN_ARRAY_SIZE, G_MAX_SIEMENS, INPUT_CYCLE_SECONDS, PROGRAMMING_SIGMA } from '../core/defaults.ts';
import { RramConfigSchema } from '../device/rram.ts';

/**
 * The per-pair foreground calibrations of the Neural-PIM peripherals (`dataflows/neural-pim-circuits.ts`):
 * none, the zero-input offset, a least-squares offset and gain through a ramp of known inputs, or
 * that fit done separately for negative and positive readings (`offset-gain-signed`: the sign bit
 * selects the correction, which removes the jump a sign-magnitude converter's offset makes where
 * the NNS+A output crosses zero).
 */
export const PERIPHERAL_CALIBRATIONS = ['none', 'offset', 'offset-gain', 'offset-gain-signed'] as const;

/** Version of the description format; a description with another version is rejected. */
export const CHIP_SCHEMA_VERSION = 1;

/** Hardware dataflows a chip can implement (the simulator's `ideal` reference is not a chip). */
export const CHIP_DATAFLOWS = ['isaac', 'cascade', 'neural-pim'] as const;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const bits = z.number().int().min(1).max(32);

const adcOrganizationSchema = z.discriminatedUnion('family', [
  /** A SAR ADC from the library's resolution family. */
  z.object({ family: z.literal('sar'), count: positiveInt, sampleRateHz: z.number().positive() }).strict(),
  /** A neural ADC from the library's NNADC family. */
  z.object({ family: z.literal('nnadc'), count: positiveInt, sampleRateHz: z.number().positive() }).strict(),
  /** A fixed converter named in the library's `units` (e.g. ISAAC's own 8-bit ADC); needs `converters.adcBits`. */
  z.object({ family: z.literal('unit'), unit: z.string().min(1), count: positiveInt }).strict(),
]);

/** Name of an accelerator: the cost model's architecture name and the CLI's identifier. */
export const chipNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-" only');

/** Operand precision, bits: P_I, P_W (magnitude), P_O. */
export const precisionSchema = z.object({ inputBits: bits, weightBits: bits, outputBits: bits }).strict();

/** One crossbar array: rows N (a power of two), columns, bits per cell P_R. */
export const arraySchema = z
  .object({
    rows: positiveInt.refine((n) => Number.isInteger(Math.log2(n)), 'rows must be a power of two'),
    columns: positiveInt,
    cellBits: z.number().int().min(1).max(8),
  })
  .strict();

/**
 * Crossbar read conditions: row voltage at full DAC level (0.2 V: below the RRAM set threshold,
 * typical read voltages are 0.1–0.3 V) and the time rows are driven per input cycle (10 ns: the
 * bit lines of a 128-row array settle within a few ns and are then sampled; range 5–100 ns).
 */
export const crossbarReadSchema = z
  .object({
    readVolts: z.number().positive().max(5).default(0.2),
    readSeconds: z.number().positive().max(1e-3).default(10e-9),
  })
  .strict();

/** Chip-level counts: tiles and off-chip links. */
export const chipCountsSchema = z
  .object({
    /** Tiles per chip, or "as many as fit in the chip area of architecture X". */
    tiles: z.union([positiveInt, z.object({ matchAreaOf: z.string().min(1) }).strict()]),
    /** Off-chip links (ISAAC's HyperTransport block). */
    hyperTransportLinks: z.number().nonnegative(),
  })
  .strict();

/** What one tile holds besides its PEs' arrays. */
export const tileOrganizationSchema = z
  .object({
    pes: positiveInt,
    /** 64 KB eDRAM buffers per tile. */
    edramBuffers: z.number().positive(),
    /** Routers per tile (ISAAC shares one by 4 tiles: 0.25). */
    routers: z.number().nonnegative(),
    activationUnits: positiveInt,
    shiftAddUnits: positiveInt,
    maxPoolUnits: positiveInt,
    outputRegisterKilobytes: z.number().positive(),
    /** Router hops an activation makes to reach the next layer's tile (ISAAC places consecutive layers next to each other). */
    routerHopsPerTransfer: z.number().nonnegative().default(1),
  })
  .strict();

/**
 * What one PE (ISAAC's IMA) holds, with its converters described by `adc`: a description leaves
 * their resolution to `converters.adcBits`, a resolved architecture carries it.
 */
export function peOrganizationSchema<Adc extends z.ZodType>(adc: Adc) {
  return z
    .object({
      arrays: positiveInt,
      adc,
      dacs: positiveInt,
      sampleHolds: nonNegativeInt,
      shiftAdds: nonNegativeInt,
      inputRegisterKilobytes: z.number().positive(),
      outputRegisterKilobytes: z.number().positive(),
      /** NNS+A units and their operation rate (Neural-PIM). */
      nnsa: z.object({ count: positiveInt, operationsPerSecond: z.number().positive() }).strict().optional(),
      /** Transimpedance amplifiers (CASCADE). */
      tias: nonNegativeInt.default(0),
      /** RRAM buffer arrays of 6-bit cells (CASCADE). */
      bufferArrays: nonNegativeInt.default(0),
      /** Analog summing amplifiers (CASCADE). */
      summingAmplifiers: nonNegativeInt.default(0),
    })
    .strict();
}

/** Schema of an accelerator description. */
export const ChipDescriptionSchema = z
  .object({
    schemaVersion: z.literal(CHIP_SCHEMA_VERSION),
    /** Identifier (the cost model's architecture name). */
    name: chipNameSchema,
    description: z.string().default(''),
    dataflow: z.enum(CHIP_DATAFLOWS),
    precision: precisionSchema,
    array: arraySchema,
    /** DAC resolution P_D, bits per input slice. */
    dacBits: z.number().int().min(1).max(16),
    /** Signed weights as (positive, negative) column pairs, or ISAAC's biased single columns. */
    weightLayout: z.enum(['differential', 'offset']),
    /**
     * ISAAC's flip encoding (saves one converter bit of an unsigned column; offset layout only: a
     * differential column pair is converted as one signed difference, sign + magnitude, see
     * `adcConverterBits` in dataflows/closed-forms.ts).
     */
    flipEncoding: z.boolean(),
    converters: z
      .object({
        /** Resolution of the dataflow's converter, bits; null = the dataflow's closed form. */
        adcBits: bits.nullable().default(null),
        /**
         * Whether the simulated ISAAC-/CASCADE-style converters model the flip encoding. false:
         * they resolve the unflipped column (sign + P_R + P_D + N − 1 bits), which gives the same
         * result; the cost model follows `flipEncoding`.
         */
        simulatedFlipEncoding: z.boolean().default(false),
        cascade: z
          .object({
            /** Buffer cell precision, bits. */
            bufferCellBits: z.number().int().min(1).max(16).default(6),
            /** Buffer full scale in bit-line units, or `calibrated` (TIA gain per layer from calibration images). */
            bufferFullScale: z.union([z.literal('calibrated'), z.number().positive()]).default('calibrated'),
            /**
             * Conversions per input cycle after the summing amplifiers merge the low buffer columns
             * (0.625 = the published 10 per 16 cycles); null = the closed form ⌈P_I/P_D⌉ + ⌈P_W/P_R⌉ − 1.
             * The simulator does not model summing amplifiers.
             */
            conversionsPerInputCycle: z.number().positive().nullable().default(null),
          })
          .strict()
          .prefault({}),
        neuralPim: z
          .object({
            /** `nnadc` the trained converters, `ideal` an ideal quantizer, `exact` one LSB per digital unit. */
            adc: z.enum(['nnadc', 'ideal', 'exact']).default('nnadc'),
            /** `nnsa` the trained network, `ideal` the exact recursion. */
            accumulator: z.enum(['nnsa', 'ideal']).default('nnsa'),
            /** Largest bit-line sensing gain of a layer (chosen per layer from calibration). */
            maxSensingGain: z.number().int().min(1).max(1024).default(64),
            /** Model directories of the peripherals (absent: the shipped models). */
            nnsaModel: z.string().min(1).optional(),
            nnadcModels: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Once-per-chip calibration and trimming of the Neural-PIM analog peripherals. */
    peripherals: z
      .object({
        /** Foreground digital correction of every NNS+A/NNADC pair. */
        calibration: z.enum(PERIPHERAL_CALIBRATIONS).default('offset-gain'),
        /** NNADC comparator write-verify tolerance, LSB; 0 = off. */
        adcWriteVerifyLsb: z.number().min(0).max(64).default(0.15),
        adcVerifyAttempts: z.number().int().min(1).max(10000).default(100),
        /** NNS+A hidden-neuron trimming tolerance, millivolts; 0 = off. */
        nnsaTrimMillivolts: z.number().min(0).max(100).default(0.2),
      })
      .strict()
      .prefault({}),
    /** The crossbar cells (levelBits must equal array.cellBits). */
    device: RramConfigSchema,
    /** Counts and timing the cost model charges. */
    organization: z
      .object({
        inputCycleSeconds: z.number().positive().default(INPUT_CYCLE_SECONDS),
        /**
         * Input cycles a product's pipeline slot adds after its own input cycles: 0 when the last
         * cycle's conversions overlap the next product's first input cycle (ISAAC: 16 cycles per
         * 16-bit product), 1 for an A/D tail that does not overlap (Neural-PIM's T + 1).
         */
        pipelineTailCycles: z.number().int().min(0).max(16).default(1),
        /** Crossbar read conditions the cost model charges V_read²·G·t_read with (G from `device`). */
        crossbarRead: crossbarReadSchema.prefault({}),
        /** Width of a partial sum between units; default P_I + P_W + N rounded up to whole bytes. */
        partialSumBits: bits.optional(),
        chip: chipCountsSchema,
        tile: tileOrganizationSchema,
        pe: peOrganizationSchema(adcOrganizationSchema),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.device.levelBits !== c.array.cellBits)
      ctx.addIssue({ code: 'custom', path: ['device', 'levelBits'], message: `must equal array.cellBits (${c.array.cellBits})` });
    for (const [flip, path] of [
      [c.flipEncoding, ['flipEncoding']],
      [c.converters.simulatedFlipEncoding, ['converters', 'simulatedFlipEncoding']],
    ] as const)
      if (flip && c.weightLayout === 'differential')
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: 'applies to the offset layout only (a differential column pair is converted as one signed difference)',
        });
    if (c.organization.pe.adc.family === 'unit' && c.converters.adcBits === null)
      ctx.addIssue({ code: 'custom', path: ['converters', 'adcBits'], message: 'a fixed converter unit needs its resolution' });
    if (c.dataflow !== 'cascade' && c.converters.cascade.conversionsPerInputCycle !== null)
      ctx.addIssue({
        code: 'custom',
        path: ['converters', 'cascade', 'conversionsPerInputCycle'],
        message: 'applies to the cascade dataflow only',
      });
  });

/** A validated accelerator description. */
export type ChipDescription = z.output<typeof ChipDescriptionSchema>;

/** Validates an accelerator description (e.g. parsed JSON); a bad one is a one-line {@link UserError}. */
export function parseChipDescription(input: unknown, what = 'accelerator description'): ChipDescription {
  return parseConfig(ChipDescriptionSchema, input, what);
}

/** Whether parsed JSON looks like an accelerator description (it carries a schema version). */
export function isChipDescription(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'schemaVersion' in input;
}

/** The DNN crossbar cells of the presets: 1-bit, G_max 100 µS, on/off 100, σ = 0.025 log-normal. */
export const PRESET_DEVICE = {
  levelBits: 1,
  gMaxSiemens: G_MAX_SIEMENS,
  onOffRatio: 100,
  programming: { kind: 'lognormal', sigma: PROGRAMMING_SIGMA },
} as const;

/** The presets' array: 128 × 128 one-bit cells. */
export const PRESET_ARRAY = { rows: DNN_ARRAY_SIZE, columns: DNN_ARRAY_SIZE, cellBits: 1 } as const;
