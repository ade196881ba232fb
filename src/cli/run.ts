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
import { comparisonJson } from '../report/cost-report.ts';
import { mainJobText } from '../report/run-report.ts';
import { retrainPipelineModels } from '../app/retrain.ts';
import { runMainJob } from '../app/run.ts';
import { addSimulationOptions, parseDataflows, parseSweeps, simulationConfigFrom } from './simulate.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';

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
      .description(
        'the main job: simulate LeNet-5 on MNIST (or --model/--data, e.g. the shipped CIFAR-10 ResNet-20) under the three dataflows and cost the nine benchmarks; report to out/',
      ),
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
      const sweeps = parseSweeps(opts as { sigmaSweep?: string; sinadSweep?: string });
      const backend = await startBackend(global);
      const simOpts = opts as unknown as Parameters<typeof simulationConfigFrom>[0];
      // With --retrain the job reads back the models it trains into --out: locked, not staged.
      await writingTo(
        opts.out,
        async () => {
          if (opts.retrain) {
            const trained = await retrainPipelineModels(path.join(opts.out, 'models'), backend.name, opts.dataDir as string | undefined);
            simOpts.nnsa = trained.nnsa;
            simOpts.nnadc = trained.nnadc.join(',');
            opts.model = trained.dnn;
          }
          const cfg = await simulationConfigFrom(simOpts);
          const { report, comparison, chain, seconds } = await runMainJob({
            config: cfg,
            dataflows,
            sweeps,
            model: opts.model,
            samples,
            dataDir: opts.dataDir as string | undefined,
            data: opts.data as string | undefined,
            out: opts.out,
            backendName: backend.name,
            startedMs: started,
          });
          printResult(global, { simulation: report, cost: comparisonJson(comparison), wallSeconds: seconds }, () =>
            mainJobText(report, comparison, path.join(opts.out, 'report.md'), seconds, chain),
          );
        },
        { stage: !opts.retrain },
      );
    });
}
