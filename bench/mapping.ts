/**
 * Benchmark `mapping`: map + program DNN layers onto 128 × 128 arrays of 1-bit cells (8-bit
 * weights, 16 devices per weight), and export the smaller layer's weight map.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../src/core/rng.ts';
import { defaultRramConfig } from '../src/device/rram.ts';
import { countMappedDevices, dnnDeviceConfig, mapLayer, programMappedLayer } from '../src/mapping/dnn-weights.ts';
import { readWeightMapCsv, readWeightMapJson, writeWeightMapCsv, writeWeightMapJson } from '../src/io/weight-map-file.ts';
import { weightMapFromMappedLayers } from '../src/weight-map/weight-map.ts';
import type { BenchFigure, BenchSection } from './types.ts';

/** Uniform random signed 8-bit codes (the mapping's cost does not depend on their distribution). */
function randomCodes(rows: number, cols: number, rng: Rng): Int16Array {
  const codes = new Int16Array(rows * cols);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.int(511) - 255;
  return codes;
}

/** The `mapping` section: devices per second of map + program, and of weight-map export/import. */
export const mappingBench: BenchSection = {
  name: 'mapping',
  async run(): Promise<BenchFigure[]> {
    const figures: BenchFigure[] = [];
    // Default device (log-normal σ = 0.025) with 1-bit cells.
    const device = dnnDeviceConfig(defaultRramConfig(), 1);
    const rng = new Rng(1);
    for (const [rows, cols, what] of [
      [784, 256, 'MNIST MLP fc1'],
      [4096, 4096, 'VGG-16 fc7'],
    ] as const) {
      const codes = randomCodes(rows, cols, rng);
      let t = performance.now();
      const layer = mapLayer({ name: `fc${rows}x${cols}`, rows, cols, codes });
      const mapSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const programmed = programMappedLayer(layer, device, rng);
      const programSeconds = (performance.now() - t) / 1000;
      const { devices, arrays } = countMappedDevices(layer);
      const note = `${rows}×${cols} (${what}): ${devices.toLocaleString('en-US')} devices in ${arrays} arrays; map ${mapSeconds.toFixed(2)} s, program ${programSeconds.toFixed(2)} s`;
      figures.push({
        name: `map + program ${rows}×${cols}`,
        value: devices / (mapSeconds + programSeconds),
        unit: 'devices/s',
        better: 'higher',
        note,
      });
      figures.push({ name: `map only ${rows}×${cols}`, value: devices / mapSeconds, unit: 'devices/s', better: 'higher' });

      if (rows === 784) {
        // Export the smaller layer's weight map (one row per device) and read it back.
        const map = weightMapFromMappedLayers([programmed]);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-bench-mapping-'));
        try {
          for (const [ext, write, read] of [
            ['csv', writeWeightMapCsv, readWeightMapCsv],
            ['json', writeWeightMapJson, readWeightMapJson],
          ] as const) {
            const file = path.join(dir, `map.${ext}`);
            t = performance.now();
            await write(file, map);
            const writeSeconds = (performance.now() - t) / 1000;
            t = performance.now();
            await read(file);
            const readSeconds = (performance.now() - t) / 1000;
            const mb = statSync(file).size / 1e6;
            figures.push({
              name: `write weight map ${ext.toUpperCase()} 784×256`,
              value: devices / writeSeconds,
              unit: 'devices/s',
              better: 'higher',
              note: `${mb.toFixed(0)} MB in ${writeSeconds.toFixed(1)} s`,
            });
            figures.push({
              name: `read weight map ${ext.toUpperCase()} 784×256`,
              value: devices / readSeconds,
              unit: 'devices/s',
              better: 'higher',
              note: `validated, ${readSeconds.toFixed(1)} s`,
            });
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    return figures;
  },
};
