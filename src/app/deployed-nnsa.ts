/**
 * The NNS+A design a Neural-PIM chip deploys, read once for the simulator and the cost model alike
 * (issue 18: one design for circuit, simulator and cost): the simulation configuration's or
 * description's `nnsaModel`, else the shipped default `DEFAULT_NNSA_MODEL` that `loadPeripherals`
 * programs. The cost model charges its device and inverter counts (`scaleNnsaPoint`).
 */
import path from 'node:path';
import { readApproximatorModelSync } from '../io/approximator-model.ts';
import { NnsaModelSchema } from '../circuits/nnsa/config.ts';
import { networkDeviceCount } from '../circuits/network.ts';
import { namedComponentLibrary, type ComponentLibrary, type NnsaElements } from '../cost/components.ts';
import { DEFAULT_NNSA_MODEL } from './load-peripherals.ts';

const cache = new Map<string, NnsaElements>();

/**
 * Device and inverter counts of one NNS+A of the model in `dir` (default the deployed one): its
 * crossbars' devices and its inverter neurons. The replica inverter and its feedback divider are
 * one per die, shared by every NNS+A, and not counted.
 */
export function nnsaElementsOf(dir: string = DEFAULT_NNSA_MODEL): NnsaElements {
  const key = path.resolve(dir);
  const known = cache.get(key);
  if (known) return known;
  const model = readApproximatorModelSync(dir, 'nnsa', NnsaModelSchema);
  // The crossbars' count without the per-die replica divider (`replicaFeedback` left out).
  const { rram: rramDevices, inverters } = networkDeviceCount({ layers: model.network.layers });
  const elements = { name: path.basename(key), rramDevices, inverters };
  cache.set(key, elements);
  return elements;
}

/** A shipped component library (`default`, `reference-design`) with the NNS+A figures of the deployed design (`nnsaModel`, default the shipped one). */
export function deployedComponentLibrary(name: string = 'default', nnsaModel?: string): ComponentLibrary {
  return namedComponentLibrary(name, nnsaElementsOf(nnsaModel));
}
