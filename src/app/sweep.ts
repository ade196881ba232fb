/**
 * Sharded studies (`npim sweep`): writing a plan, running one shard of it, merging the shards into
 * the report `npim simulate` writes, running the shards on this machine, and writing Slurm job
 * scripts. The simulation itself is `app/simulate.ts`'s units and `simulator/simulate.ts`'s draws:
 * a shard runs some draws of some units, the merge combines them in draw order, so the merged
 * results are those of one `npim simulate` run of the same study.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { fail, ensure } from '../core/errors.ts';
import { parseConfig } from '../core/config.ts';
import { PACKAGE_ROOT, displayPath } from '../core/paths.ts';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { info } from '../io/progress.ts';
import { MNIST_FILES, resolveMnistDir } from '../data/mnist.ts';
import { CIFAR10_TEST_FILE, resolveCifar10Dir } from '../data/cifar10.ts';
import { checkInputShape, resolveDataset, type DatasetChoice } from '../data/datasets.ts';
import { SimulationConfigSchema, type SimDataflow, type SimulationConfig } from '../chip/simulation-config.ts';
import { dataflowOf } from '../dataflows/index.ts';
import {
  combineDraws,
  prepareSimulationParallel,
  simulateDraw,
  type PreparedSimulation,
  type SimulationResult,
} from '../simulator/simulate.ts';
import type { SimulationReport } from '../report/simulation-report.ts';
import { variantsMarkdown, variantsSummary, type VariantsSummary } from '../report/variants-report.ts';
import { prepareWorkload } from './prepare-workload.ts';
import { importLayersModel } from './import-model.ts';
import { DEFAULT_NNADC_MODELS, DEFAULT_NNSA_MODEL } from './load-peripherals.ts';
import {
  assembleSimulation,
  peripheralsLoader,
  runEnergies,
  simulationUnits,
  writeSimulationReport,
  type SimulationSweeps,
  type SimulationUnit,
} from './simulate.ts';
import {
  PlanSchema,
  ShardResultSchema,
  planHash,
  planItems,
  sha256,
  shardRanges,
  type Plan,
  type PlanInput,
  type PlanVariant,
  type ShardResult,
} from '../sweep/plan.ts';
import { simulateArguments, type Study, type StudyVariant } from '../sweep/study.ts';
import { slurmScripts, type SlurmOptions } from '../sweep/slurm.ts';

/** The plan file of a plan directory. */
export const planFile = (dir: string): string => path.join(dir, 'plan.json');
/** The result file of shard `shard`. */
export const shardFile = (dir: string, shard: number): string => path.join(dir, 'shards', `shard-${shard}.json`);

/** Every regular file under `p` (or `p` itself), sorted, so a directory hashes the same wherever it is listed. */
async function filesUnder(p: string): Promise<string[]> {
  if (!existsSync(p)) fail(`file or directory not found: ${p}`);
  if (!statSync(p).isDirectory()) return [p];
  const out: string[] = [];
  for (const e of (await fs.readdir(p, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    out.push(...(await filesUnder(path.join(p, e.name))));
  }
  return out;
}

async function hashInputs(inputs: Array<{ role: string; path: string }>): Promise<PlanInput[]> {
  const out: PlanInput[] = [];
  for (const input of inputs)
    for (const file of await filesUnder(input.path)) out.push({ role: input.role, path: file, sha256: sha256(await fs.readFile(file)) });
  return out;
}

/** Fails, naming the first file, unless every input of the plan still has its planning-time hash. */
export async function checkPlanInputs(plan: Plan): Promise<void> {
  for (const input of plan.inputs) {
    if (!existsSync(input.path)) fail(`${input.role} file ${input.path} is gone since the plan was made; plan the study again`);
    const now = sha256(await fs.readFile(input.path));
    if (now !== input.sha256)
      fail(
        `${input.role} file ${input.path} changed since the plan was made (sha256 ${now.slice(0, 12)}…, planned ${input.sha256.slice(0, 12)}…)`,
      );
  }
}

/** One variant of a study (the whole study when it has no `vary`) with its configuration. */
export interface PlanVariantRequest {
  variant: StudyVariant;
  /** The variant's configuration (from its options, exactly as `npim simulate` parses its flags). */
  config: SimulationConfig;
  dataflows: SimDataflow[];
}

/** What {@link writePlan} needs: the study, its variants' simulation configurations built as `npim simulate` builds them, and where. */
export interface PlanRequest {
  studyFile: string;
  study: Study;
  /** {@link studyVariants} of the study, with their configurations. */
  variants: PlanVariantRequest[];
  sweeps: SimulationSweeps;
  /** The model as the report names it (the study's string, or the default model's path). */
  model: string;
  shards: number;
  dir: string;
}

function resolvePeripheralPaths(cfg: SimulationConfig, cwd: string): SimulationConfig {
  return {
    ...cfg,
    nnsaModel: cfg.nnsaModel === undefined ? undefined : path.resolve(cwd, cfg.nnsaModel),
    nnadcModels: cfg.nnadcModels?.map((d) => path.resolve(cwd, d)),
  };
}

/** The model, data, description and peripheral files a study reads (each once). */
function studyInputs(
  r: PlanRequest,
  unitsOf: SimulationUnit[][],
  dataDir: string,
  data: DatasetChoice,
): Array<{ role: string; path: string }> {
  const inputs = [
    { role: 'study', path: path.resolve(r.studyFile) },
    { role: 'model', path: path.resolve(r.model) },
  ];
  if (data.name === 'cifar10') {
    const file = path.join(resolveCifar10Dir(data.dir), CIFAR10_TEST_FILE);
    ensure(existsSync(file), `CIFAR-10 test file not found: ${file} (see docs/networks.md for where it is looked for)`);
    inputs.push({ role: 'data', path: file });
  } else {
    const mnistDir = data.dir ? resolveMnistDir(data.dir).dir : dataDir;
    for (const f of Object.values(MNIST_FILES)) {
      const p = path.join(mnistDir, f.name);
      if (existsSync(p)) inputs.push({ role: 'data', path: p });
    }
    ensure(
      inputs.some((i) => i.role === 'data' && i.path.endsWith(MNIST_FILES.testImages.name)),
      `MNIST test files not found in ${mnistDir}: place them there (or run npim simulate once to download them) before planning`,
    );
  }
  if (r.study.config) inputs.push({ role: 'accelerator description', path: path.resolve(r.study.config) });
  r.variants.forEach((v, k) => {
    const cfg = resolvePeripheralPaths(v.config, process.cwd());
    if (unitsOf[k].some((u) => dataflowOf(u.cfg).needsPeripherals(u.cfg))) {
      if (cfg.neuralPimAccumulator === 'nnsa') inputs.push({ role: 'NNS+A model', path: cfg.nnsaModel ?? DEFAULT_NNSA_MODEL });
      if (cfg.neuralPimAdc === 'nnadc')
        for (const d of cfg.nnadcModels ?? DEFAULT_NNADC_MODELS) inputs.push({ role: 'NNADC model', path: d });
    }
  });
  return inputs.filter((input, i) => inputs.findIndex((o) => o.path === input.path) === i);
}

/** Expands a study into items and shards and writes `plan.json` into `r.dir`. */
export async function writePlan(r: PlanRequest): Promise<Plan> {
  const vary = r.study.vary !== undefined;
  ensure(vary || r.variants.length === 1, 'a study without vary is one variant');
  const unitsOf = r.variants.map((v) => simulationUnits(v.config, v.dataflows, r.sweeps));
  // Variant-major; within a variant, the items (and draw seeds) of that variant's `npim simulate`.
  const items = r.variants.flatMap((v, k) =>
    planItems(unitsOf[k].length, v.config.draws, v.config.seed).map((i) =>
      vary ? { id: i.id, variant: k, unit: i.unit, draw: i.draw, drawSeed: i.drawSeed } : i,
    ),
  );
  items.forEach((item, id) => (item.id = id));
  ensure(r.shards <= items.length, `--shards ${r.shards} is more than the study's ${items.length} items`);
  const dataDir = resolveMnistDir(r.study.dataDir).dir;
  // The data as npim simulate would pick it (--data, else the model's own data set, else MNIST), checked against the model now.
  const { network, metadata } = await importLayersModel(r.model);
  const data = resolveDataset(r.study.data ?? metadata?.dataset ?? 'mnist');
  checkInputShape(network.inputShape, displayPath(r.model), data);
  const variants: PlanVariant[] = r.variants.map((v, k) => ({
    index: k,
    values: v.variant.values as Record<string, number | string>,
    dir: v.variant.dir,
    simulate: ['npim', 'simulate', ...simulateArguments(v.variant.study)].join(' '),
    dataflows: v.dataflows,
    config: v.config as unknown as Record<string, unknown>,
    units: unitsOf[k].map((u) => ({ kind: u.kind, label: u.label })),
  }));
  const only = variants[0];
  const body: Omit<Plan, 'hash'> = {
    format: 'npim-sweep-plan',
    version: 1,
    cwd: process.cwd(),
    studyFile: path.resolve(r.studyFile),
    study: r.study as Record<string, unknown>,
    simulate: vary ? undefined : only.simulate,
    model: r.model,
    modelPath: path.resolve(r.model),
    samples: r.study.samples,
    dataDir,
    data: data.dir ? path.resolve(data.dir) : data.name,
    dataflows: vary ? undefined : only.dataflows,
    sweeps: r.sweeps,
    config: vary ? undefined : only.config,
    units: vary ? undefined : only.units,
    variants: vary ? variants : undefined,
    items,
    shards: shardRanges(items.length, r.shards),
    inputs: await hashInputs(studyInputs(r, unitsOf, dataDir, data)),
  };
  const plan: Plan = { hash: planHash(body), ...body };
  await writeJsonAtomic(planFile(r.dir), plan);
  return plan;
}

/** Reads and checks `DIR/plan.json`. */
export async function readPlan(dir: string): Promise<Plan> {
  const raw = await readJson(planFile(dir), 'sweep plan');
  const plan = parseConfig(PlanSchema, raw, `sweep plan ${planFile(dir)}`);
  // Hashed as written (the parsed copy may order keys differently).
  ensure(planHash(raw as Plan) === plan.hash, `sweep plan ${planFile(dir)} was edited after planning (its hash does not match)`);
  return plan;
}

/** The variants of a plan; a study without `vary` is one variant with no values, reported at the top. */
function planVariants(plan: Plan): PlanVariant[] {
  if (plan.variants) return plan.variants;
  const { simulate, dataflows, config, units } = plan;
  if (simulate === undefined || !dataflows || !config || !units)
    fail(`sweep plan of ${plan.studyFile} has neither variants nor a configuration`);
  return [{ index: 0, values: {}, dir: '', simulate, dataflows, config, units }];
}

function variantConfig(plan: Plan, v: PlanVariant): SimulationConfig {
  const which = plan.variants ? ` of variant ${v.index}` : '';
  return parseConfig(SimulationConfigSchema, v.config, `simulation configuration${which} in ${plan.studyFile}'s plan`);
}

function variantUnits(plan: Plan, v: PlanVariant, cfg: SimulationConfig): SimulationUnit[] {
  const units = simulationUnits(cfg, v.dataflows as SimDataflow[], plan.sweeps);
  ensure(
    units.length === v.units.length && units.every((u, i) => u.label === v.units[i].label),
    'the plan was made by another version of npim (its units differ); plan the study again',
  );
  return units;
}

/** Key of a unit of a variant in a shard. */
const unitKey = (variant: number | undefined, unit: number): string => `${variant ?? 0}:${unit}`;

/** Reads a shard's result file, or null when there is none. */
async function readShard(dir: string, shard: number): Promise<ShardResult | null> {
  const file = shardFile(dir, shard);
  if (!existsSync(file)) return null;
  return parseConfig(ShardResultSchema, await readJson(file, `shard ${shard} result`), `shard ${shard} result ${file}`);
}

/** Runs shard `shard` of the plan in `dir`; does nothing when its result is already there. */
export async function runShard(dir: string, shard: number): Promise<{ ran: boolean; file: string }> {
  const plan = await readPlan(dir);
  const range = plan.shards[shard];
  ensure(Number.isInteger(shard) && range !== undefined, `shard ${shard} is not in the plan (shards 0..${plan.shards.length - 1})`);
  const file = shardFile(dir, shard);
  const done = await readShard(dir, shard);
  if (done) {
    ensure(done.planHash === plan.hash, `shard ${shard} result ${file} belongs to another plan; delete it to run the shard again`);
    return { ran: false, file };
  }
  await checkPlanInputs(plan);
  const started = Date.now();
  const variants = planVariants(plan);
  const units = variants.map((v) => variantUnits(plan, v, resolvePeripheralPaths(variantConfig(plan, v), plan.cwd)));
  const w = await prepareWorkload(plan.modelPath, plan.samples, plan.dataDir, plan.data);
  const data = { images: w.images, labels: w.labels };
  // One loader per variant, as each variant's `npim simulate` loads its own peripherals.
  const periph = variants.map(() => peripheralsLoader());
  const prepared = new Map<string, PreparedSimulation>();
  const unitInfo: ShardResult['units'] = [];
  const outcomes: ShardResult['outcomes'] = [];
  for (const item of plan.items.slice(range.first, range.end)) {
    const k = item.variant ?? 0;
    const unit = units[k][item.unit];
    let p = prepared.get(unitKey(item.variant, item.unit));
    if (!p) {
      const t0 = Date.now();
      // The base runs measure which peripheral dominates each layer's error, as npim simulate's do.
      p = await prepareSimulationParallel(unit.cfg, w.net, data, await periph[k](unit.cfg), undefined, {
        attribution: unit.kind === 'result',
      });
      prepared.set(unitKey(item.variant, item.unit), p);
      unitInfo.push({
        variant: item.variant,
        unit: item.unit,
        count: p.count,
        referenceAccuracy: p.referenceAccuracy,
        layers: p.xbars.map((x) => x.layer.name),
        ranges: p.ranges,
        prepareSeconds: (Date.now() - t0) / 1000,
      });
    }
    const where = item.variant === undefined ? '' : `variant ${item.variant}, `;
    info(`shard ${shard}: ${where}${unit.label}, draw ${item.draw + 1}/${unit.cfg.draws}`);
    const t0 = Date.now();
    const o = await simulateDraw(p, item.draw, item.drawSeed);
    outcomes.push({ item: item.id, variant: item.variant, unit: item.unit, ...o, wallSeconds: (Date.now() - t0) / 1000 });
  }
  const result: ShardResult = {
    format: 'npim-sweep-shard',
    planHash: plan.hash,
    shard,
    workload: w.description,
    units: unitInfo,
    outcomes,
    wallSeconds: (Date.now() - started) / 1000,
  };
  await writeJsonAtomic(file, result);
  return { ran: true, file };
}

/** What a merge wrote: `npim simulate`'s report of a study, or one per variant of a study with `vary` and their summary. */
export type MergeOutcome = { report: SimulationReport; variants?: undefined } | { report?: undefined; variants: VariantsSummary };

/**
 * Checks every shard of the plan in `dir`, merges them, and writes `npim simulate`'s report files
 * into `out` (a study with `vary`: into `out/variants/<dir>/` per variant, and variants.json and
 * variants.md into `out`).
 */
export async function mergeShards(dir: string, out: string): Promise<MergeOutcome> {
  const plan = await readPlan(dir);
  await checkPlanInputs(plan);
  const shards: ShardResult[] = [];
  for (const { shard } of plan.shards) {
    const r = await readShard(dir, shard);
    if (!r) fail(`shard ${shard} missing: ${shardFile(dir, shard)} (run npim sweep run ${dir} --shard ${shard})`);
    if (r.planHash !== plan.hash || r.shard !== shard) fail(`shard ${shard} (${shardFile(dir, shard)}) belongs to another plan`);
    shards.push(r);
  }
  const shardDir = path.join(dir, 'shards');
  for (const name of await fs.readdir(shardDir)) {
    const m = /^shard-(\d+)\.json$/.exec(name);
    if (m && Number(m[1]) >= plan.shards.length)
      fail(`shard ${m[1]} (${path.join(shardDir, name)}) is not in the plan (${plan.shards.length} shards)`);
  }
  const byItem = new Map(shards.flatMap((s) => s.outcomes.map((o) => [o.item, o] as const)));
  const info = new Map(shards.flatMap((s) => s.units.map((u) => [unitKey(u.variant, u.unit), u] as const)));
  const workloads = new Set(shards.map((s) => s.workload));
  ensure(workloads.size === 1, `the shards ran on different images: ${[...workloads].join(' / ')}`);
  // The network's layers, for the energy of each run (pooling reads); its weights are not needed.
  const { network } = await importLayersModel(plan.modelPath);
  const reports: SimulationReport[] = [];
  for (const v of planVariants(plan)) {
    const units = variantUnits(plan, v, variantConfig(plan, v));
    const variant = plan.variants ? v.index : undefined;
    const results: SimulationResult[] = units.map((unit, u) => {
      const items = plan.items.filter((i) => i.variant === variant && i.unit === u);
      const outcomes = items.map((i) => byItem.get(i.id) ?? fail(`item ${i.id} (${unit.label}, draw ${i.draw}) is in no shard result`));
      const ui =
        info.get(unitKey(variant, u)) ??
        fail(`${unit.label}${variant === undefined ? '' : ` of variant ${variant}`} is in no shard result`);
      const wallSeconds = ui.prepareSeconds + outcomes.reduce((a, o) => a + o.wallSeconds, 0);
      return combineDraws(unit.cfg, { ...ui, ranges: ui.ranges }, outcomes, { wallSeconds });
    });
    const runs = units.flatMap((u, i) => (u.kind === 'result' ? [{ result: results[i], cfg: u.cfg }] : []));
    const report: SimulationReport = {
      workload: [...workloads][0],
      model: displayPath(plan.model),
      ...assembleSimulation(v.dataflows as SimDataflow[], plan.sweeps, units, results),
      energy: runEnergies(runs, network),
    };
    // The configuration as planned (the object `npim simulate` writes), not the re-parsed copy.
    await writeSimulationReport(plan.variants ? path.join(out, 'variants', v.dir) : out, report, v.config as unknown as SimulationConfig);
    reports.push(report);
  }
  if (!plan.variants) return { report: reports[0] };
  const summary = variantsSummary(
    plan.variants.map((v, k) => ({
      index: v.index,
      values: v.values,
      dir: path.join('variants', v.dir),
      simulate: v.simulate,
      report: reports[k],
    })),
  );
  await writeJsonAtomic(path.join(out, 'variants.json'), summary);
  await writeFileAtomic(path.join(out, 'variants.md'), variantsMarkdown(summary));
  return { variants: summary };
}

/** Path of the npim entry point, for child processes and job scripts. */
export const NPIM_SCRIPT = path.join(PACKAGE_ROOT, 'bin', 'npim.js');

/** Runs every shard of the plan in `dir` on this machine, `jobs` child processes at a time. */
export async function runShardsLocally(dir: string, jobs: number, backend: string): Promise<void> {
  const plan = await readPlan(dir);
  const queue = plan.shards.map((s) => s.shard);
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) {
      const args = [NPIM_SCRIPT, '--backend', backend, '--quiet', 'sweep', 'run', dir, '--shard', String(shard)];
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('error', () => resolve(-1));
        child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : -1)));
      });
      if (code !== 0) failures.push(`shard ${shard} (exit ${code})`);
      else info(`shard ${shard} done`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, plan.shards.length) }, worker));
  if (failures.length) fail(`shards failed: ${failures.join(', ')}`);
}

/** Writes `array.sh`, `merge.sh` and `submit.sh` for the plan in `dir`, and the `logs/` folder Slurm writes into. */
export async function writeSlurmScripts(dir: string, o: Omit<SlurmOptions, 'dir' | 'shards' | 'npimScript' | 'cwd'>): Promise<string[]> {
  const plan = await readPlan(dir);
  const abs = path.resolve(dir);
  const scripts = slurmScripts({ ...o, dir: abs, shards: plan.shards.length, npimScript: NPIM_SCRIPT, cwd: plan.cwd });
  await fs.mkdir(path.join(abs, 'logs'), { recursive: true });
  const written: string[] = [];
  for (const [name, text] of [
    ['array.sh', scripts.array],
    ['merge.sh', scripts.merge],
    ['submit.sh', scripts.submit],
  ] as const) {
    const file = path.join(abs, name);
    await writeFileAtomic(file, text);
    await fs.chmod(file, 0o755);
    written.push(file);
  }
  return written;
}
