/**
 * `npim export MODEL --format csv|json|spice --out PATH`: the crossbar weight map of a trained
 * NNS+A / NNADC or of a DNN (tfjs Layers model), or an approximator as an ngspice netlist. The
 * mapping and the netlist live in `src/mapping/`; this file parses options and writes files. A DNN
 * map is draw `--draw` of `npim simulate` with the same `--seed`, `--sigma`, `--dataflow` and
 * `--config`: the configuration is built by the same function (`simulationConfigFrom`).
 */
import { Command } from 'commander';
import { promises as fs, existsSync, statSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { parseIntOption, parseSeedOption, parseNumberOption } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { INVERTER_LIB_PATH, displayPath } from '../core/paths.ts';
import { writeFileAtomic } from '../io/files.ts';
import { sweepTemporariesOf } from '../io/result-dir.ts';
import { info } from '../io/progress.ts';
import { describeApproximator, programApproximator } from '../mapping/approximator-map.ts';
import { modelDirectoryKind, readApproximator } from '../app/model-directory.ts';
import { approximatorExport, dnnExport, prepareDnnExport } from '../app/model-export.ts';
import { approximatorDeck, inverterCorner } from '../spice/netlist.ts';
import { writeWeightMap } from '../io/weight-map-file.ts';
import { weightMapDeviceCount } from '../weight-map/weight-map.ts';
import { SIM_DATAFLOWS, type SimDataflow } from '../chip/simulation-config.ts';
import { programsCrossbars } from '../simulator/engine.ts';
import { printResult, startBackend, type GlobalOptions } from './shared.ts';
import { simulationConfigFrom } from './simulate.ts';

/** Output formats of `npim export`. */
export const EXPORT_FORMATS = ['csv', 'json', 'spice'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportFlags {
  model?: string;
  draw?: string;
  dataflow?: string;
  config?: string;
  format?: string;
  out?: string;
  seed?: string;
  sigma?: string;
  corner?: string;
  points?: string;
  dataDir?: string;
}

/** The format asked for, or the one the output file's extension names. */
function exportFormat(flag: string | undefined, out: string): ExportFormat {
  if (flag !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(flag)) fail(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${flag}'`);
    return flag as ExportFormat;
  }
  const ext = path.extname(out).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (['.cir', '.sp', '.spice', '.net'].includes(ext)) return 'spice';
  fail(`--format is required (csv, json or spice) when --out has no .csv, .json or .cir extension: ${out}`);
}

/**
 * Fails with one line unless `file` can be written: not a directory itself, and its nearest
 * existing ancestor is a writable directory (checked before any work, so a long DNN export does
 * not fail at the very end).
 */
export async function ensureWritableFile(file: string, option = '--out'): Promise<void> {
  const abs = path.resolve(file);
  if (existsSync(abs) && statSync(abs).isDirectory()) fail(`${option} ${file} is a directory; give a file name`);
  let dir = path.dirname(abs);
  while (!existsSync(dir)) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (!statSync(dir).isDirectory()) fail(`${option} ${file} cannot be created: ${dir} is a file, not a directory`);
  try {
    await fs.access(dir, fsConstants.W_OK);
  } catch {
    fail(`${option} ${file} cannot be written: directory ${dir} is not writable`);
  }
}

/** The data file a netlist's `wrdata` writes: the netlist path with extension `.data`. */
function dataFileOf(netlist: string): string {
  const abs = path.resolve(netlist);
  return path.join(path.dirname(abs), `${path.basename(abs, path.extname(abs))}.data`);
}

/** Registers `npim export`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'export the crossbar weight map of a trained NNS+A / NNADC or a DNN (CSV, JSON; one record per RRAM device), or an NNS+A / NNADC as an ngspice netlist',
    )
    .argument(
      '[model]',
      'model directory: a trained NNS+A / NNADC (model.json with kind) or a tfjs Layers DNN (model.json with modelTopology)',
    )
    .option('--model <dir>', 'the model directory (instead of the argument)')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')} (default: from the --out extension, .csv / .json / .cir)`)
    .option('--out <path>', 'output file (required); written atomically')
    .option(
      '--seed <n>',
      'seed of the programming variation (default 1); DNN: the seed of npim simulate; NNS+A netlists: also of the operating points',
    )
    .option('--sigma <sigma>', "programming variation σ (default: the model's device σ, 0.025 for DNNs; 0 = nominal devices)")
    .option('--draw <k>', 'DNN: the Monte Carlo draw of npim simulate --seed N to export, 0-based (default 0)')
    .option('--dataflow <name>', `DNN: the simulated dataflow whose crossbars to export (${SIM_DATAFLOWS.join(', ')}; default neural-pim)`)
    .option('--config <file>', 'DNN: JSON simulation configuration, as for npim simulate (device, arrayRows; flags override it)')
    .option('--corner <name>', 'spice: inverter corner of the netlist (default tt_27c)')
    .option('--points <n>', 'spice: NNADC sweep points (default 4096) or NNS+A operating points (default 200)')
    .option(
      '--data-dir <dir>',
      'DNN: MNIST directory for the quantization calibration split (default: $NPIM_DATA_DIR, else datasets/mnist)',
    )
    .action(async (modelArg: string | undefined, flags: ExportFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      ensure(modelArg === undefined || flags.model === undefined, 'give the model directory once: as the argument or with --model');
      const modelDir = modelArg ?? flags.model;
      ensure(modelDir, 'a model directory is required (argument or --model <dir>)');
      ensure(flags.out, '--out <path> is required');
      const format = exportFormat(flags.format, flags.out);
      const seed = flags.seed === undefined ? undefined : parseSeedOption(flags.seed, '--seed');
      if (seed !== undefined) ensure(seed >= 0 && seed <= 0xffffffff, `--seed must be an integer in 0..4294967295, got ${seed}`);
      const sigma = flags.sigma === undefined ? undefined : parseNumberOption(flags.sigma, '--sigma');
      if (sigma !== undefined) ensure(sigma >= 0 && sigma <= 2, `--sigma must be between 0 and 2, got ${sigma}`);
      const points = flags.points === undefined ? undefined : parseIntOption(flags.points, '--points');
      const kind = await modelDirectoryKind(modelDir);
      if (format === 'spice') {
        ensure(
          kind !== 'dnn',
          `--format spice exports NNS+A / NNADC approximators; ${modelDir} holds a DNN (export its weight map as csv or json)`,
        );
      } else {
        ensure(flags.corner === undefined && flags.points === undefined, '--corner and --points apply to --format spice only');
      }
      if (kind !== 'dnn') {
        ensure(flags.dataDir === undefined, '--data-dir applies to DNN models only');
        ensure(
          flags.draw === undefined && flags.dataflow === undefined && flags.config === undefined,
          '--draw, --dataflow and --config apply to DNN models only',
        );
      }
      await ensureWritableFile(flags.out);
      const out = path.resolve(flags.out);
      // What a killed earlier export of this file left (SIGINT/SIGTERM clean up after themselves).
      sweepTemporariesOf(out);

      if (format === 'spice') {
        const corner = inverterCorner(flags.corner);
        const a = await readApproximator(modelDir);
        const programmed = programApproximator(a, { sigma, seed });
        // A self-contained folder: the inverter library is written beside the netlist and both
        // paths are relative (ngspice resolves .include from the netlist's folder; wrdata writes
        // into the folder it runs in), so the netlist names no path of this machine.
        const dataFile = path.basename(dataFileOf(out));
        const libFile = path.basename(INVERTER_LIB_PATH);
        const deck = approximatorDeck(a, programmed, {
          points,
          seed,
          corner,
          libPath: libFile,
          dataFile,
          description: `${displayPath(modelDir)}: ${describeApproximator(a)}`,
        });
        await writeFileAtomic(path.join(path.dirname(out), libFile), await fs.readFile(INVERTER_LIB_PATH, 'utf8'));
        await writeFileAtomic(out, deck.text);
        const result = {
          format,
          model: modelDir,
          kind: a.kind,
          out,
          dataFile,
          corner: corner.name,
          devices: { sigma: programmed.device.programming.sigma, seed: programmed.seed },
          resistors: deck.resistors,
          openDevices: deck.openDevices,
          inverters: deck.inverters,
          sweepPoints: deck.sweep.points,
          vectors: deck.vectors.length,
        };
        printResult(global, result, () =>
          [
            `${a.kind.toUpperCase()} netlist: ${deck.resistors} resistors (RRAM devices, σ = ${result.devices.sigma}, seed ${result.devices.seed}), ${deck.inverters} npim_inv inverters, corner ${corner.name}`,
            `wrote ${out}; run 'ngspice -b ${out}': it writes ${deck.sweep.points} rows of ${deck.vectors.length + 1} columns to ${dataFile}`,
          ].join('\n'),
        );
        return;
      }

      if (kind === 'dnn') {
        const draw = flags.draw === undefined ? 0 : parseIntOption(flags.draw, '--draw');
        ensure(draw >= 0 && draw <= 999, `--draw must be an integer in 0..999, got ${draw}`);
        const dataflow = (flags.dataflow ?? 'neural-pim') as SimDataflow;
        ensure(SIM_DATAFLOWS.includes(dataflow), `--dataflow must be one of ${SIM_DATAFLOWS.join(', ')}, got '${flags.dataflow}'`);
        // The configuration npim simulate builds from the same flags: device (σ), array size, seed.
        const cfg = {
          ...(await simulationConfigFrom({
            model: modelDir,
            dataflow,
            samples: '1',
            sigma: flags.sigma,
            seed: flags.seed,
            config: flags.config,
          })),
          dataflow,
        };
        ensure(
          programsCrossbars(cfg),
          `--dataflow ${dataflow}${cfg.mode === 'statistical' ? ' (statistical mode)' : ''} programs no crossbars`,
        );
        const mnist = await prepareDnnExport(modelDir, flags.dataDir);
        await startBackend(global);
        const e = await dnnExport(modelDir, mnist, { device: cfg.device, arrayRows: cfg.arrayRows, seed: cfg.seed, draw });
        info(
          `quantized with the MNIST calibration split (${e.split.calibration.source} images ${e.split.calibration.start}..${e.split.calibration.end - 1} from ${e.mnistDir}); writing ${e.devices.toLocaleString('en-US')} device records`,
        );
        await writeWeightMap(out, e.map, format);
        const result = {
          format,
          model: modelDir,
          kind,
          out,
          seed: e.map.seed,
          draw,
          dataflow,
          sigma: e.map.circuits[0].device.programming.sigma,
          devices: e.devices,
          layers: e.layers,
          split: e.split,
        };
        printResult(global, result, () =>
          [
            `DNN weight map: ${e.layers.map((l) => `${l.name} ${l.rows}x${l.cols} (${l.devices.toLocaleString('en-US')} devices)`).join(', ')}`,
            `8-bit weights on ${cfg.arrayRows} x ${cfg.arrayRows} arrays of ${cfg.device.levelBits}-bit cells, σ = ${result.sigma}, seed ${result.seed}, draw ${draw} (as npim simulate --dataflow ${dataflow} programs it); wrote ${e.devices.toLocaleString('en-US')} devices to ${out} (${format})`,
          ].join('\n'),
        );
        return;
      }

      const a = await readApproximator(modelDir);
      const map = approximatorExport(a, { sigma, seed });
      await writeWeightMap(out, map, format);
      const c = map.circuits[0];
      const result = {
        format,
        model: modelDir,
        kind,
        out,
        seed: map.seed,
        sigma: c.device.programming.sigma,
        devices: weightMapDeviceCount(map),
        arrays: c.arrays.map((x) => ({ index: x.index, devices: x.row.length, info: x.info })),
      };
      printResult(global, result, () =>
        [
          `${describeApproximator(a)}`,
          `${result.devices} devices in ${c.arrays.length} arrays (${c.arrays.map((x) => `${(x.info as { role?: string } | undefined)?.role ?? x.index}: ${x.row.length}`).join(', ')}), σ = ${result.sigma}, seed ${result.seed}; wrote ${out} (${format})`,
        ].join('\n'),
      );
    });
}
