/** Small passive networks for the circuit tests. */
import type { Rng } from '../../src/core/rng.ts';
import type { NetworkLayer } from '../../src/circuits/network.ts';

/** A layer of `pairs` × `columns` devices per line at random levels of a 3-bit cell. */
export function randomLevelsLayer(rng: Rng, pairs: number, columns: number, activation: 'inverter' | 'linear'): NetworkLayer {
  return {
    pairs,
    columns,
    activation,
    upperLevels: Array.from({ length: pairs * columns }, () => rng.int(8)),
    lowerLevels: Array.from({ length: pairs * columns }, () => rng.int(8)),
  };
}
