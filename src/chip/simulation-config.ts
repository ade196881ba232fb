/**
 * Configuration of the accelerator functional simulator (docs/reference.md §3–4) with its defaults.
 */
import { z } from 'zod';
import { DEFAULT_SEED, DNN_ARRAY_SIZE, G_MAX_SIEMENS, PROGRAMMING_SIGMA } from '../core/defaults.ts';
import { SeedSchema, deepMerge } from '../core/config.ts';
import { RramConfigSchema } from '../device/rram.ts';
import { ensure } from '../core/errors.ts';
import { ChipDescriptionSchema, PERIPHERAL_CALIBRATIONS, type ChipDescription } from './description.ts';

/** Dataflows the simulator runs; `ideal` is the exact integer reference on the same path. */
export const SIM_DATAFLOWS = ['ideal', 'isaac', 'cascade', 'neural-pim'] as const;
/** A simulated dataflow. */
export type SimDataflow = (typeof SIM_DATAFLOWS)[number];

/** Fidelity of the Neural-PIM peripherals. */
export const SIM_MODES = ['behavioral', 'statistical'] as const;

/** Schema of a simulation configuration (strict: an unknown key, e.g. a misspelt one, is an error). */
export const SimulationConfigSchema = z
  .object({
    dataflow: z.enum(SIM_DATAFLOWS).default('neural-pim'),
    /**
     * Neural-PIM peripherals: `behavioral` evaluates the trained NNS+A and NNADC on every partial
     * sum; `statistical` adds Gaussian error with the σ measured from them to ideal arithmetic.
     */
    mode: z.enum(SIM_MODES).default('behavioral'),
    /** Rows (and columns) of a DNN crossbar. */
    arrayRows: z
      .number()
      .int()
      .min(8)
      .max(4096)
      .refine((n) => Number.isInteger(Math.log2(n)), 'must be a power of two')
      .default(DNN_ARRAY_SIZE),
    /** Bits per DNN cell, P_R. */
    cellBits: z.number().int().min(1).max(8).default(1),
    /** DAC bits P_D (default: the dataflow module's, 1 for ISAAC/CASCADE, 4 for Neural-PIM; see `dacBitsOf` in `dataflows/`). */
    dacBits: z.number().int().min(1).max(8).optional(),
    /**
     * ISAAC-style converter resolution, bits of magnitude (sign from the column pair). Default
     * P_R + P_D + N − 1 (8 for 1-bit cells, 1-bit DACs, 128 rows): the unflipped column; ISAAC's
     * flip encoding saves one bit in hardware with the same result, and the cost model counts that.
     */
    isaacAdcBits: z.number().int().min(1).max(24).optional(),
    /**
     * Whether the simulated ISAAC-/CASCADE-style converters model ISAAC's flip encoding (one bit
     * fewer). false (the default): they resolve the unflipped column, with the same result; the
     * cost model counts the saved bit (an accelerator description's `flipEncoding`).
     */
    simulatedFlipEncoding: z.boolean().default(false),
    /** CASCADE buffer cell precision, bits. */
    bufferCellBits: z.number().int().min(1).max(16).default(6),
    /**
     * CASCADE buffer full scale, in bit-line units: `calibrated` sets the TIA gain per layer from the
     * largest partial sum seen on calibration images; a number fixes it.
     */
    bufferFullScale: z.union([z.literal('calibrated'), z.number().positive()]).default('calibrated'),
    /** CASCADE converter resolution, bits of magnitude (default: ISAAC's + ⌈log2 T⌉). */
    cascadeAdcBits: z.number().int().min(1).max(32).optional(),
    /**
     * Neural-PIM converter: `nnadc` the trained converters (range chosen per layer), `ideal` an
     * ideal N-bit quantizer with the same range choice, `exact` an ideal converter whose LSB is one
     * unit of the digital partial sum (enough resolution to reproduce the integer result exactly).
     */
    neuralPimAdc: z.enum(['nnadc', 'ideal', 'exact']).default('nnadc'),
    /** Neural-PIM accumulation: `nnsa` the trained network, `ideal` the exact recursion. */
    neuralPimAccumulator: z.enum(['nnsa', 'ideal']).default('nnsa'),
    /**
     * Largest bit-line sensing gain of a Neural-PIM layer (a power of two, chosen per layer from
     * calibration so that the bit lines use the NNS+A's input range; 1 = the fixed full-array scale).
     */
    maxSensingGain: z.number().int().min(1).max(1024).default(64),
    /** Neural-PIM output bits P_O when the converter is `ideal`. */
    neuralPimAdcBits: z.number().int().min(1).max(24).default(8),
    /** Model directories of the Neural-PIM peripherals (defaults: the shipped models). */
    nnsaModel: z.string().optional(),
    nnadcModels: z.array(z.string()).optional(),
    /** DNN crossbar cells: 1-bit by default, G_max 100 µS, on/off 100, σ = 0.025 log-normal. */
    device: RramConfigSchema.prefault({
      levelBits: 1,
      gMaxSiemens: G_MAX_SIEMENS,
      onOffRatio: 100,
      programming: { kind: 'lognormal', sigma: PROGRAMMING_SIGMA },
    }),
    /** Vary the peripheral circuits (NNS+A, NNADC, buffer cells) with the same σ as the arrays. */
    varyPeripherals: z.boolean().default(true),
    /**
     * Inverter corner of the Neural-PIM peripherals in each draw: `nominal` (TT, 27 °C),
     * `random-die` (one corner of the PVT bank per draw, shared by every circuit of the die) or
     * `die-mismatch` (that corner plus each varied circuit's inverters' local mismatch, from
     * `datasets/vtc/mismatch.json`; the default: what a die has).
     */
    peripheralCorners: z.enum(['nominal', 'random-die', 'die-mismatch']).default('die-mismatch'),
    /**
     * Foreground calibration of the Neural-PIM peripherals, once per chip: `offset` subtracts each
     * NNS+A/NNADC pair's converted zero-input output; `offset-gain` also scales its codes so a known
     * mid-range input reads its ideal value (two-point digital correction); `none` uses raw codes.
     */
    peripheralCalibration: z.enum(PERIPHERAL_CALIBRATIONS).default('offset-gain'),
    /**
     * Common mode v⁺ + v⁻ of the calibration stimulus: `single-line` (one line of each pair
     * driven, v⁻ = 0 for a positive input, the default) or `operating` (every pair at the layer's
     * mean pair sum, measured on its calibration inputs). `operating` helps random dense kernels
     * (`npim eval chain`) and hurts sparse real layers (ResNet-20): MODELS.md, "The deployed design".
     */
    peripheralCalibrationCommonMode: z.enum(['operating', 'single-line']).default('single-line'),
    /**
     * Write-verify trimming of every NNADC comparator after programming, once per chip (see
     * `ColumnVerify`): tolerance in LSB; 0 = off (the converters keep their first programming).
     */
    adcWriteVerifyLsb: z.number().min(0).max(64).default(0.15),
    /** Programming attempts per NNADC column when write-verifying. */
    adcVerifyAttempts: z.number().int().min(1).max(10000).default(100),
    /**
     * Write-verify trimming of every NNS+A's hidden neurons after programming, once per chip (see
     * `trimNnsa`): tolerance of each hidden column at the reference input, millivolts; 0 = off.
     */
    nnsaTrimMillivolts: z.number().min(0).max(100).default(0.2),
    /** Inject Gaussian noise into every layer's outputs at this SINAD (dB) instead of simulating hardware. */
    injectSinadDb: z.number().min(-20).max(200).optional(),
    /** Monte Carlo draws (device programming, corners). */
    draws: z.number().int().min(1).max(1000).default(1),
    seed: SeedSchema.default(DEFAULT_SEED),
    /**
     * Threads of every job (reference, calibration, each draw) with enough units of work; default:
     * one per core for jobs large enough to be worth a worker's start-up (`simulator/parallel.ts`
     * `WORKER_MIN_MACS`), this thread alone for small ones. Results do not depend on it.
     */
    workers: z.number().int().min(1).max(64).optional(),
    /** Images per batch inside the simulator (memory only). */
    batchSize: z.number().int().min(1).max(100000).default(64),
    /**
     * The accelerator description the chip-level fields came from (`--preset`/`--config`): the
     * cost model charges a run of its dataflow on this chip, not on the dataflow's preset.
     */
    chip: ChipDescriptionSchema.optional(),
  })
  .strict();

/** A validated simulation configuration. */
export type SimulationConfig = z.output<typeof SimulationConfigSchema>;

/** The NNADC write-verify of a configuration (undefined when off). */
export function adcVerifyOf(cfg: SimulationConfig): { toleranceLsb: number; maxAttempts: number } | undefined {
  return cfg.adcWriteVerifyLsb > 0 ? { toleranceLsb: cfg.adcWriteVerifyLsb, maxAttempts: cfg.adcVerifyAttempts } : undefined;
}

/** The NNS+A trimming of a configuration (undefined when off). */
export function nnsaTrimOf(cfg: SimulationConfig): { toleranceVolts: number; maxAttempts: number } | undefined {
  return cfg.nnsaTrimMillivolts > 0 ? { toleranceVolts: cfg.nnsaTrimMillivolts / 1000, maxAttempts: 100 } : undefined;
}

/** Input and weight bits of the networks the simulator runs (8-bit quantized). */
export const SIMULATED_OPERAND_BITS = 8;

/**
 * The chip-level fields of a simulation configuration taken from an accelerator description, as
 * schema input (merge run options and flags over it, then parse with {@link SimulationConfigSchema}).
 * The converter resolution (`converters.adcBits`) goes to the description's own dataflow; null
 * leaves it to the dataflow's closed form. Array columns and the organization are the cost
 * model's: the simulator tiles layers by rows only.
 */
export function simulationFieldsOfChip(chip: ChipDescription): Record<string, unknown> {
  const p = chip.precision;
  ensure(
    p.inputBits === SIMULATED_OPERAND_BITS && p.weightBits === SIMULATED_OPERAND_BITS,
    `accelerator ${chip.name}: the simulator runs ${SIMULATED_OPERAND_BITS}-bit networks, the description has ${p.inputBits}-bit inputs and ${p.weightBits}-bit weights`,
  );
  const c = chip.converters;
  const adcBits = c.adcBits ?? undefined;
  const np = c.neuralPim;
  return {
    dataflow: chip.dataflow,
    arrayRows: chip.array.rows,
    cellBits: chip.array.cellBits,
    dacBits: chip.dacBits,
    simulatedFlipEncoding: c.simulatedFlipEncoding,
    isaacAdcBits: chip.dataflow === 'isaac' ? adcBits : undefined,
    cascadeAdcBits: chip.dataflow === 'cascade' ? adcBits : undefined,
    neuralPimAdcBits: chip.dataflow === 'neural-pim' ? (adcBits ?? p.outputBits) : undefined,
    bufferCellBits: c.cascade.bufferCellBits,
    bufferFullScale: c.cascade.bufferFullScale,
    neuralPimAdc: np.adc,
    neuralPimAccumulator: np.accumulator,
    maxSensingGain: np.maxSensingGain,
    nnsaModel: np.nnsaModel,
    nnadcModels: np.nnadcModels,
    device: chip.device,
    peripheralCalibration: chip.peripherals.calibration,
    adcWriteVerifyLsb: chip.peripherals.adcWriteVerifyLsb,
    adcVerifyAttempts: chip.peripherals.adcVerifyAttempts,
    nnsaTrimMillivolts: chip.peripherals.nnsaTrimMillivolts,
    chip,
  };
}

/**
 * The schema input a simulation configuration is built on: the default device, then the chip-level
 * fields of `chip` when one is given ({@link simulationFieldsOfChip}). Merge run options and flags
 * over it, then parse with {@link SimulationConfigSchema} (the CLI and the library both do).
 */
export function simulationConfigBase(chip?: ChipDescription): Record<string, unknown> {
  return deepMerge({ device: SimulationConfigSchema.parse({}).device }, chip ? simulationFieldsOfChip(chip) : {}) as Record<
    string,
    unknown
  >;
}
