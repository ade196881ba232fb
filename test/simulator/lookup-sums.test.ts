import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assembleKernel, kernelSources } from '../../scripts/build-kernels.ts';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { isaacAccumulate, type TileGeometry } from '../../src/dataflows/functional.ts';
import { tileBitLines, tileTensors, disposeTileTensors } from '../../src/dataflows/bitlines.ts';
import { buildLookupEngine, lookupDigitalSumsReference } from '../../src/dataflows/lookup-sums.ts';
import type { ProgrammedLayer, ProgrammedTile } from '../../src/mapping/programmed-tiles.ts';

test('the committed kernel binaries are what their WebAssembly text sources assemble to', async () => {
  const sources = kernelSources();
  assert.ok(sources.length > 0);
  for (const [wat, wasm] of sources) {
    const built = await assembleKernel(wat);
    assert.equal(Buffer.compare(Buffer.from(built), fs.readFileSync(wasm)), 0, `${wasm} is stale: run npm run build:kernels`);
  }
});

/**
 * A differential layer whose level differences are multiples of 1/8 (exact in float32 in any
 * summation order, so both paths must agree bit for bit), or of 1/2 when `ties` (exact rounding
 * ties on every other sum), over tiles of `arrayRows` rows with a short last tile.
 */
function dyadicLayer(seed: number, fanIn: number, fanOut: number, cellBits: number, arrayRows: number, ties: boolean): ProgrammedLayer {
  const rng = new Rng(seed);
  const slices = Math.ceil(8 / cellBits);
  const columns = fanOut * slices;
  const top = 2 ** cellBits - 1;
  const tiles: ProgrammedTile[] = [];
  for (let rowStart = 0; rowStart < fanIn; rowStart += arrayRows) {
    const rows = Math.min(arrayRows, fanIn - rowStart);
    const levels = Float32Array.from({ length: rows * columns }, () =>
      ties ? rng.int(2 * top + 1) - top + (rng.uniform() < 0.5 ? 0.5 : 0) : (rng.int(16 * top + 1) - 8 * top) / 8,
    );
    tiles.push({ rowStart, rows, levels, readVariance: null, rowSiemens: new Float64Array(rows) });
  }
  return { fanIn, fanOut, slices, cellBits, columns, differential: true, tiles };
}

test('lookup-table partial sums equal the JavaScript ISAAC reference exactly (D = 1, 2, 3, 4; 1- and 2-bit cells; clipping; ties)', async () => {
  await initBackend('auto');
  const fanIn = 150;
  const fanOut = 5; // 5 · 8 = 40 columns, 5 · 4 = 20: both need no padding; 3 · 8 = 24 below
  const n = 9;
  const rng = new Rng(3);
  const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.4 ? 0 : rng.int(256)));
  for (const [cellBits, outs] of [
    [1, fanOut],
    [2, fanOut],
    [1, 3],
  ] as const) {
    for (const ties of [false, true]) {
      const prog = dyadicLayer(7 + cellBits, fanIn, outs, cellBits, 64, ties);
      for (const dacBits of [1, 2, 3, 4]) {
        // 4 bits clip most sums of a 64-row tile; 10 bits none.
        for (const adcBits of [4, 10]) {
          const g: TileGeometry = { slices: Math.ceil(8 / dacBits), n, fanOut: outs, weightSlices: prog.slices, cellBits, dacBits };
          const expected = new Float64Array(n * outs);
          for (const tile of prog.tiles) {
            const tensors = tileTensors(tile, prog.columns);
            isaacAccumulate(tileBitLines(tile, tensors, prog.columns, codes, n, fanIn, dacBits, 8, null), g, adcBits, expected);
            disposeTileTensors(tensors);
          }
          const engine = buildLookupEngine([[4, prog]], dacBits, 8, adcBits)!;
          assert.ok(engine.has(4));
          const got = new Float64Array(n * outs);
          engine.digitalSums(4, codes, n, got);
          assert.equal([...got], [...expected], `P_R=${cellBits} outs=${outs} ties=${ties} D=${dacBits} bits=${adcBits}`);
        }
      }
    }
  }
});

test('with programming variation the lookup path agrees with the float64 sums except within a rounding error of a tie', () => {
  const fanIn = 300;
  const fanOut = 16;
  const prog = dyadicLayer(5, fanIn, fanOut, 1, 128, false);
  const rng = new Rng(6);
  for (const tile of prog.tiles)
    for (let i = 0; i < tile.levels.length; i++)
      tile.levels[i] = Math.fround(Math.round(tile.levels[i]) * (1 + 0.05 * rng.normal()) + 0.02 * rng.normal());
  const n = 40;
  const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.5 ? 0 : rng.int(256)));
  const engine = buildLookupEngine([[0, prog]], 1, 8, 8)!;
  const got = new Float64Array(n * fanOut);
  engine.digitalSums(0, codes, n, got);
  // Float64 reference, and the set of outputs with a bit-line sum within 1e-4 of a half-integer.
  let compared = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < fanOut; j++) {
      let sum = 0;
      let nearTie = false;
      for (const tile of prog.tiles) {
        for (let i = 0; i < 8; i++) {
          for (let s = 0; s < prog.slices; s++) {
            let bl = 0;
            for (let k = 0; k < tile.rows; k++)
              if ((codes[r * fanIn + tile.rowStart + k] >> i) & 1) bl += tile.levels[k * prog.columns + j * prog.slices + s];
            if (Math.abs(Math.abs(bl % 1) - 0.5) < 1e-4) nearTie = true;
            sum += Math.max(-255, Math.min(255, Math.round(bl))) * 2 ** (s + i);
          }
        }
      }
      if (nearTie) continue;
      compared++;
      assert.is(got[r * fanOut + j], sum, `image ${r} column ${j}`);
    }
  }
  assert.ok(compared > 0.95 * n * fanOut, `compared ${compared}`);
});

test('with programming variation the kernel path equals its plain JavaScript specification bit for bit (D = 1, 2, 4; two layers in one engine)', () => {
  const rng = new Rng(9);
  const vary = (prog: ProgrammedLayer): ProgrammedLayer => {
    for (const tile of prog.tiles)
      for (let i = 0; i < tile.levels.length; i++)
        tile.levels[i] = Math.fround(Math.round(tile.levels[i]) * (1 + 0.05 * rng.normal()) + 0.02 * rng.normal());
    return prog;
  };
  // Two layers of different widths and tile counts share one engine (and its scratch rows).
  const layers: Array<[number, ProgrammedLayer]> = [
    [2, vary(dyadicLayer(21, 37, 3, 1, 16, false))],
    [5, vary(dyadicLayer(22, 70, 20, 1, 32, false))],
  ];
  for (const dacBits of [1, 2, 4]) {
    // 6 bits: some tiles can clip; 9 bits: none can.
    for (const adcBits of [6, 9]) {
      const engine = buildLookupEngine(layers, dacBits, 8, adcBits)!;
      for (const [index, prog] of layers) {
        const n = 11;
        const codes = Uint8Array.from({ length: n * prog.fanIn }, () => (rng.uniform() < 0.5 ? 0 : rng.int(256)));
        const want = new Float64Array(n * prog.fanOut);
        lookupDigitalSumsReference(prog, dacBits, 8, adcBits, codes, n, want);
        const got = new Float64Array(n * prog.fanOut);
        engine.digitalSums(index, codes, n, got);
        assert.equal([...got], [...want], `layer ${index} D=${dacBits} bits=${adcBits}`);
      }
    }
  }
});

test('layers that could overflow the int32 accumulation stay on the tfjs product', () => {
  const prog = dyadicLayer(1, 20, 2, 1, 8, false);
  assert.is(buildLookupEngine([[0, prog]], 1, 8, 24), null);
  assert.ok(buildLookupEngine([[0, prog]], 1, 8, 8)?.has(0));
});

test.run();
