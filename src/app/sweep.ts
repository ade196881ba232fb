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
import { SimulationConfigSchema, type SimDataflow, type SimulationConfig } from '../chip/simulation-config.ts';
import { dataflowOf } from '../dataflows/index.ts';
import { combineDraws, prepareSimulation, simulateDraw, type PreparedSimulation, type SimulationResult } from '../simulator/simulate.ts';
import type { SimulationReport } from '../report/simulation-report.ts';
import { prepareWorkload } from './prepare-workload.ts';
import { DEFAULT_NNADC_MODELS, DEFAULT_NNSA_MODEL } from './load-peripherals.ts';
import {
  assembleSimulation,
  peripheralsLoader,
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
  type ShardResult,
} from '../sweep/plan.ts';
import { simulateArguments, type Study } from '../sweep/study.ts';
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

/** What {@link writePlan} needs: the study, its simulation configuration built as `npim simulate` builds it, and where. */
export interface PlanRequest {
  studyFile: string;
  study: Study;
  /** The base configuration (from the study's options, exactly as `npim simulate` parses its flags). */
  config: SimulationConfig;
  dataflows: SimDataflow[];
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

/** The model, data, description and peripheral files a study reads. */
function studyInputs(r: PlanRequest, units: SimulationUnit[], dataDir: string): Array<{ role: string; path: string }> {
  const inputs = [
    { role: 'study', path: path.resolve(r.studyFile) },
    { role: 'model', path: path.resolve(r.model) },
  ];
  for (const f of Object.values(MNIST_FILES)) {
    const p = path.join(dataDir, f.name);
    if (existsSync(p)) inputs.push({ role: 'data', path: p });
  }
  ensure(
    inputs.some((i) => i.role === 'data' && i.path.endsWith(MNIST_FILES.testImages.name)),
    `MNIST test files not found in ${dataDir}: place them there (or run npim simulate once to download them) before planning`,
  );
  if (r.study.config) inputs.push({ role: 'accelerator description', path: path.resolve(r.study.config) });
  const cfg = resolvePeripheralPaths(r.config, process.cwd());
  if (units.some((u) => dataflowOf(u.cfg).needsPeripherals(u.cfg))) {
    if (cfg.neuralPimAccumulator === 'nnsa') inputs.push({ role: 'NNS+A model', path: cfg.nnsaModel ?? DEFAULT_NNSA_MODEL });
    if (cfg.neuralPimAdc === 'nnadc')
      for (const d of cfg.nnadcModels ?? DEFAULT_NNADC_MODELS) inputs.push({ role: 'NNADC model', path: d });
  }
  return inputs;
}

/** Expands a study into items and shards and writes `plan.json` into `r.dir`. */
export async function writePlan(r: PlanRequest): Promise<Plan> {
  const units = simulationUnits(r.config, r.dataflows, r.sweeps);
  const items = planItems(units.length, r.config.draws, r.config.seed);
  ensure(r.shards <= items.length, `--shards ${r.shards} is more than the study's ${items.length} items`);
  const dataDir = resolveMnistDir(r.study.dataDir).dir;
  const body: Omit<Plan, 'hash'> = {
    format: 'npim-sweep-plan',
    version: 1,
    cwd: process.cwd(),
    studyFile: path.resolve(r.studyFile),
    study: r.study as Record<string, unknown>,
    simulate: ['npim', 'simulate', ...simulateArguments(r.study)].join(' '),
    model: r.model,
    modelPath: path.resolve(r.model),
    samples: r.study.samples,
    dataDir,
    dataflows: r.dataflows,
    sweeps: r.sweeps,
    config: r.config as unknown as Record<string, unknown>,
    units: units.map((u) => ({ kind: u.kind, label: u.label })),
    items,
    shards: shardRanges(items.length, r.shards),
    inputs: await hashInputs(studyInputs(r, units, dataDir)),
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

function planConfig(plan: Plan): SimulationConfig {
  return parseConfig(SimulationConfigSchema, plan.config, `simulation configuration in ${plan.studyFile}'s plan`);
}

function planUnits(plan: Plan, cfg: SimulationConfig): SimulationUnit[] {
  const units = simulationUnits(cfg, plan.dataflows as SimDataflow[], plan.sweeps);
  ensure(
    units.length === plan.units.length && units.every((u, i) => u.label === plan.units[i].label),
    'the plan was made by another version of npim (its units differ); plan the study again',
  );
  return units;
}

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
  const base = resolvePeripheralPaths(planConfig(plan), plan.cwd);
  const units = planUnits(plan, base);
  const w = await prepareWorkload(plan.modelPath, plan.samples, plan.dataDir);
  const data = { images: w.images, labels: w.labels };
  const periph = peripheralsLoader();
  const prepared = new Map<number, PreparedSimulation>();
  const unitInfo: ShardResult['units'] = [];
  const outcomes: ShardResult['outcomes'] = [];
  for (const item of plan.items.slice(range.first, range.end)) {
    const unit = units[item.unit];
    let p = prepared.get(item.unit);
    if (!p) {
      const t0 = Date.now();
      p = prepareSimulation(unit.cfg, w.net, data, await periph(unit.cfg));
      prepared.set(item.unit, p);
      unitInfo.push({
        unit: item.unit,
        count: p.count,
        referenceAccuracy: p.referenceAccuracy,
        layers: p.xbars.map((x) => x.layer.name),
        ranges: p.ranges,
        prepareSeconds: (Date.now() - t0) / 1000,
      });
    }
    info(`shard ${shard}: ${unit.label}, draw ${item.draw + 1}/${unit.cfg.draws}`);
    const t0 = Date.now();
    const o = await simulateDraw(p, item.draw, item.drawSeed);
    outcomes.push({ item: item.id, unit: item.unit, ...o, wallSeconds: (Date.now() - t0) / 1000 });
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

/** Checks every shard of the plan in `dir`, merges them, and writes `npim simulate`'s report files into `out`. */
export async function mergeShards(dir: string, out: string): Promise<{ report: SimulationReport; config: SimulationConfig }> {
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
  const config = planConfig(plan);
  const units = planUnits(plan, config);
  const byItem = new Map(shards.flatMap((s) => s.outcomes.map((o) => [o.item, o] as const)));
  const info = new Map(shards.flatMap((s) => s.units.map((u) => [u.unit, u] as const)));
  const workloads = new Set(shards.map((s) => s.workload));
  ensure(workloads.size === 1, `the shards ran on different images: ${[...workloads].join(' / ')}`);
  const results: SimulationResult[] = units.map((unit, u) => {
    const items = plan.items.filter((i) => i.unit === u);
    const outcomes = items.map((i) => byItem.get(i.id) ?? fail(`item ${i.id} (${unit.label}, draw ${i.draw}) is in no shard result`));
    const ui = info.get(u)!;
    const wallSeconds = ui.prepareSeconds + outcomes.reduce((a, o) => a + o.wallSeconds, 0);
    return combineDraws(unit.cfg, { ...ui, ranges: ui.ranges }, outcomes, { wallSeconds });
  });
  const report: SimulationReport = {
    workload: [...workloads][0],
    model: displayPath(plan.model),
    ...assembleSimulation(plan.dataflows as SimDataflow[], plan.sweeps, units, results),
  };
  // The configuration as planned (the object `npim simulate` writes), not the re-parsed copy.
  await writeSimulationReport(out, report, plan.config as unknown as SimulationConfig);
  return { report, config };
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
