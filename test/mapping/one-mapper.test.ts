/**
 * One mapper: the weight map `npim export` writes for draw K is the chip draw K of the simulator
 * programmed. The simulator keeps each tile as float32 level steps ((g − G_min)/step, or
 * (g⁺ − g⁻)/step for differential dataflows), so the exported siemens are compared through that
 * same float64 arithmetic and float32 store: equality is exact there (a different conductance
 * would almost surely give a different float32), and in siemens it holds to the float32 rounding.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/core/backend.ts';
import { gMinSiemens, levelConductance, type RramConfig } from '../../src/device/rram.ts';
import type { QuantizedNetwork } from '../../src/dnn/quantize.ts';
import { drawSeedOf, programDrawLayers, type LayerWeights } from '../../src/mapping/dnn-weights.ts';
import { readWeightMap } from '../../src/io/weight-map-file.ts';
import { weightMapFromMappedLayers, type WeightMapCircuit } from '../../src/weight-map/weight-map.ts';
import { SimulationConfigSchema, type SimDataflow } from '../../src/chip/simulation-config.ts';
import { programDraw } from '../../src/simulator/engine.ts';
import { prepareWorkload } from '../../src/app/prepare-workload.ts';
import type { ProgrammedLayer as SimulatedLayer } from '../../src/mapping/programmed-tiles.ts';
import { simulationConfigFrom } from '../../src/cli/simulate.ts';
import { ROOT, npimHere } from '../helpers/cli.ts';

/**
 * Asserts that an exported circuit holds exactly the devices of a simulated layer: every device
 * of every tile once, at the same (row block, row, global column), its programmed conductance
 * giving the simulator's float32 level steps exactly, its target the level's conductance.
 */
function assertSameDevices(circuit: WeightMapCircuit, sim: SimulatedLayer, device: RramConfig, label: string): void {
  const gMin = gMinSiemens(device);
  const step = (device.gMaxSiemens - gMin) / (2 ** device.levelBits - 1);
  const physColumns = sim.fanOut * sim.slices * 2;
  assert.is(sim.cellBits, device.levelBits, label);
  // The exported programmed conductances, re-assembled into the simulator's tiles.
  const tiles = sim.tiles.map((t) => new Float64Array(t.rows * physColumns).fill(NaN));
  let devices = 0;
  for (const a of circuit.arrays) {
    const info = a.dnn!;
    const g = tiles[info.rowBlock];
    assert.ok(g, `${label}: array ${a.index} in row block ${info.rowBlock}`);
    assert.is(sim.tiles[info.rowBlock].rowStart, info.weightRowStart, label);
    for (let i = 0; i < a.row.length; i++) {
      const at = a.row[i] * physColumns + info.physColumnStart + a.column[i];
      assert.ok(Number.isNaN(g[at]), `${label}: device at ${at} exported twice`);
      g[at] = a.programmedSiemens[i];
      assert.is(a.targetSiemens[i], levelConductance(device, a.levelIndex[i]), label);
      devices++;
    }
  }
  assert.is(devices, sim.fanIn * physColumns, `${label}: exported devices`);
  sim.tiles.forEach((tile, t) => {
    const g = tiles[t];
    const width = sim.differential ? physColumns / 2 : physColumns;
    assert.is(tile.levels.length, tile.rows * width, label);
    for (let i = 0; i < tile.levels.length; i++) {
      const level = tile.levels[i];
      if (sim.differential) {
        const exported = Math.fround((g[2 * i] - g[2 * i + 1]) / step);
        if (exported !== level) assert.unreachable(`${label}: tile ${t} pair ${i}: exported ${exported}, simulated ${level}`);
      } else {
        const exported = Math.fround((g[i] - gMin) / step);
        if (exported !== level) assert.unreachable(`${label}: tile ${t} device ${i}: exported ${exported}, simulated ${level}`);
        // In siemens: the float32 rounding of the level steps (plus float64 noise).
        const simulatedSiemens = level * step + gMin;
        const tolerance = (Math.abs(level) * 2 ** -24 + 1e-12) * step;
        if (Math.abs(simulatedSiemens - g[i]) > tolerance) assert.unreachable(`${label}: tile ${t} device ${i} in siemens`);
      }
    }
  });
}

/** A small network: non-crossbar layers around two dense layers, so layer indices name the streams. */
function network(lead: number, shapes: Array<[number, number]>, codes: Int16Array[]): QuantizedNetwork {
  const layers: unknown[] = Array.from({ length: lead }, () => ({ kind: 'relu' }));
  shapes.forEach(([fanIn, fanOut], i) => {
    layers.push({ kind: 'dense', name: `fc${i}`, fanIn, fanOut, weights: codes[i] });
    layers.push({ kind: 'relu' });
  });
  return { layers } as unknown as QuantizedNetwork;
}

test('property: the exported map of draw K equals the simulator’s programmed conductances of draw K', () => {
  const defaultDevice = SimulationConfigSchema.parse({}).device;
  fc.assert(
    fc.property(
      fc.record({
        shapes: fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 2 }),
        lead: fc.integer({ min: 0, max: 2 }),
        cellBits: fc.integer({ min: 1, max: 8 }),
        // Array rows are a power of two (the chip description's closed forms need an integer log2).
        arrayRows: fc.constantFrom(8, 16, 32, 64, 128, 256),
        sigma: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 0.3, noNaN: true })),
        stuckAtGMinRate: fc.constantFrom(0, 0.02),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        draw: fc.integer({ min: 0, max: 50 }),
        dataflow: fc.constantFrom<SimDataflow>('isaac', 'cascade', 'neural-pim'),
        codeSeed: fc.integer({ min: 0, max: 1000 }),
        density: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      (p) => {
        const cfg = SimulationConfigSchema.parse({
          dataflow: p.dataflow,
          arrayRows: p.arrayRows,
          seed: p.seed,
          device: { ...defaultDevice, levelBits: p.cellBits, programming: { sigma: p.sigma }, stuckAtGMinRate: p.stuckAtGMinRate },
        });
        let state = p.codeSeed + 1;
        const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const codes = p.shapes.map(([r, c]) =>
          Int16Array.from({ length: r * c }, () => (next() < p.density ? Math.round((next() * 2 - 1) * 255) : 0)),
        );
        const net = network(p.lead, p.shapes, codes);
        const simulated = programDraw(cfg, net, drawSeedOf(p.seed, p.draw));
        // The exporter's path (npim export → dnnExport → programDrawLayers → weight map).
        const layers = simulated.map(([index], i): { index: number; weights: LayerWeights } => ({
          index,
          weights: { name: `fc${i}`, rows: p.shapes[i][0], cols: p.shapes[i][1], codes: codes[i] },
        }));
        const map = weightMapFromMappedLayers(
          programDrawLayers(layers, { device: cfg.device, arrayRows: cfg.arrayRows, seed: p.seed, draw: p.draw }),
          { seed: p.seed },
        );
        assert.is(map.circuits.length, p.shapes.length);
        simulated.forEach(([index, sim], i) => {
          assert.is(index, p.lead + 2 * i);
          assertSameDevices(map.circuits[i], sim, cfg.device, `layer ${i}`);
        });
        // Another draw is another chip (when anything varies).
        if (p.sigma > 0) {
          const other = programDraw(cfg, net, drawSeedOf(p.seed, p.draw + 1));
          assert.not.equal(Array.from(other[0][1].tiles[0].levels), Array.from(simulated[0][1].tiles[0].levels));
        }
      },
    ),
    { numRuns: 40, seed: 14 },
  );
});

const MNIST_DIR = process.env.NPIM_DATA_DIR ?? path.resolve(ROOT, 'datasets/mnist');
const work = mkdtempSync(path.join(os.tmpdir(), 'npim-one-mapper-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('npim export --model models/lenet5-mnist --sigma 0.025 --seed 7 --draw 1: the first layer is draw 1 of npim simulate', async () => {
  if (!existsSync(path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'))) {
    console.log(`note: MNIST not found in ${MNIST_DIR}; skipping the LeNet-5 export test`);
    return;
  }
  await initBackend('auto');
  const model = path.join(ROOT, 'models', 'lenet5-mnist');
  const out = path.join(work, 'lenet5-draw1.json');
  const args = ['--model', model, '--sigma', '0.025', '--seed', '7', '--draw', '1', '--data-dir', MNIST_DIR, '--out', out];
  const r = await npimHere(['export', ...args]);
  assert.is(r.code, 0, r.stderr);
  const map = await readWeightMap(out);
  assert.is(map.seed, 7);
  // The simulator's side: its configuration from the same flags, its quantized network, draw 1.
  for (const dataflow of ['isaac', 'neural-pim'] as const) {
    const cfg = { ...(await simulationConfigFrom({ model, dataflow, samples: '1', sigma: '0.025', seed: '7' })), dataflow };
    const { net } = await prepareWorkload(model, 1, MNIST_DIR);
    const [[index, first]] = programDraw(cfg, net, drawSeedOf(7, 1));
    assert.is(map.circuits[0].name, net.layers[index].name);
    assert.is((map.circuits[0].info as { layerIndex: number }).layerIndex, index);
    assert.equal(map.circuits[0].device, cfg.device);
    assertSameDevices(map.circuits[0], first, cfg.device, `${dataflow} ${map.circuits[0].name}`);
  }
  // A dataflow that programs no crossbars is a one-line error.
  const bad = await npimHere(['export', ...args.slice(0, -2), '--dataflow', 'ideal', '--out', path.join(work, 'x.json')]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--dataflow ideal programs no crossbars/);
});

test.run();
