/** `npim train ...`: the training commands, one sub-command per trainable thing. */
import { Command } from 'commander';
import { registerTrainDnn } from './train-dnn.ts';

/** Registers the `train` group and its sub-commands. */
export function registerTrain(program: Command): Command {
  const group = program.command('train').description('train approximator circuits and baseline DNNs');
  registerTrainDnn(group);
  return group;
}
