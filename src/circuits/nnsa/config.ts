/**
 * Training configuration of the NNS+A (docs/reference.md §2.4) with its defaults, and the model schema.
 */
import { z } from 'zod';
import { DEFAULT_SEED, SAMPLE_HOLD_NOISE_VOLTS, VDD_VOLTS } from '../../core/defaults.ts';
import { SeedSchema } from '../../core/config.ts';
import { RramConfigSchema } from '../../device/rram.ts';
import { ApproximatorBaseSchema } from '../approximator-model.ts';
import { CORNER_MODE_NAMES, ReplicaFeedbackSchema } from '../network.ts';

/** How inverter corners are drawn, in training or evaluation (see `CornerMode` in `network.ts`). */
export const CornerModeSchema = z.enum(CORNER_MODE_NAMES);

/** Schema of the spread of the inverters' local mismatch (see `inverter-mismatch.ts`). */
export const MismatchSpreadSchema = z.strictObject({
  switchingShift: z.strictObject({ meanVolts: z.number(), sigmaVolts: z.number().min(0) }),
  gainRatio: z.strictObject({ mean: z.number(), sigma: z.number().min(0) }),
  correlation: z.number().min(-1).max(1),
});

/** Schema of `npim train sa`'s configuration. */
export const NnsaTrainConfigSchema = z.strictObject({
  /** DAC resolution D: input slices of D bits, T = ⌈8/D⌉ cycles. */
  dacBits: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(4),
  /**
   * Parallel row pairs of each weight bit's input, bit 0 first (1 = one row per bit). A column weighs
   * a bit by the summed conductance of its rows. One 3-bit device per bit leaves the binary ratios
   * of the upper bits (1 : ½ : ¼ of the MSB) on steps of 1/7 of G_max, and each hidden neuron then
   * sees its own skewed combination of the bits, which the output layer cannot straighten; several
   * rows for the upper bits give finer sums and average their programming variation.
   */
  bitRows: z.array(z.number().int().min(1).max(16)).length(8).default([1, 1, 1, 1, 1, 1, 2, 4]),
  /** Hidden inverter neurons (12 in the reference design). */
  hiddenNeurons: z.number().int().min(1).max(256).default(12),
  /**
   * Parallel row pairs (VDD, 0) that realize the one bias input of each layer. The bit-line inputs
   * sit at a 0–0.25 V common mode while the inverters switch near VDD/2, so the bias must carry a
   * large share of each column's conductance; several rows give it that share without starving the
   * signal devices of conductance (and so of level resolution). In the output columns the bias to
   * ground must carry 0.58 of the conductance (it pulls the neuron outputs, centred at 0.6 V, down to
   * the 0.25 V output common mode): with 8 rows it sat at G_max and capped the output devices at
   * levels 2–5; 12 rows let them use finer relative steps and average the bias variation.
   */
  biasRows: z.number().int().min(1).max(64).default(12),
  /**
   * Row pairs of the hidden layer tied to a replica-inverter reference V_rep = V_M of the die's
   * corner (a diode-connected inverter, buffered; see `network.ts`). 0 = none. With a large share
   * of each hidden column's conductance on V_rep, a global corner moves the column voltage along
   * with the inverters' threshold instead of shifting every threshold against its input.
   */
  replicaRows: z.number().int().min(0).max(64).default(4),
  /**
   * Resistive feedback around the replica inverter (`network.ts`): its output then carries the
   * die's threshold shift amplified ≈ (output + 2·rail) / output times, which a passive column can
   * follow with a share of its conductance well below 1. Absent: diode-connected replica.
   */
  replicaFeedback: ReplicaFeedbackSchema.optional(),
  /**
   * Initialization: `centered` (random signal devices, bias centering every hidden column at V_M)
   * or `thermometer` (mirrored families with staggered thresholds, see `nnsa/init.ts`).
   */
  init: z.enum(['centered', 'thermometer']).default('thermometer'),
  /** Thermometer init: conductance of each MSB row device and of the output devices (units of G_max). */
  thermometer: z
    .object({
      topConductance: z.number().min(0.05).max(1).default(1),
      outputConductance: z.number().min(0.05).max(1).default(0.4),
      thresholdRangeVolts: z.tuple([z.number(), z.number()]).default([0, 0.5]),
      jitter: z.number().min(0).max(0.5).default(0.02),
    })
    .prefault({}),
  /**
   * Trim row pairs of the hidden layer at two divider taps near VDD/2 (`trimVolts`; see
   * `network.ts`): fine adjustment of the neurons' thresholds, which 3-bit devices to VDD or ground
   * can only place on a coarse grid. 0 = none.
   */
  trimRows: z.number().int().min(0).max(64).default(2),
  trimVolts: z.tuple([z.number().min(0), z.number().min(0)]).default([0.7, 0.5]),
  /** Initial normalized conductance of the trim devices. */
  trimInitLevel: z.number().min(0).max(1).default(0.3),
  /** Initial normalized conductance of the replica devices. */
  replicaInitLevel: z.number().min(0).max(1).default(0.7),
  /** Peripheral RRAM cells (3-bit, σ = 0.025 log-normal by default). */
  device: RramConfigSchema.prefault({}),
  vddVolts: z.number().positive().default(VDD_VOLTS),
  /** RMS sample-and-hold thermal noise on every input line during training, volts. */
  sampleHoldNoiseVolts: z.number().min(0).max(0.05).default(SAMPLE_HOLD_NOISE_VOLTS),
  /**
   * Inverter corners during training: `nominal` (TT 27 °C for every neuron), `global` (one random
   * corner per step for all neurons, as on one die), `die-mismatch` (that corner plus each
   * inverter's local mismatch from `trainingMismatch`) or `per-neuron` (a random corner per neuron).
   * `global` is the default: process and temperature corners are die-wide, and with the replica
   * rows the network learns to use the tracking reference.
   */
  trainingCorners: CornerModeSchema.default('global'),
  /**
   * The inverters' local mismatch that `die-mismatch` training corners draw from (the CLI fills it
   * from `datasets/vtc/mismatch.json`); recorded with the model.
   */
  trainingMismatch: MismatchSpreadSchema.optional(),
  /**
   * Simulated dies per training step: the batch is split among this many variation draws, each at
   * its own random corner (with `global` corners), so one step weighs several dies at once.
   */
  diesPerStep: z.number().int().min(1).max(64).default(1),
  /** Apply the device model's programming variation during training. */
  variationAware: z.boolean().default(true),
  batchSize: z.number().int().min(16).max(65536).default(256),
  /** Steps of unquantized (float-conductance) training before quantization starts. */
  floatSteps: z.number().int().min(0).default(1200),
  /** Steps after each incremental-quantization stage. */
  stageSteps: z.number().int().min(1).default(700),
  /** Fractions of devices frozen on their levels at the start of each stage (ascending, < 1). */
  freezeSchedule: z.array(z.number().gt(0).lt(1)).default([0.3, 0.5, 0.65, 0.8, 0.9, 0.95, 0.98]),
  learningRate: z.number().positive().max(1).default(0.01),
  /**
   * Extra loss term for the error tail: weight × (mean e^power)^(2/power) of the differential
   * error e (volts², like the MSE). The acceptance figure is the maximum error, which the MSE
   * alone trades away for a lower mean; a high-order mean approaches the maximum smoothly. With
   * float conductances the 16th-power term at weight 3 takes the maximum from 12 mV to 4.3 mV
   * (RMS 1.1 → 1.6 mV).
   */
  tailLoss: z
    .object({
      weight: z.number().min(0).default(3),
      power: z.number().int().min(4).max(16).default(16),
    })
    .prefault({}),
  /**
   * Fraction of training (and refinement) samples drawn output-uniform (see `sampleNnsaBatch`):
   * same physical input range, but the full output range |y| ≤ 1 is covered evenly.
   */
  stressFraction: z.number().min(0).max(1).default(0.3),
  /**
   * Spread the levels of interchangeable parallel rows (bias, replica, trim) evenly as the last
   * step: identical nominal behaviour, less programming-variation spread
   * (`balanceParallelRows` in `network.ts`).
   */
  balanceRows: z.boolean().default(true),
  /** Discrete refinement (coordinate descent over level indices) after training. */
  refine: z
    .strictObject({
      sweeps: z.number().int().min(0).max(100).default(4),
      /** Variation-and-corner chips in the refinement objective besides the nominal one. */
      chips: z.number().int().min(0).max(64).default(4),
      batch: z.number().int().min(64).max(65536).default(2048),
      /**
       * Corner names of the refinement chips under global training corners (cycled); empty =
       * random corners. Naming the extreme corners puts the worst dies into the objective.
       */
      chipCorners: z.array(z.string()).default([]),
      /** Try paired moves within a column (one device up, another down; the costliest move type). */
      pairMoves: z.boolean().default(true),
      /** Also try cross-column moves in the hidden layer (see `refine.ts`). */
      crossColumnMoves: z.boolean().default(true),
      /** Weight of the tail term (see `tailLoss`, same power) in the refinement objective only. */
      tailWeight: z.number().min(0).default(3),
      /** Weight of the nominal chip in the refinement objective (the variation chips share the rest). */
      nominalWeight: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
  seed: SeedSchema.default(DEFAULT_SEED),
});

/** A validated NNS+A training configuration. */
export type NnsaTrainConfig = z.output<typeof NnsaTrainConfigSchema>;

/** Schema of a trained NNS+A model (`model.json`). */
export const NnsaModelSchema = ApproximatorBaseSchema.extend({
  kind: z.literal('nnsa'),
  dacBits: z.union([z.literal(1), z.literal(2), z.literal(4)]),
  config: NnsaTrainConfigSchema,
});

/** A trained NNS+A model. */
export type NnsaModel = z.output<typeof NnsaModelSchema>;
