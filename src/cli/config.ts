/** `npim config show`: dumps an accelerator description (a preset or a file), and the loader of `--config`. */
import { Command } from 'commander';
import { ensure, fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { parseChipDescription, type ChipDescription } from '../chip/description.ts';
import { CHIP_PRESET_NAMES, chipPreset } from '../chip/presets.ts';
import { printResult, type GlobalOptions } from './shared.ts';

/** Reads all of standard input as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the JSON of a `--config` option: a file, or standard input for `-`. Malformed JSON is a one-line user error. */
export async function readConfigJson(file: string): Promise<unknown> {
  if (file !== '-') return readJson(file, 'config file');
  const text = await readStdin();
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`config on standard input is not valid JSON: ${(e as Error).message}`);
  }
}

/** The accelerator description named by `--preset` or read from `--config` (at most one of them). */
export async function chipFromOptions(opts: { preset?: string; config?: string }): Promise<ChipDescription | undefined> {
  ensure(!(opts.preset && opts.config), 'give --preset or --config, not both');
  if (opts.preset) return chipPreset(opts.preset);
  if (opts.config) return parseChipDescription(await readConfigJson(opts.config));
  return undefined;
}

/** Registers `config` and its subcommand `show`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('accelerator descriptions: presets and files');
  config
    .command('show')
    .description(`print an accelerator description, validated and with defaults filled in (presets: ${CHIP_PRESET_NAMES.join(', ')})`)
    .option('--preset <name>', `a named description: ${CHIP_PRESET_NAMES.join(', ')}`)
    .option('--config <file>', 'a description JSON file (- for standard input)')
    .action(async (opts: { preset?: string; config?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const chip = await chipFromOptions(opts);
      if (!chip) fail(`give --preset NAME (${CHIP_PRESET_NAMES.join(', ')}) or --config FILE`);
      printResult(global, chip, () => JSON.stringify(chip, null, 2));
    });
}
