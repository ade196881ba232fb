/**
 * NNADC (neural analog-to-digital converter, docs/reference.md §2.5) configuration and model schema.
 *
 * The converter digitizes the NNS+A's differential output pair (P, N): the normalized value
 * y = (P − N)/0.5 V. A model for full-scale range V_max (a fraction 1, 1/2 or 1/4 of the NNS+A
 * range) maps y to code round(y / V_max · (2^N − 1)), clipped to 0..2^N − 1 — so negative values
 * give code 0 and the converter also performs the ReLU that follows most DNN layers.
 *
 * Every comparator is an inverter neuron on a passive crossbar column: it "fires" (logic 1) when
 * its column voltage is below the inverter's switching voltage V_M of its corner (equivalently its
 * output is above the V_M of the digital inverter that reads it). Architectures:
 * - `flash`: one layer of 2^N − 1 comparators on the input (the single-hidden-layer baseline);
 *   digital thermometer-to-binary encoding (count of fired comparators, bubble-tolerant).
 * - `two-step` (sub-ranging): a coarse layer of 2^Nc − 1 comparators, then 2^Nf − 1 fine
 *   comparators (Nf = N − Nc) whose columns see the input and the coarse comparators' inverter
 *   outputs; each fired coarse comparator shifts every fine threshold up by one coarse step.
 *   Code = 2^Nf·(coarse count) + (fine count). Far fewer comparators and devices than a flash.
 */
import { z } from 'zod';
import { DEFAULT_SEED, DNN_BITS, VDD_VOLTS } from '../../core/defaults.ts';
import { SeedSchema } from '../../core/config.ts';
import { RramConfigSchema } from '../../device/rram.ts';
import { ApproximatorBaseSchema } from '../approximator-model.ts';

/** Input row kinds of a comparator stage. */
export const StageInputSchema = z.union([
  z.object({ kind: z.literal('signal') }),
  z.object({ kind: z.literal('bias') }),
  z.object({ kind: z.literal('coarse'), comparator: z.number().int().min(0) }),
  /**
   * A comparator's own trim pair (V_DD, 0), like a bias row but designed with both devices at G_min
   * and left for write-verify: SET the V_DD device to raise the threshold, the 0 V device to lower it.
   */
  z.object({ kind: z.literal('trim') }),
]);

/** One input row pair of a stage. */
export type StageInput = z.output<typeof StageInputSchema>;

/** A stage of comparators: rows (input pairs) × columns (comparators), level indices row-major. */
export const ComparatorStageSchema = z.object({
  role: z.enum(['flash', 'coarse', 'fine']),
  inputs: z.array(StageInputSchema).min(1),
  columns: z.number().int().positive(),
  upperLevels: z.array(z.number().int().min(0)),
  lowerLevels: z.array(z.number().int().min(0)),
});

/** A stage of comparators. */
export type ComparatorStage = z.output<typeof ComparatorStageSchema>;

/** Schema of `npim train adc`'s configuration. */
export const NnadcTrainConfigSchema = z.strictObject({
  /** Resolution N, bits. */
  bits: z.number().int().min(4).max(10).default(DNN_BITS),
  arch: z.enum(['flash', 'two-step']).default('two-step'),
  /** Full-scale range as a fraction of the NNS+A output range (1, 1/2, 1/4 in the design). */
  rangeFraction: z.number().gt(0).max(1).default(1),
  /** Coarse bits of the two-step converter (default ⌈N/2⌉). */
  coarseBits: z.number().int().min(1).max(9).optional(),
  /** Parallel signal rows per flash / coarse comparator (more rows: finer threshold placement); default ⌈2 / range⌉, at least 2. */
  signalRows: z.number().int().min(1).max(64).optional(),
  /**
   * Parallel signal rows per fine comparator. One level step of a coarse input must move a fine
   * threshold by one coarse step (2^Nf LSB): that ratio sets how much signal conductance the fine
   * column needs (about 11 rows at 8 bits with 3-bit cells).
   */
  fineSignalRows: z.number().int().min(1).max(128).optional(),
  /** Parallel bias row pairs (VDD, 0) per comparator (fine comparators get more, see train.ts). */
  biasRows: z.number().int().min(1).max(16).default(6),
  device: RramConfigSchema.prefault({}),
  vddVolts: z.number().positive().default(VDD_VOLTS),
  /**
   * Levels of headroom left above every V_DD bias device (their highest level is top − this), so
   * that write-verify trimming can raise a comparator's threshold after programming (`ColumnVerify`).
   */
  trimHeadroomLevels: z.number().int().min(0).max(7).default(1),
  /**
   * Shift of a comparator's switching voltage, either way, that its dedicated trim row pairs alone
   * must be able to correct, volts (local mismatch; the bias headroom above covers the die's
   * corner). Each stage gets the fewest (V_DD, 0) trim pairs at G_min with which every column
   * reaches it (`comparatorTrimRange`). Absent or 0: no trim rows (the models made before).
   * `npim train adc` sets 4σ of the characterized local mismatch of V_M.
   */
  comparatorTrimVolts: z.number().min(0).max(0.3).optional(),
  /** Weight of the programming-variation spread of each threshold in the design objective. */
  variationWeight: z.number().min(0).max(100).default(1e-4),
  seed: SeedSchema.default(DEFAULT_SEED),
});

/**
 * Reach of the comparators' trim rows that `npim train adc` designs by default, in σ of the
 * characterized local mismatch of the switching voltage: a comparator is beyond ±4σ with
 * probability 6.3e-5 (two-sided normal tail), one converter of 30 comparators in about 500.
 */
export const COMPARATOR_TRIM_SIGMAS = 4;

/** The default trim reach: {@link COMPARATOR_TRIM_SIGMAS} σ of the local V_M mismatch, rounded to 0.1 mV, volts. */
export function defaultComparatorTrimVolts(mismatchSigmaVolts: number): number {
  return Math.round(COMPARATOR_TRIM_SIGMAS * mismatchSigmaVolts * 1e4) / 1e4;
}

/** A validated NNADC training configuration. */
export type NnadcTrainConfig = z.output<typeof NnadcTrainConfigSchema>;

/** Schema of a trained NNADC (`model.json`). */
export const NnadcModelSchema = ApproximatorBaseSchema.omit({ network: true })
  .extend({
    kind: z.literal('nnadc'),
    bits: z.number().int().min(1).max(16),
    arch: z.enum(['flash', 'two-step']),
    rangeFraction: z.number().gt(0).max(1),
    vddVolts: z.number().positive(),
    device: RramConfigSchema,
    stages: z.array(ComparatorStageSchema).min(1),
    /** Target thresholds of each stage's columns per coarse state, normalized y (for reports). */
    targetThresholds: z.array(z.array(z.array(z.number()))),
    /** Where the thresholds came from: the ideal code boundaries, or a trained NNS+A's outputs. */
    thresholdSource: z.object({ kind: z.enum(['ideal', 'nnsa']), nnsaModel: z.string().optional(), samples: z.number().int().optional() }),
    config: NnadcTrainConfigSchema,
  })
  .superRefine((m, ctx) => {
    // What the schema's shapes cannot say: a hand-edited model must still be a circuit.
    const issue = (path: PropertyKey[], message: string): void => void ctx.addIssue({ code: 'custom', path, message });
    if (m.bits > MAX_NNADC_MODEL_BITS)
      issue(['bits'], `${m.bits} bits is more than the evaluation can hold in memory (at most ${MAX_NNADC_MODEL_BITS})`);
    const levels = 2 ** m.device.levelBits;
    const roles = m.stages.map((st) => st.role).join(',');
    if (m.arch === 'flash' ? roles !== 'flash' : roles !== 'coarse,fine')
      issue(['stages'], `a ${m.arch} NNADC has ${m.arch === 'flash' ? 'one flash stage' : 'a coarse and a fine stage'}, got [${roles}]`);
    if (m.arch === 'flash' && m.stages[0]?.columns !== 2 ** m.bits - 1)
      issue(['stages', 0, 'columns'], `a ${m.bits}-bit flash NNADC has ${2 ** m.bits - 1} comparators, got ${m.stages[0]?.columns}`);
    m.stages.forEach((st, si) => {
      const devices = st.inputs.length * st.columns;
      for (const side of ['upperLevels', 'lowerLevels'] as const) {
        if (st[side].length !== devices)
          issue(
            ['stages', si, side],
            `${st[side].length} levels for ${st.inputs.length} input rows × ${st.columns} comparators (${devices})`,
          );
        const bad = st[side].findIndex((l) => l >= levels);
        if (bad >= 0)
          issue(
            ['stages', si, side, bad],
            `level ${st[side][bad]} is not on the ${levels}-level device grid (levelBits ${m.device.levelBits})`,
          );
      }
      st.inputs.forEach((input, ii) => {
        if (input.kind !== 'coarse') return;
        const coarse = m.stages.find((x) => x.role === 'coarse');
        if (!coarse || input.comparator >= coarse.columns)
          issue(
            ['stages', si, 'inputs', ii, 'comparator'],
            `coarse comparator ${input.comparator} does not exist (coarse stage has ${coarse?.columns ?? 0})`,
          );
      });
    });
  });

/** Largest resolution of an NNADC model that is evaluated (its histogram test holds 2^bits codes × samples per code). */
export const MAX_NNADC_MODEL_BITS = 12;

/** A trained NNADC. */
export type NnadcModel = z.output<typeof NnadcModelSchema>;
