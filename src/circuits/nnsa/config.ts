/**
 * Training configuration of the NNS+A (DESIGN.md §2.4) with its defaults, and the model schema.
 */
import { z } from 'zod';
import { DEFAULT_SEED, SAMPLE_HOLD_NOISE_VOLTS, VDD_VOLTS } from '../../core/defaults.ts';
import { RramConfigSchema } from '../../device/rram.ts';
import { ApproximatorBaseSchema } from '../approximator-model.ts';

/** How inverter corners are drawn, in training or evaluation. */
export const CornerModeSchema = z.enum(['nominal', 'global', 'per-neuron']);

/** Schema of `npim train sa`'s configuration. */
export const NnsaTrainConfigSchema = z.object({
  /** DAC resolution D: input slices of D bits, T = ⌈8/D⌉ cycles. */
  dacBits: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(4),
  /** Hidden inverter neurons (12 in the reference design). */
  hiddenNeurons: z.number().int().min(1).max(256).default(12),
  /**
   * Parallel row pairs (VDD, 0) that realize the one bias input of each layer. The bit-line inputs
   * sit at a 0–0.25 V common mode while the inverters switch near VDD/2, so the bias must carry a
   * large share of each column's conductance; several rows give it that share without starving the
   * signal devices of conductance (and so of level resolution).
   */
  biasRows: z.number().int().min(1).max(64).default(8),
  /** Peripheral RRAM cells (3-bit, σ = 0.025 log-normal by default). */
  device: RramConfigSchema.prefault({}),
  vddVolts: z.number().positive().default(VDD_VOLTS),
  /** RMS sample-and-hold thermal noise on every input line during training, volts. */
  sampleHoldNoiseVolts: z.number().min(0).max(0.05).default(SAMPLE_HOLD_NOISE_VOLTS),
  /**
   * Inverter corners during training: `nominal` (TT 27 °C for every neuron), `global` (one random
   * corner per step for all neurons, as on one die) or `per-neuron` (a random corner per neuron).
   */
  trainingCorners: CornerModeSchema.default('nominal'),
  /** Apply the device model's programming variation during training. */
  variationAware: z.boolean().default(true),
  batchSize: z.number().int().min(16).max(65536).default(256),
  /** Steps of unquantized (float-conductance) training before quantization starts. */
  floatSteps: z.number().int().min(0).default(2000),
  /** Steps after each incremental-quantization stage. */
  stageSteps: z.number().int().min(1).default(1000),
  /** Fractions of devices frozen on their levels at the start of each stage (ascending, < 1). */
  freezeSchedule: z.array(z.number().gt(0).lt(1)).default([0.3, 0.5, 0.65, 0.8, 0.9, 0.95, 0.98]),
  learningRate: z.number().positive().max(1).default(0.01),
  /** Discrete refinement (coordinate descent over level indices) after training. */
  refine: z
    .object({
      sweeps: z.number().int().min(0).max(100).default(6),
      /** Variation-and-corner chips in the refinement objective besides the nominal one. */
      chips: z.number().int().min(0).max(64).default(4),
      batch: z.number().int().min(64).max(65536).default(2048),
    })
    .prefault({}),
  seed: z.number().int().min(0).default(DEFAULT_SEED),
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
