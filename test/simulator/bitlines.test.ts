import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { idealAccumulate, isaacAccumulate, type TileGeometry } from '../../src/dataflows/functional.ts';
import {
  tileBitLines,
  pairSumLines,
  tileBitLinesReference,
  tileDigitalSums,
  tileTensors,
  disposeTileTensors,
  type TileTensors,
} from '../../src/dataflows/bitlines.ts';
import type { ProgrammedTile } from '../../src/mapping/programmed-tiles.ts';

/** A signed differential tile with integer-plus-fraction level differences, like a programmed one. */
function randomTile(seed: number, rows: number, columns: number, halfSteps: boolean): ProgrammedTile {
  const rng = new Rng(seed);
  return {
    rowStart: 3,
    rows,
    // Half-integer levels make exact rounding ties common.
    levels: Float32Array.from({ length: rows * columns }, () =>
      halfSteps ? (rng.int(7) - 3) / 2 : (rng.int(3) - 1) * (1 + 0.05 * rng.normal()),
    ),
    readVariance: null,
    rowSiemens: new Float64Array(rows),
  };
}

test('the backend ISAAC path (convert, shift, add) equals the JavaScript reference, with and without clipping, ties included', async () => {
  await initBackend('auto');
  const fanIn = 140;
  const rows = 128;
  const fanOut = 5;
  const weightSlices = 8;
  const columns = fanOut * weightSlices;
  const n = 7;
  for (const halfSteps of [false, true]) {
    const tile = randomTile(1, rows, columns, halfSteps);
    const tensors = tileTensors(tile, columns);
    const rng = new Rng(2);
    const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.3 ? 0 : rng.int(256)));
    for (const dacBits of [1, 2, 4]) {
      const g: TileGeometry = { slices: Math.ceil(8 / dacBits), n, fanOut, weightSlices, cellBits: 1, dacBits };
      const bl = tileBitLines(tile, tensors, columns, codes, n, fanIn, dacBits, 8, null);
      // 3 bits clip most sums of a 128-row tile; 9 bits clip none.
      for (const adcBits of [3, 9, null]) {
        const expected = new Float64Array(n * fanOut);
        if (adcBits === null) idealAccumulate(bl, g, expected);
        else isaacAccumulate(bl, g, adcBits, expected);
        const got = new Float64Array(n * fanOut);
        tileDigitalSums(tile, tensors, fanOut, weightSlices, 1, codes, n, fanIn, dacBits, 8, adcBits, null, got);
        for (let k = 0; k < got.length; k++) {
          // Converted sums are integers and must agree exactly; the unconverted ideal path in float32.
          const tol = adcBits === null ? 1e-4 * Math.max(1, Math.abs(expected[k])) : 0;
          assert.ok(Math.abs(got[k] - expected[k]) <= tol, `D=${dacBits} bits=${adcBits} k=${k}: ${got[k]} vs ${expected[k]}`);
        }
      }
    }
    disposeTileTensors(tensors);
  }
});

test('without read noise the bit-line kernel equals its plain JavaScript specification bit for bit (programming variation, D = 1, 2, 4, 8)', () => {
  const rng = new Rng(17);
  for (const [rows, columns, fanIn, rowStart] of [
    [20, 12, 45, 7],
    [128, 64, 300, 128],
  ]) {
    const levels = Float32Array.from({ length: rows * columns }, () =>
      Math.fround((rng.int(3) - 1) * (1 + 0.05 * rng.normal()) + 0.01 * rng.normal()),
    );
    const tile: ProgrammedTile = { rowStart, rows, levels, readVariance: null, rowSiemens: new Float64Array(rows) };
    const n = 13;
    const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.5 ? 0 : rng.int(256)));
    for (const dacBits of [1, 2, 4, 8]) {
      const want = tileBitLinesReference(tile, columns, codes, n, fanIn, dacBits, 8);
      const got = tileBitLines(tile, null as unknown as TileTensors, columns, codes, n, fanIn, dacBits, 8, null);
      assert.equal([...got], [...want], `${rows}×${columns} D=${dacBits}`);
      // Written into a longer array holding stale values: the same sums, nothing of the old ones left.
      const into = new Float32Array(want.length + 5).fill(-7);
      const written = tileBitLines(tile, null as unknown as TileTensors, columns, codes, n, fanIn, dacBits, 8, null, into);
      assert.equal([...written], [...want], `into: ${rows}×${columns} D=${dacBits}`);
      assert.equal([...into.subarray(0, want.length)], [...want]);
    }
  }
});

test('bit lines written in place in another kernel memory equal the reference, chunked batches and the read-noise path included', async () => {
  await initBackend('auto');
  const rng = new Rng(31);
  // 30,000 vectors of 300 codes: more than one chunk of staged codes.
  const [rows, columns, fanIn, n] = [20, 4, 300, 30_000];
  const levels = Float32Array.from({ length: rows * columns }, () => Math.fround(rng.int(2) * (1 + 0.05 * rng.normal())));
  const tile: ProgrammedTile = { rowStart: 250, rows, levels, readVariance: null, rowSiemens: new Float64Array(rows) };
  const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.5 ? 0 : rng.int(256)));
  const memory = new WebAssembly.Memory({ initial: 1 });
  const at = 4096;
  // Stale bytes where the sums go.
  memory.grow(Math.ceil((at + 8 * n * columns) / 65536));
  new Float32Array(memory.buffer).fill(-7);
  const want = tileBitLinesReference(tile, columns, codes, n, fanIn, 4, 8);
  const got = tileBitLines(tile, null as unknown as TileTensors, columns, codes, n, fanIn, 4, 8, null, { memory, at });
  assert.equal(got.byteOffset, at);
  assert.ok(
    want.every((v, i) => Object.is(v, got[i])),
    'in place = reference',
  );
  // The read-noise path computes elsewhere and copies into the place.
  const small = 7;
  const noisy = { ...tile, readVariance: Float32Array.from({ length: rows * columns }, () => 0.01) };
  const tensors = tileTensors(noisy, columns);
  const fresh = tileBitLines(noisy, tensors, columns, codes, small, fanIn, 4, 8, new Rng(5));
  const placed = tileBitLines(noisy, tensors, columns, codes, small, fanIn, 4, 8, new Rng(5), { memory, at });
  assert.equal([...placed], [...fresh]);
  disposeTileTensors(tensors);
});

test('pair sums (v+ + v-): from pair-summed integer levels equal the two lines added in float64; other levels take the lines', () => {
  const rng = new Rng(29);
  const [rows, columns, fanIn, n] = [128, 32, 150, 9];
  const codes = Uint8Array.from({ length: n * fanIn }, () => (rng.uniform() < 0.4 ? 0 : rng.int(256)));
  const integer = Float32Array.from({ length: rows * columns }, () => rng.int(2));
  const analog = Float32Array.from({ length: rows * columns }, () => Math.fround(rng.int(2) * (1 + 0.05 * rng.normal())));
  for (const [name, levels] of [
    ['integer', integer],
    ['analog', analog],
  ] as const) {
    const tile: ProgrammedTile = { rowStart: 3, rows, levels, readVariance: null, rowSiemens: new Float64Array(rows) };
    for (const dacBits of [1, 4]) {
      const lines = tileBitLinesReference(tile, columns, codes, n, fanIn, dacBits, 8);
      const want = Array.from({ length: lines.length / 2 }, (_, c) => lines[2 * c] + lines[2 * c + 1]);
      const got = pairSumLines(tile, columns, codes, n, fanIn, dacBits, 8, new Float32Array(want.length).fill(-7));
      assert.equal(Array.from(got), want, `${name} D=${dacBits}`);
    }
  }
});

test('the read-noise (tfjs) path writes into a given array as into a new one, stale values cleared', async () => {
  await initBackend('auto');
  const rng = new Rng(23);
  const [rows, columns, fanIn, n] = [24, 8, 30, 5];
  const tile = randomTile(3, rows, columns, false);
  const withNoise = { ...tile, readVariance: Float32Array.from({ length: rows * columns }, () => 0.01) };
  const tensors = tileTensors(withNoise, columns);
  // Rows 0..9 idle in every vector: their sums stay zero.
  const codes = Uint8Array.from({ length: n * fanIn }, (_, i) => (i % fanIn < 10 ? 0 : rng.int(256)));
  for (const noise of [null, 'noise'] as const) {
    const fresh = tileBitLines(withNoise, tensors, columns, codes, n, fanIn, 4, 8, noise ? new Rng(5) : null);
    const into = new Float32Array(fresh.length).fill(-7);
    tileBitLines(withNoise, tensors, columns, codes, n, fanIn, 4, 8, noise ? new Rng(5) : null, into);
    assert.equal([...into], [...fresh], `${noise ?? 'no noise'}`);
  }
  disposeTileTensors(tensors);
});

test.run();
