/**
 * The registry of dataflows: the simulator and the cost model find a dataflow's module here by
 * name. Adding a dataflow = one module implementing {@link Dataflow} + one entry below (and its
 * name in `SIM_DATAFLOWS` of `chip/simulation-config.ts`).
 */
import { fail } from '../core/errors.ts';
import type { SimDataflow, SimulationConfig } from '../chip/simulation-config.ts';
import { cascadeDataflow } from './cascade.ts';
import { idealDataflow } from './ideal.ts';
import { isaacDataflow } from './isaac.ts';
import { neuralPimDataflow } from './neural-pim.ts';
import type { Dataflow } from './types.ts';
import type { DataflowCostModel } from './cost.ts';

export type * from './types.ts';
export type * from './cost.ts';

const REGISTRY: Record<SimDataflow, Dataflow> = {
  ideal: idealDataflow,
  isaac: isaacDataflow,
  cascade: cascadeDataflow,
  'neural-pim': neuralPimDataflow,
};

/** The module of dataflow `name`. */
export function dataflowModule(name: string): Dataflow {
  if (!Object.hasOwn(REGISTRY, name)) fail(`unknown dataflow '${name}' (use ${Object.keys(REGISTRY).join(', ')})`);
  return REGISTRY[name as SimDataflow];
}

/** The cost model's hooks of hardware dataflow `name` (a user error for a dataflow without hardware). */
export function dataflowCostModel(name: string): DataflowCostModel {
  const cost = dataflowModule(name).cost;
  if (!cost) fail(`dataflow '${name}' has no hardware to cost`);
  return cost;
}

/** The module of a configuration's dataflow. */
export function dataflowOf(cfg: SimulationConfig): Dataflow {
  return dataflowModule(cfg.dataflow);
}

/** DAC bits of a configuration (its dataflow's default when unset). */
export function dacBitsOf(cfg: SimulationConfig): number {
  return cfg.dacBits ?? dataflowOf(cfg).defaultDacBits;
}
