/** The reference design's chain measurement (`npim eval chain`, and the main job's SINAD comparison): peripherals loaded, one run per σ. */
import { deepMerge } from '../core/config.ts';
import { SimulationConfigSchema, simulationConfigBase, type SimulationConfig } from '../chip/simulation-config.ts';
import { measureChain, type ChainOptions, type ChainResult } from '../simulator/chain.ts';
import { loadPeripherals } from './load-peripherals.ts';

/** Default Monte Carlo draws of the chain measurement. */
export const DEFAULT_CHAIN_DRAWS = 20;
/** The σ values the chain is reported at: the run's default and ideal devices. */
export const DEFAULT_CHAIN_SIGMAS = [0.025, 0];

/**
 * Measures the Neural-PIM chain at each σ of `sigmas`, with the Neural-PIM configuration `base`
 * (default: the simulator's defaults; its σ is replaced, and the peripherals vary with the same σ).
 */
export async function runChain(
  sigmas: number[],
  o: ChainOptions,
  base: SimulationConfig = SimulationConfigSchema.parse(simulationConfigBase()),
  onDraw?: (done: number, total: number) => void,
): Promise<ChainResult[]> {
  const out: ChainResult[] = [];
  for (const [k, sigma] of sigmas.entries()) {
    const cfg = SimulationConfigSchema.parse(
      deepMerge(base as unknown as Record<string, unknown>, { dataflow: 'neural-pim', device: { programming: { sigma } } }),
    );
    const peripherals = await loadPeripherals(cfg);
    out.push(measureChain(cfg, peripherals, o, (d) => onDraw?.(k * o.draws + d, sigmas.length * o.draws)));
  }
  return out;
}
