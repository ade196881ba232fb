/**
 * The simulator's programming is pinned to what it was before the mapper was shared with
 * `npim export` (issue 14): hashes of the float32 level steps that the former
 * `mapping/programmed-tiles.ts` produced for draw 1 of seed 7, layer index 3, computed from that code
 * (commit 7b67247). A change of layout, random stream or arithmetic changes them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { QuantizedNetwork } from '../../src/dnn/quantize.ts';
import { drawSeedOf } from '../../src/mapping/dnn-weights.ts';
import { SimulationConfigSchema, type SimDataflow } from '../../src/chip/simulation-config.ts';
import { programDraw } from '../../src/simulator/engine.ts';

/** FNV-1a of the bytes of a float32 matrix. */
function fnv(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (const x of bytes) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('draw seeds: drawSeedOf(7, 1) is the seed the simulator has always given draw 1 of seed 7', () => {
  assert.is(drawSeedOf(7, 1), 152990383);
});

test('programDraw gives the level steps of the former simulator programming, byte for byte', () => {
  const cases: Array<[levelBits: number, dataflow: SimDataflow, stuckAtGMinRate: number, hashes: string]> = [
    [1, 'neural-pim', 0, 'cb3a7aeb,b8b1b61e'],
    [1, 'isaac', 0, '61ea9c29,52da07fa'],
    [2, 'neural-pim', 0.02, 'b5067e89,01c4860e'],
    [3, 'cascade', 0.02, '8c143d09,4e1a551c'],
  ];
  const fanIn = 200;
  const fanOut = 7;
  const weights = Int16Array.from({ length: fanIn * fanOut }, (_, i) => ((i * 37) % 511) - 255);
  // Layer index 3: three non-crossbar layers before it.
  const net = {
    layers: [{ kind: 'relu' }, { kind: 'relu' }, { kind: 'relu' }, { kind: 'dense', name: 'fc', fanIn, fanOut, weights }],
  } as unknown as QuantizedNetwork;
  for (const [levelBits, dataflow, stuckAtGMinRate, hashes] of cases) {
    const device = {
      ...SimulationConfigSchema.parse({}).device,
      levelBits,
      stuckAtGMinRate,
      programming: { kind: 'lognormal' as const, sigma: 0.05 },
    };
    const cfg = SimulationConfigSchema.parse({ dataflow, device, seed: 7 });
    const [[index, layer]] = programDraw(cfg, net, drawSeedOf(7, 1));
    assert.is(index, 3);
    assert.is(layer.tiles.map((t) => fnv(t.levels)).join(','), hashes, `${levelBits}-bit cells, ${dataflow}`);
  }
});

test.run();
