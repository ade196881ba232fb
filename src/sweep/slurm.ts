/**
 * Slurm job scripts of a planned study: a job array with one task per shard, a merge job, and a
 * submit script that runs the merge job only after every array task succeeded (`afterok`). Only
 * `sbatch` options that Slurm 22.05 to 24.x all accept are used; nothing is submitted here.
 */

/** Options of {@link slurmScripts}. */
export interface SlurmOptions {
  /** Absolute plan directory. */
  dir: string;
  shards: number;
  /** Absolute path of bin/npim.js (run by `node`, or by $NODE when set). */
  npimScript: string;
  /** Working directory of the jobs (where the plan was made: relative paths of the study resolve there). */
  cwd: string;
  partition?: string;
  /** Time limit per task, in a form sbatch accepts (`MM`, `HH:MM:SS`, `D-HH`…). */
  time?: string;
  cpusPerTask?: number;
  jobName?: string;
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function header(o: SlurmOptions, name: string, output: string): string[] {
  const lines = ['#!/bin/bash', `#SBATCH --job-name=${name}`, `#SBATCH --output=${output}`];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  return lines;
}

/** The three scripts: `array.sh`, `merge.sh`, `submit.sh`. */
export function slurmScripts(o: SlurmOptions): { array: string; merge: string; submit: string } {
  const name = o.jobName ?? 'npim-sweep';
  const dir = shellQuote(o.dir);
  const run = ['set -euo pipefail', `cd ${shellQuote(o.cwd)}`];
  const npim = `"\${NODE:-node}" ${shellQuote(o.npimScript)}`;
  const array = [
    ...header(o, name, `${o.dir}/logs/shard-%a.out`),
    `#SBATCH --array=0-${o.shards - 1}`,
    '# One task per shard; `npim sweep run` reads the shard index from SLURM_ARRAY_TASK_ID.',
    ...run,
    `exec ${npim} --quiet sweep run ${dir}`,
    '',
  ].join('\n');
  const merge = [
    ...header({ ...o, cpusPerTask: undefined }, `${name}-merge`, `${o.dir}/logs/merge.out`),
    '# Submitted by submit.sh with --dependency=afterok on the array job.',
    ...run,
    `exec ${npim} sweep merge ${dir}`,
    '',
  ].join('\n');
  const submit = [
    '#!/bin/bash',
    '# Submits the shard array, then the merge job to start once every shard succeeded.',
    'set -euo pipefail',
    `cd ${dir}`,
    'jid=$(sbatch --parsable array.sh)',
    'jid=${jid%%;*}',
    'echo "array job $jid"',
    'sbatch --dependency=afterok:$jid merge.sh',
    '',
  ].join('\n');
  return { array, merge, submit };
}
