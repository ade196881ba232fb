/** `npim import keras | torch`: models trained elsewhere, into the project's model format. */
import { Command } from 'commander';
import { parseIntOption, parseNumberOption } from '../core/config.ts';
import { ensure } from '../core/errors.ts';
import { info } from '../io/progress.ts';
import { importKeras, importTorch, IMPORT_LAYER_CLASSES, type ExternalImportResult } from '../app/import-external.ts';
import { TORCH_ARCHS } from '../dnn/resnet-cifar.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';

interface ImportOptions {
  out: string;
  data?: string;
  samples?: string;
  check?: string;
  int8?: string;
}

function common(opts: ImportOptions) {
  const samples = opts.samples === undefined ? undefined : parseIntOption(opts.samples, '--samples', 1);
  const check = opts.check === undefined ? undefined : parseIntOption(opts.check, '--check', 1);
  const int8Samples = opts.int8 === undefined ? undefined : parseIntOption(opts.int8, '--int8', 1);
  ensure(samples === undefined || samples <= 1_000_000, '--samples must be between 1 and 1000000');
  return { out: opts.out, data: opts.data, samples, check, int8Samples };
}

function summary(r: ExternalImportResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  return [
    `imported ${r.source} (${r.kind}, ${r.arch}) into ${r.out}`,
    `  ${r.layers} layers: ${r.crossbarLayers} crossbar (dense/conv2d, batch-norm folded), ${r.adds} residual adds; input [${r.inputShape.join(', ')}]`,
    `  float top-1 (tfjs): ${pct(r.floatAccuracy.top1)} (${r.floatAccuracy.correct}/${r.floatAccuracy.images}) on ${r.description}`,
    ...(r.int8Accuracy
      ? [
          `  8-bit reference top-1: ${pct(r.int8Accuracy.top1)} (${r.int8Accuracy.correct}/${r.int8Accuracy.images}; activation scales calibrated on ${r.int8Accuracy.calibrationImages} images)`,
        ]
      : []),
    `  float64 layer list vs tfjs on the first ${r.agreement.images} images: ${r.agreement.sameClass}/${r.agreement.images} same class, max |difference| ${r.agreement.maxAbsDifference.toExponential(2)}`,
  ].join('\n');
}

function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--out <dir>', 'model directory to write (tfjs Layers model.json + weights.bin, with npim metadata)')
    .option('--data <set>', 'data for the float accuracy: mnist, cifar10 or a directory (default: from the input shape)')
    .option('--samples <n>', 'images for the float accuracy (default: all)')
    .option('--check <n>', 'images on which the float64 layer list is compared with tfjs (default 50)')
    .option('--int8 <n>', 'also measure the exact 8-bit reference (quantized as npim simulate does) on the first n images');
}

/** Registers the `import` group. */
export function registerImport(program: Command): Command {
  const group = program
    .command('import')
    .description(`import a model trained elsewhere (layers: ${IMPORT_LAYER_CLASSES.join(', ')}); writes it with its float accuracy`);
  withCommon(group.command('keras <file>').description('import a Keras HDF5 model (.h5, Keras 2)'))
    .option(
      '--mean-image <file>',
      'per-pixel mean (.npy, pixel units) subtracted from the input (default: x_train_mean.npy beside the file, if any)',
    )
    .option('--input-scale <s>', 'real value of one pixel code after the mean is subtracted (default 1/255)')
    .action(async (file: string, opts: ImportOptions & { meanImage?: string; inputScale?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const c = common(opts);
      const inputScale = opts.inputScale === undefined ? undefined : parseNumberOption(opts.inputScale, '--input-scale');
      ensure(inputScale === undefined || inputScale > 0, '--input-scale must be positive');
      await startBackend(global);
      const r = await writingTo(opts.out, () => importKeras(file, { ...c, meanImage: opts.meanImage, inputScale }));
      info(`wrote ${opts.out}`);
      printResult(global, r, () => summary(r));
    });
  withCommon(group.command('torch <file>').description('import a PyTorch state dict (.pth) of a named architecture'))
    .requiredOption('--arch <name>', `architecture: ${TORCH_ARCHS.join(', ')}`)
    .action(async (file: string, opts: ImportOptions & { arch: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const c = common(opts);
      await startBackend(global);
      const r = await writingTo(opts.out, () => importTorch(file, opts.arch, c));
      info(`wrote ${opts.out}`);
      printResult(global, r, () => summary(r));
    });
  return group;
}
