/** `npim eval ...`: evaluation of trained circuits as circuits. */
import { Command } from 'commander';
import { registerEvalAdc } from './eval-adc.ts';
import { registerEvalChain } from './eval-chain.ts';

/** Registers the `eval` group and its sub-commands. */
export function registerEval(program: Command): Command {
  const group = program.command('eval').description('evaluate trained circuits (Monte Carlo over devices and corners)');
  registerEvalAdc(group);
  registerEvalChain(group);
  return group;
}
