/**
 * The main job (`npim run`, `npm start`): LeNet-5 on MNIST (or the `--model`/`--data` given) under the configured dataflows, the cost
 * model on the nine benchmarks, and a report with plots in one directory.
 */
import path from 'node:path';
import { writeFileAtomic } from '../io/files.ts';
import { displayPath } from '../core/paths.ts';
import { writeCostReport } from './cost.ts';
import { info } from '../io/progress.ts';
import { defaultArchitectures } from '../cost/architectures.ts';
import { deployedComponentLibrary } from './deployed-nnsa.ts';
import { compareArchitectures, type Comparison } from '../cost/evaluate.ts';
import { mainReportMarkdown } from '../report/run-report.ts';
import type { SimulationReport } from '../report/simulation-report.ts';
import { DEFAULT_ARCHITECTURE_NAMES, selectArchitectures } from '../cost/select.ts';
import { selectWorkloads } from '../cost/workloads/index.ts';
import type { SimDataflow, SimulationConfig } from '../chip/simulation-config.ts';
import { prepareWorkload } from './prepare-workload.ts';
import { runSimulations, writeSimulationReport } from './simulate.ts';
import { DEFAULT_CHAIN_DRAWS, runChain } from './chain.ts';
import type { ChainResult } from '../simulator/chain.ts';

/** What the main job runs. */
export interface MainJob {
  /** Validated simulation configuration. */
  config: SimulationConfig;
  dataflows: SimDataflow[];
  /** Accuracy sweeps over σ and injected SINAD (`--sigma-sweep`, `--sinad-sweep`), as `npim simulate` runs them. */
  sweeps?: { sigma?: number[]; sinad?: number[] };
  /** tfjs Layers model directory. */
  model: string;
  /** Held-out images to simulate. */
  samples: number;
  /** MNIST directory (else NPIM_DATA_DIR, else datasets/mnist). */
  dataDir?: string;
  /** Evaluation data (`--data`: mnist, cifar10 or a directory; default the model's own data set, else MNIST). */
  data?: string;
  /** Report directory. */
  out: string;
  /** Name of the running tfjs backend (for the report). */
  backendName: string;
  /** When the job started (`Date.now()`), for the wall time in the report. */
  startedMs: number;
}

/** What the main job produced (the files are written already). */
export interface MainJobResult {
  report: SimulationReport;
  comparison: Comparison;
  /** The Neural-PIM chain measurement (random kernels) at the run's σ and at σ = 0, when the run simulates Neural-PIM. */
  chain: ChainResult[] | null;
  /** Wall time from `startedMs` to the end of the report, seconds. */
  seconds: number;
}

/** Simulates, costs, and writes report.md, results.json, results.md, cost.md, cost.json and energy-breakdown.svg to `job.out`. */
export async function runMainJob(job: MainJob): Promise<MainJobResult> {
  const w = await prepareWorkload(job.model, job.samples, job.dataDir, job.data);
  info(`simulating ${w.description}`);
  const sim = await runSimulations(job.config, job.dataflows, w, job.sweeps ?? {}, (label) => info(`  ${label}…`));
  const report: SimulationReport = { workload: w.description, model: displayPath(job.model), ...sim };
  await writeSimulationReport(job.out, report, job.config);

  // The reference design's own SINAD measurement, beside the real layers' (same configuration, its σ and σ = 0).
  const npim = job.dataflows.includes('neural-pim') && job.config.injectSinadDb === undefined;
  let chain: ChainResult[] | null = null;
  if (npim) {
    info('measuring the Neural-PIM chain on random kernels (σ of the run and σ = 0)');
    const sigma = job.config.device.programming.sigma;
    chain = await runChain(
      [...new Set([sigma, 0])],
      { kernels: 8, vectors: 128, draws: DEFAULT_CHAIN_DRAWS, seed: job.config.seed },
      job.config,
    );
  }

  info('costing the nine benchmarks and the MNIST models');
  const lib = deployedComponentLibrary();
  const archs = selectArchitectures(defaultArchitectures(), DEFAULT_ARCHITECTURE_NAMES.join(','), lib);
  const comparison = compareArchitectures(archs, lib, selectWorkloads('all'), { baselines: ['isaac', 'cascade'] });
  await writeCostReport(job.out, comparison, 'npim run');

  const seconds = (Date.now() - job.startedMs) / 1000;
  await writeFileAtomic(path.join(job.out, 'report.md'), mainReportMarkdown(report, comparison, job.backendName, seconds, chain));
  info(`wrote ${job.out}/report.md, results.json, results.md, energy-breakdown-run.svg, cost.md, cost.json, energy-breakdown.svg`);
  return { report, comparison, chain, seconds };
}
