/**
 * `npim run` (`npm start`): the whole pipeline on built-in defaults — the shipped (or, with
 * `--retrain`, freshly trained) NNS+A and NNADCs, mapped with device noise; LeNet-5 on MNIST under
 * the ideal reference and the three dataflows; the cost model on the nine benchmarks; a comparison
 * table on stdout and a report with plots in `out/`.
 */
import { Command } from 'commander';
import path from 'node:path';
import { parseIntOption } from '../core/config.ts';
import { ensure } from '../core/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { writePlot } from '../app/plots.ts';
import { info } from '../report/progress.ts';
import { defaultArchitectures } from '../cost/architectures.ts';
import { defaultComponentLibrary } from '../cost/components.ts';
import { compareArchitectures } from '../cost/evaluate.ts';
import { comparisonJson, comparisonMarkdown, comparisonText, energyBreakdownPlot } from '../report/cost-report.ts';
import { DEFAULT_ARCHITECTURE_NAMES, selectArchitectures } from '../cost/select.ts';
import { selectWorkloads } from '../cost/workloads/index.ts';
import { prepareWorkload } from '../app/prepare-workload.ts';
import { simulationTable } from '../report/simulation-report.ts';
import {
  addSimulationOptions,
  parseDataflows,
  runSimulations,
  simulationConfigFrom,
  simulationMarkdown,
  writeSimulationReport,
  type SimulationReport,
} from './simulate.ts';
import { printResult, startBackend, type GlobalOptions } from './shared.ts';
import { retrainPipelineModels } from './retrain.ts';

interface RunOptions {
  model: string;
  dataflow: string;
  samples: string;
  out: string;
  retrain?: boolean;
  [key: string]: unknown;
}

/** Registers `run`. */
export function registerRun(program: Command): void {
  addSimulationOptions(
    program
      .command('run')
      .description('the main job: simulate LeNet-5 on MNIST under the three dataflows and cost the nine benchmarks; report to out/'),
    {
      samples: '500',
      dataflow: 'all',
    },
  )
    .option('--out <dir>', 'report directory', 'out')
    .option('--retrain', 'train the NNS+A, the three NNADCs and LeNet-5 from scratch first (into <out>/models)')
    .action(async (opts: RunOptions, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const started = Date.now();
      const samples = parseIntOption(opts.samples, '--samples');
      ensure(samples >= 1, '--samples must be at least 1');
      const dataflows = parseDataflows(opts.dataflow);
      const backend = await startBackend(global);
      const simOpts = opts as unknown as Parameters<typeof simulationConfigFrom>[0];
      if (opts.retrain) {
        const trained = await retrainPipelineModels(path.join(opts.out, 'models'), backend.name, opts.dataDir as string | undefined);
        simOpts.nnsa = trained.nnsa;
        simOpts.nnadc = trained.nnadc.join(',');
        opts.model = trained.dnn;
      }
      const cfg = await simulationConfigFrom(simOpts);
      const w = await prepareWorkload(opts.model, samples, opts.dataDir as string | undefined);
      info(`simulating ${w.description}`);
      const sim = await runSimulations(cfg, dataflows, w, {}, (label) => info(`  ${label}…`));
      const report: SimulationReport = { workload: w.description, model: opts.model, ...sim };
      await writeSimulationReport(opts.out, report, cfg);

      info('costing the nine benchmarks and the MNIST models');
      const lib = defaultComponentLibrary();
      const archs = selectArchitectures(defaultArchitectures(), DEFAULT_ARCHITECTURE_NAMES.join(','), lib);
      const comparison = compareArchitectures(archs, lib, selectWorkloads('all'), { baselines: ['isaac', 'cascade'] });
      await writeFileAtomic(path.join(opts.out, 'cost.md'), comparisonMarkdown(comparison, { command: 'npim run' }));
      await writeJsonAtomic(path.join(opts.out, 'cost.json'), comparisonJson(comparison));
      await writePlot(path.join(opts.out, 'energy-breakdown.svg'), energyBreakdownPlot(comparison));

      const seconds = (Date.now() - started) / 1000;
      const md = [
        '# neural-pim report',
        '',
        `Backend: ${backend.name}. Wall time ${seconds.toFixed(0)} s.`,
        '',
        '## Accuracy on the accelerator',
        '',
        simulationMarkdown(report).replace(/^# .*\n\n/, ''),
        '## Energy, throughput and area (nine ImageNet benchmarks)',
        '',
        comparisonMarkdown(comparison, { command: 'npim run' }).replace(/^# .*\n/, ''),
      ].join('\n');
      await writeFileAtomic(path.join(opts.out, 'report.md'), md);
      info(`wrote ${opts.out}/report.md, results.json, results.md, cost.md, cost.json, energy-breakdown.svg`);
      printResult(global, { simulation: report, cost: comparisonJson(comparison), wallSeconds: seconds }, () =>
        [
          `LeNet-5 on ${w.description}`,
          '',
          simulationTable(report.results),
          '',
          comparisonText(comparison),
          '',
          `report: ${path.join(opts.out, 'report.md')} (${seconds.toFixed(0)} s)`,
        ].join('\n'),
      );
    });
}
