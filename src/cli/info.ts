/** `npim info`: backend, versions, threads, external tools. */
import { Command } from 'commander';
import os from 'node:os';
import { createRequire } from 'node:module';
import { describeBackend } from '../core/backend.ts';
import { ngspiceVersion } from '../io/ngspice.ts';
import { printResult, startBackend, type GlobalOptions } from './shared.ts';

const require = createRequire(import.meta.url);

/** Registers `info`. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the compute backend, versions, thread count and external tools')
    .action(async (_opts: unknown, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const backend = await startBackend(global);
      const pkg = require('../../package.json') as { version: string };
      const result = {
        neuralPim: pkg.version,
        node: process.version,
        backend: backend.name,
        backendDescription: describeBackend(backend),
        backendsSkipped: backend.skipped,
        tfjs: backend.tfjsVersion,
        cpuThreads: os.availableParallelism(),
        workerThreads: Math.max(1, os.availableParallelism()),
        ngspice: ngspiceVersion() ?? 'not installed',
        platform: `${os.platform()} ${os.arch()}`,
      };
      printResult(global, result, () =>
        [
          `neural-pim ${result.neuralPim} (node ${result.node}, ${result.platform})`,
          `backend:  ${result.backendDescription}`,
          ...backend.skipped.map((s) => `          skipped: ${s}`),
          `threads:  ${result.cpuThreads} CPU threads; simulator workers use ${result.workerThreads}`,
          `ngspice:  ${result.ngspice}`,
        ].join('\n'),
      );
    });
}
