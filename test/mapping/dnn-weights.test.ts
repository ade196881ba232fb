import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { defaultRramConfig, gMinSiemens, idealDevices, type RramConfig } from '../../src/device/rram.ts';
import {
  arrayColumnSums,
  countMappedDevices,
  dnnDeviceConfig,
  drawSeedOf,
  layerProgrammingRng,
  layerWeightsOf,
  mapLayer,
  mappedProduct,
  mappingCounts,
  programMappedLayer,
  recoverFlippedSum,
  targetConductances,
  unmapToWeights,
  type LayerWeights,
} from '../../src/mapping/dnn-weights.ts';
import { directProduct, skewedLayer } from './helpers.ts';

const nominal = (cellBits: number): RramConfig => idealDevices(dnnDeviceConfig(defaultRramConfig(), cellBits));

function throwsUser(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, UserError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a UserError matching ${pattern}`);
}

test('bit slices and differential columns follow [slice0+, slice0-, slice1+, slice1-, ...]', () => {
  // 1-bit cells: 5 = 0b101 goes to the + columns of slices 0 and 2; −3 = −0b11 to the − columns of slices 0 and 1.
  const w: LayerWeights = { name: 'l', rows: 2, cols: 1, codes: Int16Array.from([5, -3]) };
  const m = mapLayer(w);
  assert.is(m.arrays.length, 1);
  const a = m.arrays[0];
  assert.is(a.dataColumns, 16);
  assert.equal(Array.from(a.levels.subarray(0, 16)), [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(Array.from(a.levels.subarray(16, 32)), [0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // 2-bit cells: 228 = 0b11_10_01_00 → slices 0, 1, 2, 3 (least significant first) in the + columns.
  const m2 = mapLayer({ name: 'l', rows: 1, cols: 2, codes: Int16Array.from([228, -228]) }, { cellBits: 2 });
  assert.equal(Array.from(m2.arrays[0].levels), [0, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 1, 0, 2, 0, 3]);
  // A quantized dense layer of src/dnn maps the same way (fanIn rows, fanOut columns).
  const fromDnn = mapLayer(layerWeightsOf({ name: 'dense', fanIn: 2, fanOut: 1, weights: Int16Array.from([5, -3]) }));
  assert.equal(Array.from(fromDnn.arrays[0].levels), Array.from(a.levels));
  // 3-bit cells on 8-bit weights: ⌈8/3⌉ = 3 slices, the last holding the top 2 bits: 255 → 7, 7, 3.
  const m3 = mapLayer({ name: 'l', rows: 1, cols: 1, codes: Int16Array.from([255]) }, { cellBits: 3 });
  assert.equal(Array.from(m3.arrays[0].levels), [7, 0, 7, 0, 3, 0]);
});

test('tiling: row blocks, column blocks of whole weight groups, array records', () => {
  // P_W = 2, P_R = 1 → 4 columns per weight; 6-column arrays hold one whole group (4 columns) each.
  const w: LayerWeights = { name: 'l', rows: 5, cols: 3, codes: new Int16Array(15).fill(1) };
  const m = mapLayer(w, { weightBits: 2, arrayRows: 4, arrayCols: 6 });
  assert.is(m.blockColumns, 4);
  assert.is(m.rowBlocks, 2);
  assert.is(m.colBlocks, 3);
  const a = m.arrays[4];
  assert.equal(
    {
      index: a.index,
      rowBlock: a.rowBlock,
      colBlock: a.colBlock,
      weightRowStart: a.weightRowStart,
      rows: a.rows,
      physColumnStart: a.physColumnStart,
      dataColumns: a.dataColumns,
    },
    { index: 4, rowBlock: 1, colBlock: 1, weightRowStart: 4, rows: 1, physColumnStart: 4, dataColumns: 4 },
  );
  // A group wider than the array (16 columns, 6-column arrays) continues in the next array.
  const wide = mapLayer({ name: 'l', rows: 1, cols: 1, codes: Int16Array.from([255]) }, { arrayCols: 6 });
  assert.equal(
    wide.arrays.map((x) => x.dataColumns),
    [6, 6, 4],
  );
  assert.equal(Array.from(wide.arrays[1].levels), [1, 0, 1, 0, 1, 0]);
});

test('flip encoding: the ISAAC criterion, complemented cells and the unit column', () => {
  // 4-row arrays of 1-bit cells, P_W = 1. Weight column 0 = [1, 1, 1, 0]: its + column has 3 ones
  // (2·3 > 4) → flipped; its − column has none → kept. Weight column 1 = [1, 1, 0, 0]: 2 ones (2·2 = 4) → kept.
  const w: LayerWeights = { name: 'l', rows: 4, cols: 2, codes: Int16Array.from([1, 1, 1, 1, 1, 0, 0, 0]) };
  const m = mapLayer(w, { weightBits: 1, arrayRows: 4, arrayCols: 8, flip: true });
  const a = m.arrays[0];
  assert.is(a.storedColumns, 5);
  assert.equal(Array.from(a.flipped), [1, 0, 0, 0]);
  // rows of [c0+ (flipped), c0−, c1+, c1−, unit]
  assert.equal(Array.from(a.levels), [0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1]);
  // Recovery with x = [1, 2, 3, 4]: the flipped column sums 4, the unit column 10; 10·1 − 4 = 1 + 2 + 3.
  const sums = arrayColumnSums(a, [1, 2, 3, 4]);
  assert.is(sums[0], 4);
  assert.is(sums[4], 10);
  assert.is(recoverFlippedSum(sums[4], sums[0], 1), 6);
  assert.equal(Array.from(mappedProduct(m, [1, 2, 3, 4])), [6, 3]);
  // The inverse decodes a flipped cell through the unit cell of its row, as the hardware does: a
  // unit cell reading 1.1 instead of 1 turns weight (3, 0) = 0 into 1.1·1 − 1 = 0.1.
  const dev = nominal(1);
  const g = targetConductances(m, dev);
  g[0][3 * 5 + 4] = gMinSiemens(dev) + 1.1 * (dev.gMaxSiemens - gMinSiemens(dev));
  const eff = unmapToWeights(m, g, dev, 'continuous');
  assert.ok(Math.abs(eff[3 * 2 + 0] - 0.1) < 1e-9, `weight ${eff[6]}`);
  assert.ok(Math.abs(eff[3 * 2 + 1]) < 1e-9, 'an unflipped column ignores the unit cell');
  // 2-bit cells, 2-row arrays: [3, 2] sums 5, 2·5 > 2·3 → stored as [0, 1]; [1, 1] is kept.
  const m2 = mapLayer(
    { name: 'l', rows: 2, cols: 2, codes: Int16Array.from([3, 1, 2, 1]) },
    { weightBits: 2, cellBits: 2, arrayRows: 2, arrayCols: 4, flip: true },
  );
  const a2 = m2.arrays[0];
  assert.equal(Array.from(a2.flipped), [1, 0, 0, 0]);
  assert.equal([a2.levels[0], a2.levels[a2.storedColumns]], [0, 1]);
  // x = [5, 7]: true sum 5·3 + 7·2 = 29 = unit 12 · 3 − flipped 7.
  const s2 = arrayColumnSums(a2, [5, 7]);
  assert.equal([s2[0], s2[4]], [7, 12]);
  assert.is(recoverFlippedSum(s2[4], s2[0], 2), 29);
});

test('closed-form counts agree with the mapping: 2·P_W/P_R columns per weight, ⌈rows/128⌉·⌈physCols/128⌉ arrays', () => {
  for (const [rows, cols] of [
    [75, 13],
    [128, 11],
    [300, 9],
    [784, 100],
  ]) {
    for (const cellBits of [1, 2, 4]) {
      for (const flip of [false, true]) {
        const w = skewedLayer('l', rows, cols, rows + cols);
        const m = mapLayer(w, { cellBits, flip });
        const counted = countMappedDevices(m);
        const closed = mappingCounts(rows, cols, { cellBits, flip });
        const perWeight = (2 * 8) / cellBits;
        const arrays = Math.ceil(rows / 128) * Math.ceil((cols * perWeight) / 128);
        assert.is(closed.columnsPerWeight, perWeight);
        assert.is(closed.arrays, arrays);
        assert.is(counted.arrays, arrays);
        assert.is(counted.dataColumns, Math.ceil(rows / 128) * cols * perWeight);
        assert.is(counted.dataDevices, rows * cols * perWeight);
        assert.is(counted.unitColumns, flip ? arrays : 0);
        assert.is(counted.unitDevices, closed.unitDevices);
        assert.is(counted.devices, closed.devices);
      }
    }
  }
  // 3-bit cells: groups of 6 columns, 21 whole groups per 128-column array (2 columns unused).
  const c3 = mappingCounts(10, 43, { cellBits: 3 });
  assert.is(c3.groupsPerArray, 21);
  assert.is(c3.colBlocks, 3);
  assert.is(countMappedDevices(mapLayer(skewedLayer('l', 10, 43, 1), { cellBits: 3 })).arrays, 3);
});

test('crossbar arithmetic: shift-and-add over slices and polarities equals x·W exactly, with and without flip', () => {
  const rng = new Rng(11);
  for (const [rows, cols] of [
    [75, 13],
    [128, 11],
    [300, 9],
  ]) {
    const w = skewedLayer('l', rows, cols, 100 + rows);
    const batch = 3;
    const x = Float64Array.from({ length: batch * rows }, () => rng.int(256));
    const expected = Array.from(directProduct(w, x, batch));
    for (const cellBits of [1, 2, 4]) {
      for (const flip of [false, true]) {
        const m = mapLayer(w, { cellBits, flip });
        assert.equal(Array.from(mappedProduct(m, x, batch)), expected, `rows ${rows}, P_R ${cellBits}, flip ${flip}`);
        if (flip && cellBits === 1 && rows >= 128)
          assert.ok(
            m.arrays.some((a) => a.flipped.some((f) => f === 1)),
            'the layer exercises flipped columns',
          );
      }
    }
  }
});

test('flip encoding keeps every column within half the ADC range (saves one bit)', () => {
  for (const cellBits of [1, 2]) {
    const m = mapLayer(skewedLayer('l', 300, 12, 5), { cellBits, flip: true });
    const full = 128 * (2 ** cellBits - 1) * 255;
    for (const a of m.arrays) {
      const sums = arrayColumnSums(a, new Float64Array(a.rows).fill(255));
      for (let c = 0; c < a.dataColumns; c++) assert.ok(sums[c] <= full / 2, `column sum ${sums[c]} > ${full / 2}`);
    }
    const plain = mapLayer(skewedLayer('l', 300, 12, 5), { cellBits });
    const maxPlain = Math.max(
      ...plain.arrays.flatMap((a) => Array.from(arrayColumnSums(a, new Float64Array(a.rows).fill(255))).slice(0, a.dataColumns)),
    );
    assert.ok(maxPlain > full / 2, 'without flip some column needs the top bit');
  }
});

test('property: mapping then unmapping nominal conductances returns the codes; product and counts agree', () => {
  fc.assert(
    fc.property(
      fc.record({
        rows: fc.integer({ min: 1, max: 40 }),
        cols: fc.integer({ min: 1, max: 6 }),
        weightBits: fc.integer({ min: 1, max: 10 }),
        cellBits: fc.integer({ min: 1, max: 8 }),
        arrayRows: fc.integer({ min: 1, max: 16 }),
        arrayCols: fc.integer({ min: 1, max: 24 }),
        flip: fc.boolean(),
        seed: fc.integer({ min: 0, max: 2 ** 31 }),
      }),
      ({ rows, cols, weightBits, cellBits, arrayRows, arrayCols, flip, seed }) => {
        const w = skewedLayer('p', rows, cols, seed, weightBits);
        const o = { weightBits, cellBits, arrayRows, arrayCols, flip };
        const m = mapLayer(w, o);
        const dev = nominal(cellBits);
        const g = targetConductances(m, dev);
        const back = unmapToWeights(m, g, dev, 'nearest');
        assert.equal(Array.from(back), Array.from(w.codes));
        const cont = unmapToWeights(m, g, dev, 'continuous');
        for (let i = 0; i < cont.length; i++) assert.ok(Math.abs(cont[i] - w.codes[i]) < 1e-9);
        const x = Float64Array.from({ length: rows }, (_, i) => (seed + 7 * i) % 256);
        assert.equal(Array.from(mappedProduct(m, x)), Array.from(directProduct(w, x, 1)));
        const counted = countMappedDevices(m);
        const closed = mappingCounts(rows, cols, o);
        assert.is(counted.arrays, closed.arrays);
        assert.is(counted.devices, closed.devices);
        if (flip) {
          for (const a of m.arrays) {
            for (let c = 0; c < a.dataColumns; c++) {
              let s = 0;
              for (let r = 0; r < a.rows; r++) s += a.levels[r * a.storedColumns + c];
              assert.ok(2 * s <= arrayRows * (2 ** cellBits - 1));
            }
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('programming variation: log-normal σ = 0.05 gives a 5 % conductance spread and the expected weight error', () => {
  const sigma = 0.05;
  const dev = dnnDeviceConfig(defaultRramConfig({ programming: { kind: 'lognormal', sigma } }), 1);
  const w = skewedLayer('fc', 256, 48, 3);
  const m = mapLayer(w);
  const p = programMappedLayer(m, dev, new Rng(21));
  const targets = targetConductances(m, dev);
  let s = 0;
  let s2 = 0;
  let n = 0;
  p.programmedSiemens.forEach((g, ai) => {
    for (let i = 0; i < g.length; i++) {
      const r = g[i] / targets[ai][i] - 1;
      s += r;
      s2 += r * r;
      n++;
    }
  });
  // g/g0 = e^θ: mean e^{σ²/2} − 1, sd sqrt((e^{σ²} − 1)·e^{σ²}) ≈ σ.
  const sd = Math.sqrt(s2 / n - (s / n) ** 2);
  const sdExpected = Math.sqrt((Math.exp(sigma ** 2) - 1) * Math.exp(sigma ** 2));
  assert.ok(Math.abs(sd / sdExpected - 1) < 0.02, `relative conductance spread ${sd}, expected ${sdExpected}`);
  // Weight error: cell value error e = g0·(e^θ − 1)/ΔG, independent per device; the weight error
  // Σ ±2^s·e has E[err²] = Σ 4^s·Var(e) + (Σ ±2^s·E[e])², from the code bits alone.
  const gMin = gMinSiemens(dev);
  const dG = dev.gMaxSiemens - gMin;
  const mean1 = Math.exp(sigma ** 2 / 2) - 1;
  const var1 = Math.exp(2 * sigma ** 2) - Math.exp(sigma ** 2);
  let expectedMse = 0;
  for (let i = 0; i < w.codes.length; i++) {
    const code = w.codes[i];
    let v = 0;
    let mu = 0;
    for (let b = 0; b < 8; b++) {
      const bit = (Math.abs(code) >> b) & 1;
      const gPos = code > 0 && bit ? dev.gMaxSiemens : gMin;
      const gNeg = code < 0 && bit ? dev.gMaxSiemens : gMin;
      v += 4 ** b * (gPos ** 2 + gNeg ** 2) * var1;
      mu += 2 ** b * (gPos - gNeg) * mean1;
    }
    expectedMse += (v + mu * mu) / dG ** 2;
  }
  expectedMse /= w.codes.length;
  const eff = unmapToWeights(m, p.programmedSiemens, dev, 'continuous');
  let mse = 0;
  for (let i = 0; i < eff.length; i++) mse += (eff[i] - w.codes[i]) ** 2;
  mse /= eff.length;
  assert.ok(Math.abs(mse / expectedMse - 1) < 0.06, `weight MSE ${mse}, expected ${expectedMse}`);
});

test('programming is reproducible from the layer stream and independent of the order of layers', () => {
  const dev = dnnDeviceConfig(defaultRramConfig({ programming: { kind: 'lognormal', sigma: 0.05 }, stuckAtGMinRate: 0.01 }), 1);
  const a = mapLayer(skewedLayer('a', 130, 9, 1), { flip: true });
  const b = mapLayer(skewedLayer('b', 60, 5, 2));
  // The simulator's streams: layer i of draw d of run seed 8.
  const drawSeed = drawSeedOf(8, 3);
  const pa1 = programMappedLayer(a, dev, layerProgrammingRng(drawSeed, 0), 8);
  const pb1 = programMappedLayer(b, dev, layerProgrammingRng(drawSeed, 2), 8);
  const pb2 = programMappedLayer(b, dev, layerProgrammingRng(drawSeed, 2), 8);
  const pa2 = programMappedLayer(a, dev, layerProgrammingRng(drawSeed, 0), 8);
  assert.equal(
    pa1.programmedSiemens.map((g) => Array.from(g)),
    pa2.programmedSiemens.map((g) => Array.from(g)),
  );
  assert.equal(
    pb1.programmedSiemens.map((g) => Array.from(g)),
    pb2.programmedSiemens.map((g) => Array.from(g)),
  );
  const pa3 = programMappedLayer(a, dev, layerProgrammingRng(drawSeedOf(8, 4), 0));
  assert.not.equal(Array.from(pa3.programmedSiemens[0]), Array.from(pa1.programmedSiemens[0]));
  assert.is(pa1.seed, 8);
  assert.is(pa3.seed, layerProgrammingRng(drawSeedOf(8, 4), 0).seed);
});

test('bad input: codes out of range or not integers, wrong shapes, options, device cell bits', () => {
  const layer = (codes: ArrayLike<number>, rows = 1, cols = codes.length): LayerWeights => ({ name: 'bad', rows, cols, codes });
  throwsUser(() => mapLayer(layer([0, 256])), /row 0, column 1 is 256.*\[-255, 255\]/);
  throwsUser(() => mapLayer(layer([-256])), /-256/);
  throwsUser(() => mapLayer(layer([1.5])), /1\.5/);
  throwsUser(() => mapLayer(layer([NaN])), /NaN/);
  throwsUser(() => mapLayer(layer([8]), { weightBits: 3 }), /\[-7, 7\]/);
  throwsUser(() => mapLayer(layer([1, 2, 3], 2, 2)), /3 weight codes for a 2 × 2 matrix/);
  throwsUser(() => mapLayer(layer([1]), { cellBits: 9 }), /cellBits/);
  throwsUser(() => mapLayer({ name: '', rows: 1, cols: 1, codes: [1] }), /name/);
  const m = mapLayer(layer([1, -1]), { cellBits: 2 });
  throwsUser(() => programMappedLayer(m, nominal(1), new Rng(1)), /1-bit cells.*P_R = 2/);
  throwsUser(() => unmapToWeights(m, [], nominal(2)), /conductances for 0 arrays/);
});

test.run();
