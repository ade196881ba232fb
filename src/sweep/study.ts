/**
 * A sweep study: one `npim simulate` run (a model, its images, the dataflows, a σ and an injected
 * SINAD sweep, Monte Carlo draws, a seed, an accelerator description) written as a JSON file, so
 * that it can be split into shards that run anywhere and merged into exactly that run's results.
 *
 * With `vary`, the study is several such runs, the cartesian product of the listed values
 * ({@link studyVariants}).
 *
 * Every field mirrors a `npim simulate` flag ({@link simulateArguments} gives the equivalent
 * command line), and the study is turned into a simulation configuration by the same code as the
 * flags, so the merged `results.json` is the one `npim simulate` writes for that command.
 */
import { z } from 'zod';
import { SIM_DATAFLOWS, SIM_MODES } from '../chip/simulation-config.ts';
import { SeedSchema } from '../core/config.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const sigmaValue = finite.pipe(z.number().min(0).max(2));

/** The fields of one study (one `npim simulate` run). */
const StudyFieldsSchema = z
  .object({
    /** tfjs Layers model directory (`--model`; default: the shipped LeNet-5). */
    model: z.string().min(1).optional(),
    /** Held-out images (`--samples`). */
    samples: z.number().int().min(1).max(1_000_000).default(2000),
    /** Evaluation data (`--data`): mnist, cifar10 or a directory holding either (default: the model's own data set, else mnist). */
    data: z.string().min(1).optional(),
    /** MNIST directory (`--data-dir`; default NPIM_DATA_DIR, then datasets/mnist). */
    dataDir: z.string().min(1).optional(),
    /** Dataflows (`--dataflow`), a list or `all` (default: the accelerator description's). */
    dataflows: z.union([z.literal('all'), z.array(z.enum(SIM_DATAFLOWS)).min(1)]).optional(),
    /** Log-normal programming σ of the base runs (`--sigma`). */
    sigma: sigmaValue.optional(),
    /** σ values swept for accuracy vs σ (`--sigma-sweep`). */
    sigmaSweep: z.array(sigmaValue).min(1).optional(),
    /** Injected SINAD values (dB) swept for accuracy vs SINAD (`--sinad-sweep`). */
    sinadSweep: z.array(finite).min(1).optional(),
    /** Monte Carlo device draws of every run (`--mc`). */
    draws: z.number().int().min(1).max(1000).optional(),
    /** Study seed (`--seed`): draw d of every run is seeded by drawSeedOf(seed, d). */
    seed: SeedSchema.optional(),
    /** Accelerator description preset (`--preset`). */
    preset: z.string().min(1).optional(),
    /** Accelerator description or simulation configuration file (`--config`). */
    config: z.string().min(1).optional(),
    /** Neural-PIM peripheral fidelity (`--mode`). */
    mode: z.enum(SIM_MODES).optional(),
    /** Relative per-read noise σ (`--read-noise`). */
    readNoise: finite.optional(),
    /** Neural-PIM peripherals, trained or ideal (`--peripherals`). */
    peripherals: z.enum(['trained', 'ideal']).optional(),
    /** NNADC write-verify tolerance in LSB (`--adc-verify`). */
    adcVerify: finite.optional(),
    /** NNS+A trim tolerance in mV (`--nnsa-trim`). */
    nnsaTrim: finite.optional(),
    /** NNS+A model directory (`--nnsa`). */
    nnsa: z.string().min(1).optional(),
    /** NNADC model directories (`--nnadc`). */
    nnadc: z.array(z.string().min(1)).min(1).optional(),
    /** Gaussian noise in every layer at this SINAD instead of hardware (`--inject-sinad`). */
    injectSinad: finite.optional(),
  })
  .strict();

/**
 * The study fields `vary` may sweep: the scalar `npim simulate` flags that change the simulation
 * configuration. Not `samples` (every variant runs on the same images, prepared once per shard).
 */
export const VARY_FIELDS = ['sigma', 'readNoise', 'adcVerify', 'nnsaTrim', 'mode', 'peripherals', 'preset', 'injectSinad', 'seed'] as const;
/** A field `vary` may sweep. */
export type VaryField = (typeof VARY_FIELDS)[number];
/** One variant's values of the varied fields, in the order they are written in `vary`. */
export type VariantValues = Partial<Record<VaryField, number | string>>;

/** Schema of a study file (strict: an unknown key is an error naming it). */
export const StudySchema = StudyFieldsSchema.extend({
  /**
   * Fields swept as a cartesian product (field → non-empty list of values): the study runs once per
   * combination, each an ordinary study with those fields set.
   */
  vary: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
})
  .strict()
  .superRefine((study, ctx) => {
    if (study.vary && Object.keys(study.vary).length === 0) ctx.addIssue({ code: 'custom', path: ['vary'], message: 'lists no field' });
    for (const [key, values] of Object.entries(study.vary ?? {})) {
      if (!(VARY_FIELDS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['vary', key], message: `cannot be varied (vary takes ${VARY_FIELDS.join(', ')})` });
        continue;
      }
      if ((study as Record<string, unknown>)[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: ['vary', key], message: `is also set at the top level of the study; set it in one place` });
      const schema = StudyFieldsSchema.shape[key as VaryField];
      values.forEach((value, i) => {
        const r = schema.safeParse(value);
        if (!r.success || value === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['vary', key, i],
            message: `${JSON.stringify(value)} is not a valid ${key}${r.success ? '' : ` (${r.error.issues[0].message})`}`,
          });
      });
      if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length)
        ctx.addIssue({ code: 'custom', path: ['vary', key], message: 'lists a value twice' });
    }
  });

/** A parsed study. */
export type Study = z.output<typeof StudySchema>;

/** One variant of a study: the values of its varied fields, and the ordinary study (no `vary`) it is. */
export interface StudyVariant {
  index: number;
  values: VariantValues;
  study: Study;
  /** Folder name of the variant's report: its index and values (e.g. `1-sigma-0.1_mode-statistical`). */
  dir: string;
}

/**
 * The variants of a study: the cartesian product of its `vary` lists, the first field varying
 * slowest and the last fastest (fields in the order they are written). A study without `vary` is
 * one variant with no values.
 */
export function studyVariants(study: Study): StudyVariant[] {
  const { vary, ...base } = study;
  let combos: VariantValues[] = [{}];
  for (const [key, values] of Object.entries(vary ?? {}))
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v as number | string })));
  return combos.map((values, index) => ({
    index,
    values,
    study: { ...base, ...values } as Study,
    dir: `${index}-${Object.entries(values)
      .map(([k, v]) => `${k}-${v}`)
      .join('_')}`.replace(/[^\w.-]+/g, '-'),
  }));
}

/** The `npim simulate` options (as command-line strings) that a study stands for. */
export interface StudySimulateOptions {
  model?: string;
  dataflow?: string;
  mode?: string;
  sigma?: string;
  readNoise?: string;
  mc?: string;
  samples: string;
  seed?: string;
  data?: string;
  dataDir?: string;
  nnsa?: string;
  nnadc?: string;
  peripherals?: string;
  adcVerify?: string;
  nnsaTrim?: string;
  injectSinad?: string;
  sigmaSweep?: string;
  sinadSweep?: string;
  config?: string;
  preset?: string;
}

const str = (x: number | undefined): string | undefined => (x === undefined ? undefined : String(x));

/** The `npim simulate` options of a study (numbers written so that they parse back to themselves). */
export function studySimulateOptions(s: Study): StudySimulateOptions {
  return {
    model: s.model,
    dataflow: s.dataflows === undefined ? undefined : s.dataflows === 'all' ? 'all' : s.dataflows.join(','),
    mode: s.mode,
    sigma: str(s.sigma),
    readNoise: str(s.readNoise),
    mc: str(s.draws),
    samples: String(s.samples),
    seed: str(s.seed),
    data: s.data,
    dataDir: s.dataDir,
    nnsa: s.nnsa,
    nnadc: s.nnadc?.join(','),
    peripherals: s.peripherals,
    adcVerify: str(s.adcVerify),
    nnsaTrim: str(s.nnsaTrim),
    injectSinad: str(s.injectSinad),
    sigmaSweep: s.sigmaSweep?.map(String).join(','),
    sinadSweep: s.sinadSweep?.map(String).join(','),
    config: s.config,
    preset: s.preset,
  };
}

const FLAGS: Array<[keyof StudySimulateOptions, string]> = [
  ['model', '--model'],
  ['dataflow', '--dataflow'],
  ['mode', '--mode'],
  ['sigma', '--sigma'],
  ['readNoise', '--read-noise'],
  ['mc', '--mc'],
  ['samples', '--samples'],
  ['seed', '--seed'],
  ['data', '--data'],
  ['dataDir', '--data-dir'],
  ['nnsa', '--nnsa'],
  ['nnadc', '--nnadc'],
  ['peripherals', '--peripherals'],
  ['adcVerify', '--adc-verify'],
  ['nnsaTrim', '--nnsa-trim'],
  ['injectSinad', '--inject-sinad'],
  ['sigmaSweep', '--sigma-sweep'],
  ['sinadSweep', '--sinad-sweep'],
  ['config', '--config'],
  ['preset', '--preset'],
];

/** The arguments of the `npim simulate` run a study stands for (after `npim simulate`). */
export function simulateArguments(s: Study): string[] {
  const o = studySimulateOptions(s);
  return FLAGS.flatMap(([key, flag]) => (o[key] === undefined ? [] : [flag, o[key]]));
}
