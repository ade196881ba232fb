/**
 * Hardware SINAD of every crossbar layer of a draw, measured on the layer's own reference inputs
 * (the exact network's activations of the SINAD images), in chunks of a batch of images so that the work
 * spreads over worker threads and the result does not depend on how many there are: each chunk
 * gives per-layer sums (plain data), and the sums are added in chunk order.
 *
 * A chunk runs the exact reference forward pass; at every crossbar layer the draw's hardware
 * computes the same product from the same input codes (random streams of batch index −1 − chunk,
 * which no simulated batch uses), and the differences are summed: on the rescaled outputs
 * (RMS-referred SINAD) and on the accumulations (peak-referred).
 */
import { exactMatmul, rescale, runQuantized, type QuantizedNetwork } from '../dnn/quantize.ts';
import { shapeSize } from '../dnn/network.ts';
import type { DrawHardware } from './engine.ts';

/** A chunk of SINAD images: its index and its images' range within the SINAD images. */
export interface SinadChunk {
  index: number;
  start: number;
  count: number;
}

/** One layer's sums over one chunk. */
export interface LayerSinadSums {
  /** Crossbar layer index. */
  index: number;
  /** Σ y² of the reference's rescaled outputs. */
  signalSquare: number;
  /** Σ (y_hw − y)² on the rescaled outputs. */
  errorSquare: number;
  /** max |acc| of the reference accumulations. */
  accPeak: number;
  /** Σ (acc_hw − acc)² on the accumulations. */
  accErrorSquare: number;
  /** Values summed (rows × fan-out). */
  values: number;
}

/** The sums of one chunk, per crossbar layer in layer order. */
export interface ChunkSinad {
  chunk: number;
  layers: LayerSinadSums[];
}

/**
 * The chunks of `count` SINAD images, `chunkImages` each: the run's batch size, so that what
 * depends on a whole product (injected noise is scaled to the product's largest value) sees the
 * same number of images as in the run. Fixed by the run, not by the workers.
 */
export function sinadChunks(count: number, chunkImages: number): SinadChunk[] {
  const out: SinadChunk[] = [];
  for (let start = 0, index = 0; start < count; start += chunkImages, index++)
    out.push({ index, start, count: Math.min(chunkImages, count - start) });
  return out;
}

/** Measures the chunks `chunks` of `images` (the SINAD images) on a draw's hardware. */
export function measureSinadChunks(hw: DrawHardware, net: QuantizedNetwork, images: Uint8Array, chunks: SinadChunk[]): ChunkSinad[] {
  const size = shapeSize(net.inputShape);
  return chunks.map((c) => {
    hw.startBatch(-1 - c.index);
    const layers: LayerSinadSums[] = [];
    runQuantized(net, images.subarray(c.start * size, (c.start + c.count) * size), {
      batchSize: c.count,
      matmul: (layer, index, codes, rows) => {
        const ref = exactMatmul(layer, index, codes, rows);
        const acc = hw.matmul(layer, index, codes, rows);
        const y = rescale(layer, ref, rows);
        const yHw = rescale(layer, acc, rows);
        const s: LayerSinadSums = { index, signalSquare: 0, errorSquare: 0, accPeak: 0, accErrorSquare: 0, values: ref.length };
        for (let i = 0; i < ref.length; i++) {
          s.signalSquare += y[i] * y[i];
          s.errorSquare += (yHw[i] - y[i]) ** 2;
          s.accPeak = Math.max(s.accPeak, Math.abs(ref[i]));
          s.accErrorSquare += (acc[i] - ref[i]) ** 2;
        }
        layers.push(s);
        // The reference continues: the next layer sees its own reference inputs.
        return ref;
      },
    });
    return { chunk: c.index, layers };
  });
}

/**
 * Per-layer SINAD (dB, capped at 200) from the chunks' sums, added in chunk order: RMS-referred
 * 10·log10((P_signal + P_noise)/P_noise) and peak-referred 20·log10(max|acc| / RMS error).
 */
export function combineSinadChunks(chunks: ChunkSinad[], layerIndices: number[]): { sinadDb: number[]; sinadPeakDb: number[] } {
  const sorted = [...chunks].sort((a, b) => a.chunk - b.chunk);
  const sinadDb: number[] = [];
  const sinadPeakDb: number[] = [];
  for (const index of layerIndices) {
    let ps = 0;
    let pn = 0;
    let peak = 0;
    let pnAcc = 0;
    let values = 0;
    for (const c of sorted) {
      const s = c.layers.find((l) => l.index === index);
      if (!s) continue;
      ps += s.signalSquare;
      pn += s.errorSquare;
      peak = Math.max(peak, s.accPeak);
      pnAcc += s.accErrorSquare;
      values += s.values;
    }
    sinadDb.push(pn === 0 ? 200 : Math.min(200, 10 * Math.log10((ps + pn) / pn)));
    sinadPeakDb.push(pnAcc === 0 ? 200 : Math.min(200, 10 * Math.log10((peak * peak) / (pnAcc / values))));
  }
  return { sinadDb, sinadPeakDb };
}
