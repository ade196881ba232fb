/**
 * CASCADE-style analog buffering (dataflow B): each cycle's signed partial sums go through TIAs
 * into RRAM buffer cells of matching significance, and each buffer column is converted once
 * (`dataflows/functional.ts` `cascadeAccumulate`). The TIA gain (buffer full scale) is calibrated
 * per layer unless fixed.
 */
import { ensure, fail } from '../core/errors.ts';
import { LogNormalFactors, Rng } from '../core/rng.ts';
import {
  adcConverterBits,
  adcResolutionBits,
  cascadeSummedConversionsPerGroup,
  conversionsPerGroup,
  type DataflowParams,
} from './closed-forms.ts';
import { cascadeAccumulate } from './functional.ts';
import { idealDevices } from '../device/rram.ts';
import { disposeTileTensors, tileBitLines, tileTensors } from './bitlines.ts';
import { programLayer } from '../mapping/programmed-tiles.ts';
import { INPUT_BITS, simulationParams, tileGeometry, uploadLayers } from './common.ts';
import { checkShiftAdds, fmtCount } from './cost.ts';
import type { Dataflow } from './types.ts';

/** The `cascade` dataflow. */
export const cascadeDataflow: Dataflow = {
  name: 'cascade',
  kind: 'cascade',
  defaultDacBits: 1,
  needsPeripherals: () => false,
  validate({ cfg, dacBits }) {
    if (dacBits !== cfg.cellBits) fail(`CASCADE-style buffering needs DAC bits equal to cell bits (got ${dacBits} and ${cfg.cellBits})`);
  },
  crossbarForm: () => 'differential',
  conversionsPerGroup: (p: DataflowParams) => conversionsPerGroup('cascade', p),
  calibrate({ cfg, dacBits }, layers) {
    const bufferScale: Array<[number, number]> = [];
    for (const { index, layer, codes, rows } of layers) {
      if (cfg.bufferFullScale !== 'calibrated') {
        bufferScale.push([index, cfg.bufferFullScale]);
        continue;
      }
      // Largest signed slice partial sum |BL⁺ − BL⁻| a buffer cell must hold.
      const prog = programLayer(layer, idealDevices(cfg.device), cfg.arrayRows, new Rng(0), true);
      let max = 1;
      for (const tile of prog.tiles) {
        const t = tileTensors(tile, prog.columns);
        const bl = tileBitLines(tile, t, prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, null);
        disposeTileTensors(t);
        for (let c = 0; c < bl.length; c++) max = Math.max(max, Math.abs(bl[c]));
      }
      bufferScale.push([index, max]);
    }
    return { bufferScale };
  },
  executor({ cfg, dacBits, inputCycles, calibration, programmed, streams }) {
    const layers = uploadLayers(programmed);
    const bufferScale = new Map(calibration.bufferScale);
    const varied = cfg.varyPeripherals && cfg.device.programming.sigma > 0;
    // One factor stream per batch generator (streams.buffer() changes with the batch), read in order.
    const factorStreams = new WeakMap<Rng, LogNormalFactors>();
    const writeFactors = (): LogNormalFactors | null => {
      if (!varied) return null;
      const rng = streams.buffer();
      let f = factorStreams.get(rng);
      if (!f) factorStreams.set(rng, (f = new LogNormalFactors(rng, cfg.device.programming.sigma)));
      return f;
    };
    return {
      matmul(layer, index, codes, rows) {
        const { prog, tensors } = layers.get(index);
        const acc = new Float64Array(rows * layer.fanOut);
        const noise = cfg.device.readNoiseSigma > 0 ? streams.readNoise() : null;
        const params = simulationParams(cfg, dacBits, prog.cellBits);
        const g = tileGeometry(prog, inputCycles, rows, layer.fanOut, dacBits);
        prog.tiles.forEach((tile, t) => {
          const bl = tileBitLines(tile, tensors[t], prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, noise);
          cascadeAccumulate(
            bl,
            g,
            {
              bufferCellBits: cfg.bufferCellBits,
              bufferFullScale: bufferScale.get(index)!,
              adcBits: cfg.cascadeAdcBits ?? adcResolutionBits('cascade', params),
              writeFactors: writeFactors(),
            },
            acc,
          );
        });
        return { acc, conversions: conversionsPerGroup('cascade', params) * rows * layer.fanOut * prog.tiles.length };
      },
      dispose: () => layers.dispose(),
    };
  },
  cost: {
    requiredAdcBits: (p, layout) => adcConverterBits('cascade', p, layout),
    // The published design's summing amplifiers merge the low buffer columns; without them, the closed form.
    conversionsPerGroup: (design, p) =>
      design.cascade?.conversionsPerInputCycle != null
        ? cascadeSummedConversionsPerGroup(p, design.cascade.conversionsPerInputCycle)
        : conversionsPerGroup('cascade', p),
    validateDesign: () => undefined,
    checkStructure(c) {
      const { design } = c;
      const name = design.name;
      const pairs = c.groupsPerPe * c.weightSlices;
      ensure(
        design.pe.tias >= pairs,
        `architecture ${name}: ${design.pe.tias} TIAs per PE, the arrays have ${pairs} bit-line pairs to sense every cycle`,
      );
      // Buffer cells written per product; the buffer arrays are double-buffered (one set written while the other is converted).
      const cellsNeeded = c.groupsPerPe * c.weightSlices * c.inputCycles;
      const cellsAvailable = (design.pe.bufferArrays * design.array.rows * design.array.columns) / 2;
      ensure(
        design.pe.bufferArrays > 0 && cellsAvailable >= cellsNeeded,
        `architecture ${name}: ${design.pe.bufferArrays} buffer arrays per PE hold ${cellsAvailable} cells per product (double-buffered), ${cellsNeeded} partial sums need buffering`,
      );
      ensure(design.pe.summingAmplifiers > 0, `architecture ${name}: the cascade dataflow needs summing amplifiers`);
    },
    // The buffers hold what is converted: a product's conversions may spread over one pipeline cycle.
    converterWindow: 'pipeline-cycle',
    checkThroughput(c) {
      checkShiftAdds(c);
      const sumsPerCycle = c.groupsPerPe * c.conversionsPerGroup;
      const ampCapacity = c.design.pe.summingAmplifiers * c.summingAmplifierOperationsPerSecond * c.pipelineCycleSeconds;
      if (sumsPerCycle > ampCapacity * (1 + 1e-9)) {
        fail(
          `architecture ${c.design.name}: summing amplifiers cannot keep up: ${sumsPerCycle} sums per pipeline cycle per PE, capacity ${fmtCount(ampCapacity)}`,
        );
      }
      return null;
    },
    layerEvents: (e) => {
      const tiaOps = e.groupArrays * e.weightSlices * e.inputCycles;
      return {
        tiaOps,
        bufferWrites: tiaOps,
        summingAmplifierOps: e.conversions,
        sampleHoldSamples: e.conversions,
        shiftAddOps: e.conversions,
        // A group's conversions are combined in the S+A accumulator: one write and one read of its sum.
        outputRegisterBits: 2 * e.groupArrays * e.partialSumBits,
      };
    },
  },
};
