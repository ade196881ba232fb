/**
 * `npim spice verify`: the SPICE co-simulation run (netlist file, ngspice, its data file; the
 * netlist and the comparisons are the pure spice/ modules), in a kept directory or a temporary one,
 * writing spice-verify.json when the directory is kept.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SEED } from '../core/defaults.ts';
import { fail } from '../core/errors.ts';
import { INVERTER_LIB_PATH } from '../core/paths.ts';
import { NOMINAL_CORNER } from '../circuits/inverter-corners.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { readWrdata, requireNgspice, runNgspice } from '../io/ngspice.ts';
import { info } from '../io/progress.ts';
import { describeApproximator, programApproximator, type Approximator } from '../mapping/approximator-map.ts';
import { approximatorDeck, inverterCorner } from '../spice/netlist.ts';
import { bankCornerIndex, compareAdcRun, compareNnsaRun, type RunInfo, type SpiceVerifyReport } from '../spice/verify.ts';

/** Options of a co-simulation. */
export interface SpiceVerifyOptions {
  /** NNADC sweep points (default 4096) or NNS+A operating points (default 200). */
  points?: number;
  /** Inverter corner name (default tt_27c). */
  corner?: string;
  /** Programming σ (default 0: nominal devices, the targets exactly). */
  sigma?: number;
  /** Seed of the programming and of the NNS+A operating points (default 1). */
  seed?: number;
  /** Directory for the netlist and ngspice's data file. */
  workDir: string;
  /** Model directory, for the report. */
  modelPath: string;
  /** Inverter library (default the package's). */
  libPath?: string;
  /** NNS+A tolerance on P − N, volts (default 5 mV). */
  toleranceVolts?: number;
}

/**
 * Runs the co-simulation: programs the devices (σ default 0, seed default 1), writes the deck to
 * `workDir`, runs ngspice in batch mode, compares (spice/verify.ts). ngspice missing is a
 * one-line error with install instructions.
 */
export async function runSpiceVerify(a: Approximator, o: SpiceVerifyOptions): Promise<SpiceVerifyReport> {
  const t0 = performance.now();
  const ngspice = requireNgspice();
  const cornerName = o.corner ?? NOMINAL_CORNER;
  const corner = inverterCorner(cornerName);
  const bank = bankFromJson(a.model.vtcBank);
  const cornerIndex = bankCornerIndex(bank, cornerName);
  const seed = o.seed ?? DEFAULT_SEED;
  const programmed = programApproximator(a, { sigma: o.sigma ?? 0, seed });
  const workDir = path.resolve(o.workDir);
  const netlistFile = path.join(workDir, `${a.kind}.cir`);
  const dataFile = path.join(workDir, `${a.kind}.data`);
  const description = `${o.modelPath}: ${describeApproximator(a)}`;
  const deck = approximatorDeck(a, programmed, {
    points: o.points,
    seed,
    corner,
    libPath: o.libPath ?? INVERTER_LIB_PATH,
    dataFile,
    description,
  });
  await writeFileAtomic(netlistFile, deck.text);
  const tRun = performance.now();
  runNgspice(netlistFile, 600_000);
  const ngspiceSeconds = (performance.now() - tRun) / 1000;
  const rows = await readWrdata(dataFile);
  const base = {
    model: o.modelPath,
    description: describeApproximator(a),
    corner: cornerName,
    devices: { sigma: programmed.device.programming.sigma, kind: programmed.device.programming.kind, seed },
  };
  const cmp =
    a.kind === 'nnadc'
      ? compareAdcRun(a.model, programmed, cornerIndex, deck, rows)
      : compareNnsaRun(
          a.model,
          programmed,
          cornerIndex,
          deck,
          deck.operatingPoints ?? fail('NNS+A deck without operating points'),
          rows,
          o.toleranceVolts,
        );
  const run: RunInfo = {
    netlistFile,
    dataFile,
    ngspice,
    resistors: deck.resistors,
    inverters: deck.inverters,
    openDevices: deck.openDevices,
    ngspiceSeconds,
    totalSeconds: (performance.now() - t0) / 1000,
  };
  return { ...base, ...cmp, run, pass: cmp.failures.length === 0 } as SpiceVerifyReport;
}

/**
 * Co-simulates `a` in ngspice. With `out`, the netlist, the ngspice data file and
 * spice-verify.json stay there; without, everything happens in a temporary directory that is
 * removed afterwards.
 */
export async function spiceVerifyToDir(
  a: Approximator,
  options: Omit<SpiceVerifyOptions, 'workDir'>,
  out: string | undefined,
): Promise<SpiceVerifyReport> {
  const workDir = out ? path.resolve(out) : await fs.mkdtemp(path.join(os.tmpdir(), 'npim-spice-'));
  try {
    info(`running ngspice on the ${a.kind.toUpperCase()} netlist in ${workDir}`);
    const report = await runSpiceVerify(a, { ...options, workDir });
    if (out) await writeJsonAtomic(path.join(workDir, 'spice-verify.json'), report);
    return report;
  } finally {
    if (!out) await fs.rm(workDir, { recursive: true, force: true });
  }
}
