/**
 * ISAAC-style digital accumulation (dataflow A): every signed column pair converted every input
 * cycle, digital shift-and-add. Layers without per-read noise run on lookup tables of the
 * programmed devices (`dataflows/lookup-sums.ts`); the others, and layers too large for the
 * tables, on backend products (`dataflows/bitlines.ts`).
 */
import { ensure } from '../core/errors.ts';
import { adcConverterBits, conversionsPerGroup, digitalAccumulationResolutionBits, type DataflowParams } from './closed-forms.ts';
import { tileDigitalSums } from './bitlines.ts';
import type { SimulationConfig } from '../chip/simulation-config.ts';
import { buildLookupEngine } from './lookup-sums.ts';
import { INPUT_BITS, simulationParams, uploadLayers } from './common.ts';
import { checkShiftAdds, rejectCascadeSettings } from './cost.ts';
import type { Dataflow } from './types.ts';

/**
 * Magnitude bits of the simulated converter: the configured resolution, else the closed form
 * (with the simulated flip encoding, by default off: sign + 8 bits for 1-bit cells and DACs on 128 rows).
 */
export function isaacConverterBits(cfg: SimulationConfig, dacBits: number, cellBits: number): number {
  return cfg.isaacAdcBits ?? digitalAccumulationResolutionBits(simulationParams(cfg, dacBits, cellBits));
}

/** The `isaac` dataflow. */
export const isaacDataflow: Dataflow = {
  name: 'isaac',
  kind: 'isaac',
  defaultDacBits: 1,
  needsPeripherals: () => false,
  validate: () => undefined,
  crossbarForm: () => 'differential',
  conversionsPerGroup: (p: DataflowParams) => conversionsPerGroup('isaac', p),
  calibrate: () => ({}),
  executor({ cfg, dacBits, programmed, streams }) {
    const lookup =
      cfg.device.readNoiseSigma === 0
        ? buildLookupEngine(programmed, dacBits, INPUT_BITS, isaacConverterBits(cfg, dacBits, cfg.device.levelBits))
        : null;
    const layers = uploadLayers(programmed, (i) => lookup?.has(i) ?? false);
    return {
      matmul(layer, index, codes, rows) {
        const { prog, tensors } = layers.get(index);
        const acc = new Float64Array(rows * layer.fanOut);
        const perGroup = conversionsPerGroup('isaac', simulationParams(cfg, dacBits, prog.cellBits));
        const conversions = perGroup * rows * layer.fanOut * prog.tiles.length;
        if (lookup?.has(index)) {
          lookup.digitalSums(index, codes, rows, acc);
          return { acc, conversions };
        }
        const noise = cfg.device.readNoiseSigma > 0 ? streams.readNoise() : null;
        const bits = isaacConverterBits(cfg, dacBits, prog.cellBits);
        prog.tiles.forEach((tile, t) =>
          // Converted and shifted on the backend: only the partial sums come back.
          tileDigitalSums(
            tile,
            tensors[t],
            layer.fanOut,
            prog.slices,
            prog.cellBits,
            codes,
            rows,
            layer.fanIn,
            dacBits,
            INPUT_BITS,
            bits,
            noise,
            acc,
          ),
        );
        return { acc, conversions };
      },
      dispose: () => layers.dispose(),
    };
  },
  cost: {
    requiredAdcBits: (p, layout) => adcConverterBits('isaac', p, layout),
    conversionsPerGroup: (_design, p) => conversionsPerGroup('isaac', p),
    validateDesign: rejectCascadeSettings,
    checkStructure(c) {
      const needed = c.arrays * c.groupsPerArray * c.columnsPerWeight;
      ensure(
        c.design.pe.sampleHolds >= needed,
        `architecture ${c.design.name}: ${c.design.pe.sampleHolds} sample-and-holds per PE, the ${c.arrays} arrays have ${needed} sensed columns`,
      );
    },
    // Each input cycle's bit lines are converted during the next cycle.
    converterWindow: 'input-cycle',
    checkThroughput(c) {
      checkShiftAdds(c);
      return null;
    },
    layerEvents: (e) => ({
      sampleHoldSamples: e.usedColumns * e.inputCycles,
      shiftAddOps: e.conversions,
      // The S+A combines one group's slices of a cycle in its accumulator, then one read-modify-write
      // of the group's running sum per input cycle; the final sum is read once.
      outputRegisterBits: (2 * e.inputCycles + 1) * e.groupArrays * e.partialSumBits,
    }),
  },
};
