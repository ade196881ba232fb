/**
 * The `npim` program: parses the command line, runs one command, and turns user errors into a
 * one-line message with exit code 2.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError, errorLine } from '../core/errors.ts';
import { setQuiet } from '../io/progress.ts';
import { handleInterruptions } from '../io/result-dir.ts';
import { BACKEND_CHOICES } from '../core/backend.ts';
import { registerInfo } from './info.ts';
import { registerCharacterize } from './characterize.ts';
import { registerTrain } from './train.ts';
import { registerEval } from './eval.ts';
import { registerCost } from './cost.ts';
import { registerSa } from './sa.ts';
import { registerTrainAdc } from './adc.ts';
import { registerExport } from './export.ts';
import { registerSpice } from './spice.ts';
import { registerSimulate } from './simulate.ts';
import { registerRun } from './run.ts';
import { registerConfig } from './config.ts';
import { registerSweep } from './sweep.ts';
import { registerImport } from './import.ts';

/** The package's version, from its package.json (two folders up, from src/cli or dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the commander program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('npim')
    .description('neural-pim: RRAM processing-in-memory accelerators with neural analog peripherals')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--json', 'machine-readable JSON output on stdout')
    .option('--quiet', 'no progress bars or informational lines')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  program.hook('preAction', (cmd) => {
    const o = cmd.optsWithGlobals() as { json?: boolean; quiet?: boolean };
    setQuiet(Boolean(o.json || o.quiet));
  });
  registerInfo(program);
  registerCharacterize(program);
  registerCost(program);
  const train = registerTrain(program);
  registerSa(train, registerEval(program));
  registerTrainAdc(train);
  registerExport(program);
  registerSpice(program);
  registerSimulate(program);
  registerRun(program);
  registerConfig(program);
  registerSweep(program);
  registerImport(program);
  return program;
}

/** Runs the program on `argv`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  handleInterruptions();
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      if (e.code === 'commander.help') return 0;
      process.stderr.write(`${errorLine(`npim: ${e.message.replace(/^error: /, '')}`)}\n`);
      return 2;
    }
    if (e instanceof UserError) {
      process.stderr.write(`${errorLine(`npim: error: ${e.message}`)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
