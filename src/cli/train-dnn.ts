/** `npim train dnn`: trains a baseline DNN on MNIST, saves it (tfjs format) with its 8-bit accuracy. */
import { Command } from 'commander';
import path from 'node:path';
import { z } from 'zod';
import { parseIntOption, parseSeedOption, parseNumberOption, SeedSchema } from '../core/config.ts';
import { loadConfig } from '../io/config-file.ts';
import { DEFAULT_SEED, DNN_BATCH_SIZE, DNN_EPOCHS, DNN_LEARNING_RATE } from '../core/defaults.ts';
import { describeBackend } from '../core/backend.ts';
import { ensure } from '../core/errors.ts';
import { trainDnnToDir, type TrainDnnConfig } from '../app/train-dnn.ts';
import { dnnTrainingText } from '../report/dnn-report.ts';
import { DNN_ARCHS } from '../dnn/zoo.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';

const TrainDnnSchema = z.strictObject({
  arch: z.enum(DNN_ARCHS, { error: `must be one of ${DNN_ARCHS.join(', ')}` }),
  epochs: z.int().min(1).max(1000).optional(),
  batchSize: z.int().min(1).max(8192).default(DNN_BATCH_SIZE),
  learningRate: z.number().positive().max(1).default(DNN_LEARNING_RATE),
  seed: SeedSchema.default(DEFAULT_SEED),
  dataDir: z.string().min(1).optional(),
  download: z.boolean().default(true),
  downloadTraining: z.boolean().default(false),
});

interface TrainDnnFlags {
  arch?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  seed?: string;
  dataDir?: string;
  download?: boolean;
  downloadTraining?: boolean;
  config?: string;
  out?: string;
}

/** Registers `train dnn` on the `train` group. */
export function registerTrainDnn(train: Command): void {
  train
    .command('dnn')
    .description('train a baseline DNN (mlp | lenet5) on MNIST; save model.json, weights.bin and metrics.json (float and 8-bit accuracy)')
    .option('--arch <name>', `architecture: ${DNN_ARCHS.join(' | ')}`)
    .option(
      '--epochs <n>',
      `training epochs (default ${Object.entries(DNN_EPOCHS)
        .map(([a, e]) => `${a} ${e}`)
        .join(', ')})`,
    )
    .option('--batch <n>', `mini-batch size (default ${DNN_BATCH_SIZE})`)
    .option('--lr <rate>', `Adam learning rate (default ${DNN_LEARNING_RATE})`)
    .option('--seed <n>', `random seed (default ${DEFAULT_SEED})`)
    .option('--data-dir <dir>', 'MNIST directory (default: $NPIM_DATA_DIR, else datasets/mnist in the package)')
    .option('--no-download', 'never download MNIST; fail with the list of files to place instead')
    .option('--download-training', 'download the 60 000 training images if only the test set is present')
    .option('--config <file>', 'JSON config file (flags override it)')
    .option('--out <dir>', 'output directory (required)')
    .action(async (opts: TrainDnnFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const parsed = await loadConfig(
        TrainDnnSchema,
        opts.config,
        {
          arch: opts.arch,
          epochs: opts.epochs === undefined ? undefined : parseIntOption(opts.epochs, '--epochs'),
          batchSize: opts.batch === undefined ? undefined : parseIntOption(opts.batch, '--batch'),
          learningRate: opts.lr === undefined ? undefined : parseNumberOption(opts.lr, '--lr'),
          seed: opts.seed === undefined ? undefined : parseSeedOption(opts.seed, '--seed'),
          dataDir: opts.dataDir,
          // commander sets download = true unless --no-download; only pass it when turned off so a config file can.
          download: opts.download === false ? false : undefined,
          downloadTraining: opts.downloadTraining,
        },
        'train dnn options',
      );
      // Checked after the options so that a bad --arch is reported even without --out.
      ensure(opts.out, '--out <dir> is required');
      const config: TrainDnnConfig = { ...parsed, epochs: parsed.epochs ?? DNN_EPOCHS[parsed.arch], out: path.resolve(opts.out) };
      const backend = await startBackend(global);
      const m = await writingTo(config.out, () => trainDnnToDir(config, describeBackend(backend)));
      printResult(global, m, () => dnnTrainingText(m, path.join(config.out, 'model.json')));
    });
}
