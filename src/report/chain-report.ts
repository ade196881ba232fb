/** Tables of the Neural-PIM chain measurement beside the real layers' SINAD (no I/O). */
import type { ChainResult } from '../simulator/chain.ts';
import type { SimulationResult } from '../simulator/simulate.ts';

const db = (x: number): string => (x >= 199 ? 'exact' : x.toFixed(1));

/**
 * The chain measurement per σ in both SINAD conventions and, when a Neural-PIM run is given, the
 * real layers' figures of that run beside it (mean of layers, and the range over layers).
 */
export function chainMarkdown(chain: ChainResult[], layers?: SimulationResult): string {
  const head = '| measurement | σ | draws | SINAD RMS-referred (dB) | SINAD peak-referred (dB) |';
  const sep = '|---|---:|---:|---:|---:|';
  const rows = chain.map(
    (c) =>
      `| random kernels, one ${c.rows}-row array × ${c.kernels} kernels, ${c.vectors} random inputs (NNS+A + NNADC) | ${c.sigma} | ${c.draws.length} | ${db(c.rmsSinadMeanDb)} ± ${c.rmsSinadStdDb.toFixed(1)} | ${db(c.peakSinadMeanDb)} ± ${c.peakSinadStdDb.toFixed(1)} |`,
  );
  if (layers) {
    const range = (xs: Array<{ sinadDb: number }>): string =>
      xs.length ? `${db(Math.min(...xs.map((s) => s.sinadDb)))}…${db(Math.max(...xs.map((s) => s.sinadDb)))}` : '–';
    rows.push(
      `| real layers of the run (${layers.dataflow}, mean of ${layers.sinad.length} layers; range) | ${layers.sigma} | ${layers.draws} | ${db(layers.sinadMeanDb)} (${range(layers.sinad)}) | ${db(layers.sinadPeakMeanDb)} (${range(layers.sinadPeak)}) |`,
    );
  }
  return [head, sep, ...rows].join('\n');
}
