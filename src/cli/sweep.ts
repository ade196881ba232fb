/** `npim sweep`: plan a study into shards, run a shard, merge, run locally, write Slurm scripts. */
import { Command } from 'commander';
import path from 'node:path';
import { parseConfig, parseIntOption } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { info } from '../io/progress.ts';
import { simulationMarkdown } from '../report/simulation-report.ts';
import { variantsMarkdown } from '../report/variants-report.ts';
import { StudySchema, studySimulateOptions, studyVariants } from '../sweep/study.ts';
import { mergeShards, type MergeOutcome, runShard, runShardsLocally, writePlan, writeSlurmScripts } from '../app/sweep.ts';
import { DEFAULT_DNN_MODEL, parseDataflows, simulationConfigFrom } from './simulate.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';

/** The shard index: `--shard`, else SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX (Kubernetes indexed jobs). */
export function shardIndexFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [value, where] =
    option !== undefined
      ? [option, '--shard']
      : env.SLURM_ARRAY_TASK_ID !== undefined
        ? [env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID']
        : env.JOB_COMPLETION_INDEX !== undefined
          ? [env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX']
          : fail('no shard index: give --shard I, or run as a Slurm array task or a Kubernetes indexed job');
  ensure(/^\d+$/.test(value.trim()), `${where} must be a shard index (0, 1, …), got '${value}'`);
  return Number(value.trim());
}

function printMerged(global: GlobalOptions, merged: MergeOutcome): void {
  if (merged.report) printResult(global, merged.report, () => simulationMarkdown(merged.report));
  else printResult(global, merged.variants, () => variantsMarkdown(merged.variants));
}

/** Registers `sweep` and its subcommands. */
export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('sharded simulation studies: plan, run shards anywhere (local, Slurm, Kubernetes), merge');

  sweep
    .command('plan')
    .description('expand a study (JSON) into items with their seeds, split them into shards, write DIR/plan.json')
    .argument('<config>', 'study JSON file (model, samples, dataflows, sigma, sigmaSweep, sinadSweep, draws, seed, preset/config, vary, …)')
    .requiredOption('--shards <n>', 'number of shards')
    .requiredOption('--out <dir>', 'plan directory')
    .action(async (file: string, opts: { shards: string; out: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const shards = parseIntOption(opts.shards, '--shards');
      ensure(shards >= 1 && shards <= 100_000, '--shards must be between 1 and 100000');
      const study = parseConfig(StudySchema, await readJson(file, 'study file'), `study ${file}`);
      const variants = [];
      for (const variant of studyVariants(study)) {
        const o = studySimulateOptions(variant.study);
        const config = await simulationConfigFrom({ ...o, model: o.model ?? DEFAULT_DNN_MODEL });
        variants.push({ variant, config, dataflows: parseDataflows(o.dataflow ?? config.dataflow) });
      }
      // The plan reads the model (its input shape and data set) to check the data against it.
      await startBackend(global);
      const plan = await writePlan({
        studyFile: file,
        study,
        variants,
        sweeps: { sigma: study.sigmaSweep, sinad: study.sinadSweep },
        model: study.model ?? DEFAULT_DNN_MODEL,
        shards,
        dir: opts.out,
      });
      const simulate = plan.variants?.map((v) => v.simulate) ?? [plan.simulate!];
      const summary = {
        plan: path.join(opts.out, 'plan.json'),
        hash: plan.hash,
        variants: plan.variants?.length,
        units: plan.variants ? plan.variants.reduce((a, v) => a + v.units.length, 0) : plan.units!.length,
        items: plan.items.length,
        shards: plan.shards.length,
        simulate: plan.variants ? simulate : simulate[0],
      };
      const draws = variants[0].config.draws;
      printResult(global, summary, () =>
        plan.variants
          ? `planned ${summary.items} items (${summary.variants} variants, ${summary.units} runs × ${draws} draws) in ${summary.shards} shards: ${summary.plan}\n` +
            `hash ${plan.hash}\nsame variants unsharded:\n${simulate.map((c, k) => `  ${k}: ${c}`).join('\n')}`
          : `planned ${summary.items} items (${summary.units} runs × ${draws} draws) in ${summary.shards} shards: ${summary.plan}\n` +
            `hash ${plan.hash}\nsame study unsharded: ${simulate[0]}`,
      );
    });

  sweep
    .command('run')
    .description('run one shard of a plan and write DIR/shards/shard-I.json (atomically); a finished shard is not run again')
    .argument('<dir>', 'plan directory')
    .option('--shard <i>', 'shard index (default: SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX)')
    .action(async (dir: string, opts: { shard?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const shard = shardIndexFrom(opts.shard);
      await startBackend(global);
      const r = await runShard(dir, shard);
      const text = r.ran ? `shard ${shard} done: ${r.file}` : `shard ${shard} already done (${r.file}); nothing to do`;
      printResult(global, { shard, ran: r.ran, file: r.file }, () => text);
    });

  sweep
    .command('merge')
    .description('check that every shard is present and belongs to the plan, merge, write results.json, results.md and plots')
    .argument('<dir>', 'plan directory')
    .option('--out <dir>', 'where to write the report (default: the plan directory)')
    .action(async (dir: string, opts: { out?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const out = opts.out ?? dir;
      const merged = await writingTo(out, () => mergeShards(dir, out));
      const { report } = merged;
      if (report)
        info(
          `wrote results.json, results.md${report.sigmaSweep ? ', accuracy-vs-sigma.svg' : ''}${report.sinadSweep ? ', accuracy-vs-sinad.svg' : ''} to ${out}`,
        );
      else info(`wrote variants.json, variants.md and ${merged.variants.variants.length} variant reports (variants/) to ${out}`);
      printMerged(global, merged);
    });

  sweep
    .command('local')
    .description('run every shard of a plan on this machine (child processes), then merge')
    .argument('<dir>', 'plan directory')
    .option('--jobs <k>', 'shards at a time', '2')
    .option('--no-merge', 'only run the shards')
    .action(async (dir: string, opts: { jobs: string; merge: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const jobs = parseIntOption(opts.jobs, '--jobs');
      ensure(jobs >= 1 && jobs <= 256, '--jobs must be between 1 and 256');
      await runShardsLocally(dir, jobs, global.backend);
      if (!opts.merge) return;
      const merged = await mergeShards(dir, dir);
      info(`merged into ${dir}`);
      printMerged(global, merged);
    });

  sweep
    .command('slurm')
    .description('write a Slurm job-array script (one task per shard), a merge script and submit.sh (afterok dependency); submits nothing')
    .argument('<dir>', 'plan directory')
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'time limit per shard (sbatch --time format, e.g. 02:00:00)')
    .option('--cpus-per-task <c>', 'CPUs per shard')
    .option('--job-name <name>', 'job name', 'npim-sweep')
    .action(async (dir: string, opts: { partition?: string; time?: string; cpusPerTask?: string; jobName: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const cpusPerTask = opts.cpusPerTask === undefined ? undefined : parseIntOption(opts.cpusPerTask, '--cpus-per-task');
      ensure(cpusPerTask === undefined || (cpusPerTask >= 1 && cpusPerTask <= 4096), '--cpus-per-task must be between 1 and 4096');
      ensure(
        opts.time === undefined || /^[\d:-]+$/.test(opts.time),
        `--time must be an sbatch time (e.g. 90, 02:00:00, 1-00), got '${opts.time}'`,
      );
      ensure(
        opts.partition === undefined || /^[\w.,-]+$/.test(opts.partition),
        `--partition must be a partition name, got '${opts.partition}'`,
      );
      ensure(/^[\w.-]+$/.test(opts.jobName), `--job-name must be letters, digits, '.', '_' or '-', got '${opts.jobName}'`);
      const files = await writeSlurmScripts(dir, { partition: opts.partition, time: opts.time, cpusPerTask, jobName: opts.jobName });
      printResult(global, { files }, () => `wrote ${files.join(', ')}\nsubmit with: bash ${files[2]}`);
    });
}
