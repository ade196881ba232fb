import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { defaultRramConfig, idealDevices, levelConductance, type RramConfig } from '../../src/device/rram.ts';
import {
  dnnDeviceConfig,
  mapLayer,
  mappingCounts,
  programMappedLayer,
  unmapToWeights,
  type LayerWeights,
} from '../../src/mapping/dnn-weights.ts';
import {
  readWeightMap,
  readWeightMapCsv,
  readWeightMapJson,
  writeChunksAtomic,
  writeWeightMap,
  writeWeightMapCsv,
  writeWeightMapJson,
} from '../../src/io/weight-map-file.ts';
import {
  pairedCrossbarRecords,
  unmapWeightMap,
  weightMapDeviceCount,
  weightMapFromMappedLayers,
  weightMapFromRecords,
  weightMapRecords,
  type WeightMap,
} from '../../src/weight-map/weight-map.ts';
import { skewedLayer } from '../mapping/helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-mapping-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const nominal = (cellBits: number): RramConfig => idealDevices(dnnDeviceConfig(defaultRramConfig(), cellBits));
const shapes: Array<[number, number]> = [
  [75, 13],
  [128, 9],
  [300, 5],
];

async function rejects(f: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.instance(e, UserError, `expected a UserError, got ${(e as Error).stack}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a UserError matching ${pattern}`);
}

function layers(seed: number): LayerWeights[] {
  return shapes.map(([r, c], i) => skewedLayer(`fc${i}`, r, c, seed + i));
}

function buildMap(ws: LayerWeights[], options: { cellBits?: number; flip?: boolean }, device: RramConfig, seed = 5): WeightMap {
  const rng = new Rng(seed);
  return weightMapFromMappedLayers(ws.map((w) => programMappedLayer(mapLayer(w, options), device, rng)));
}

/** Asserts that two maps hold the same metadata and bit-identical device columns. */
function sameMap(a: WeightMap, b: WeightMap): void {
  const meta = (m: WeightMap): string =>
    JSON.stringify({
      ...m,
      circuits: m.circuits.map((c) => ({ ...c, arrays: c.arrays.map((x) => ({ index: x.index, dnn: x.dnn, info: x.info })) })),
    });
  assert.is(meta(b), meta(a));
  a.circuits.forEach((c, ci) =>
    c.arrays.forEach((x, ai) => {
      const y = b.circuits[ci].arrays[ai];
      for (const k of ['row', 'column', 'polarity', 'levelIndex', 'targetSiemens', 'programmedSiemens'] as const) {
        assert.is(y[k].length, x[k].length);
        const i = x[k].findIndex((v, i) => !Object.is(v, y[k][i]));
        assert.is(i, -1, `${c.name} array ${x.index} ${k}[${i}]: ${y[k][i]} ≠ ${x[k][i]}`);
      }
    }),
  );
}

for (const format of ['csv', 'json'] as const) {
  test(`round trip through ${format}: map → export → import → inverse gives the codes exactly (75, 128, 300 rows; with and without flip)`, async () => {
    const ws = layers(40);
    for (const flip of [false, true]) {
      const map = buildMap(ws, { flip }, nominal(1));
      if (flip)
        assert.ok(
          map.circuits.some((c) => c.arrays.some((a) => (a.dnn?.flippedColumns.length ?? 0) > 0)),
          'some columns are flipped',
        );
      const file = path.join(dir, `roundtrip-${flip}.${format}`);
      await writeWeightMap(file, map);
      const back = await readWeightMap(file);
      sameMap(map, back);
      const exact = unmapWeightMap(back, { rounding: 'nearest' });
      const cont = unmapWeightMap(back, { rounding: 'continuous' });
      assert.is(exact.length, 3);
      exact.forEach((u, i) => {
        assert.is(u.name, ws[i].name);
        assert.equal([u.rows, u.cols], [ws[i].rows, ws[i].cols]);
        assert.equal(Array.from(u.weights), Array.from(ws[i].codes), `${u.name} flip ${flip}`);
        for (let k = 0; k < u.weights.length; k++) assert.ok(Math.abs(cont[i].weights[k] - ws[i].codes[k]) < 1e-9);
      });
    }
  });
}

test('device counts in an exported map match the closed form for P_R = 1, 2, 4', async () => {
  const ws = layers(50);
  for (const cellBits of [1, 2, 4]) {
    for (const flip of [false, true]) {
      const file = path.join(dir, `counts-${cellBits}-${flip}.json`);
      await writeWeightMapJson(file, buildMap(ws, { cellBits, flip }, nominal(cellBits)));
      const back = await readWeightMapJson(file);
      back.circuits.forEach((c, i) => {
        const { rows, cols } = ws[i];
        const perWeight = (2 * 8) / cellBits;
        const arrays = Math.ceil(rows / 128) * Math.ceil((cols * perWeight) / 128);
        assert.is(c.arrays.length, arrays);
        const dataColumns = new Set<string>();
        const unitColumns = new Set<number>();
        let devices = 0;
        for (const a of c.arrays) {
          for (let k = 0; k < a.row.length; k++) {
            if (a.polarity[k] === 2) unitColumns.add(a.index);
            else dataColumns.add(`${a.index}/${a.column[k]}`);
          }
          devices += a.row.length;
        }
        assert.is(dataColumns.size, Math.ceil(rows / 128) * cols * perWeight);
        assert.is(unitColumns.size, flip ? arrays : 0);
        assert.is(devices, mappingCounts(rows, cols, { cellBits, flip }).devices);
        assert.is(devices, rows * cols * perWeight + (flip ? rows * Math.ceil((cols * perWeight) / 128) : 0));
      });
    }
  }
});

test('programmed conductances survive the files bit-exactly; the inverse of the file equals the in-memory inverse', async () => {
  const device = dnnDeviceConfig(defaultRramConfig({ programming: { kind: 'lognormal', sigma: 0.05 }, stuckAtGMaxRate: 0.002 }), 1);
  const w = skewedLayer('fc', 150, 6, 9);
  const layer = mapLayer(w, { flip: true });
  const p = programMappedLayer(layer, device, new Rng(77));
  const map = weightMapFromMappedLayers([p]);
  assert.is(map.seed, 77);
  const inMemory = unmapToWeights(layer, p.programmedSiemens, device);
  for (const ext of ['csv', 'json']) {
    const file = path.join(dir, `varied.${ext}`);
    await writeWeightMap(file, map);
    const back = await readWeightMap(file);
    sameMap(map, back);
    assert.is(back.seed, 77);
    assert.equal(back.circuits[0].device, device);
    const [u] = unmapWeightMap(back);
    assert.equal(Array.from(u.weights), Array.from(inMemory));
    const [t] = unmapWeightMap(back, { conductance: 'target', rounding: 'nearest' });
    assert.equal(Array.from(t.weights), Array.from(w.codes));
  }
});

test('approximator networks (upper/lower pairs) share the format with DNN layers', async () => {
  const device = defaultRramConfig();
  const rng = new Rng(3);
  const net = [
    { pairs: 10, columns: 12 },
    { pairs: 13, columns: 1 },
  ].map((l) => {
    const n = l.pairs * l.columns;
    const upperLevels = Array.from({ length: n }, () => rng.int(8));
    const lowerLevels = Array.from({ length: n }, () => rng.int(8));
    return {
      ...l,
      upperLevels,
      lowerLevels,
      upperSiemens: upperLevels.map((i) => levelConductance(device, i) * 1.01),
      lowerSiemens: undefined,
    };
  });
  const w = skewedLayer('fc', 20, 3, 1);
  const dnn = buildMap([w], { flip: true }, nominal(1));
  const records = [...pairedCrossbarRecords('nnsa', net, device), ...weightMapRecords(dnn)];
  const map = weightMapFromRecords(
    [
      { name: 'nnsa', kind: 'approximator', device, seed: 3, info: { topology: '10-12-1' } },
      { ...dnn.circuits[0], arrays: dnn.circuits[0].arrays.map((a) => ({ index: a.index, dnn: a.dnn })) },
    ],
    records,
    { seed: 3 },
  );
  assert.is(weightMapDeviceCount(map), 2 * (10 * 12 + 13 * 1) + weightMapDeviceCount(dnn));
  const first = Array.from(weightMapRecords(map))[0];
  assert.equal(first, {
    circuit: 'nnsa',
    array: 0,
    row: 0,
    column: 0,
    polarity: 'upper',
    levelIndex: net[0].upperLevels[0],
    targetSiemens: levelConductance(device, net[0].upperLevels[0]),
    programmedSiemens: net[0].upperSiemens[0],
  });
  for (const ext of ['csv', 'json']) {
    const file = path.join(dir, `mixed.${ext}`);
    await writeWeightMap(file, map);
    const back = await readWeightMap(file);
    sameMap(map, back);
    const u = unmapWeightMap(back, { rounding: 'nearest' });
    assert.is(u.length, 1);
    assert.equal(Array.from(u[0].weights), Array.from(w.codes));
  }
});

/** Writes a small valid CSV map and returns its path and lines. */
async function sampleCsv(name: string): Promise<{ file: string; lines: string[] }> {
  const file = path.join(dir, name);
  await writeWeightMapCsv(file, buildMap([skewedLayer('fc', 3, 2, 1)], { flip: true }, nominal(1)));
  return { file, lines: (await fs.readFile(file, 'utf8')).split('\n') };
}

test('bad CSV input is a UserError naming the line', async () => {
  const { file, lines } = await sampleCsv('good.csv');
  const header = lines.findIndex((l) => l.startsWith('circuit,'));
  const edit = async (name: string, f: (ls: string[]) => string[]): Promise<string> => {
    const p = path.join(dir, name);
    await fs.writeFile(p, f([...lines]).join('\n'));
    return p;
  };
  const line = header + 3; // 1-based line number of the third data row
  const cells = lines[line - 1].split(',');
  await readWeightMapCsv(file); // the unedited file is valid

  const nonNumeric = await edit('nonnum.csv', (ls) => ((ls[line - 1] = [...cells.slice(0, 7), 'abc'].join(',')), ls));
  await rejects(() => readWeightMapCsv(nonNumeric), new RegExp(`line ${line}: programmedSiemens must be a finite conductance.*NaN`));
  const empty = await edit('empty.csv', (ls) => ((ls[line - 1] = [...cells.slice(0, 6), '', cells[7]].join(',')), ls));
  await rejects(() => readWeightMapCsv(empty), new RegExp(`line ${line}: targetSiemens`));
  const noColumn = await edit('nocol.csv', (ls) => ls.map((l, i) => (i >= header && l ? l.split(',').slice(0, 7).join(',') : l)));
  await rejects(() => readWeightMapCsv(noColumn), /header lacks column programmedSiemens/);
  const badPolarity = await edit('pol.csv', (ls) => ((ls[line - 1] = [...cells.slice(0, 4), 'sideways', ...cells.slice(5)].join(',')), ls));
  await rejects(() => readWeightMapCsv(badPolarity), new RegExp(`line ${line}: unknown polarity 'sideways'`));
  const swapped = await edit(
    'swap.csv',
    (ls) => ((ls[line - 1] = [...cells.slice(0, 4), cells[4] === '+' ? '-' : '+', ...cells.slice(5)].join(',')), ls),
  );
  await rejects(() => readWeightMapCsv(swapped), new RegExp(`line ${line}: .*the layout puts`));
  const badLevel = await edit('level.csv', (ls) => ((ls[line - 1] = [...cells.slice(0, 5), '2', ...cells.slice(6)].join(',')), ls));
  await rejects(() => readWeightMapCsv(badLevel), new RegExp(`line ${line}: levelIndex must be an integer in \\[0, 1\\]`));
  const missingRow = await edit('short.csv', (ls) => (ls.splice(line - 1, 1), ls));
  await rejects(() => readWeightMapCsv(missingRow), /device records, the metadata says/);
  const duplicate = await edit('dup.csv', (ls) => (ls.splice(line, 0, ls[line - 1]), ls));
  await rejects(() => readWeightMapCsv(duplicate), new RegExp(`line ${line + 1}: duplicate device`));
  const noMeta = await edit('nometa.csv', (ls) => ls.filter((l) => !l.startsWith('# meta')));
  await rejects(() => readWeightMapCsv(noMeta), /no '# meta/);
  const badMeta = await edit('badmeta.csv', (ls) =>
    ls.map((l) => (l.startsWith('# meta') ? l.replace('"cellBits":1', '"cellBits":"one"') : l)),
  );
  await rejects(() => readWeightMapCsv(badMeta), /invalid weight-map metadata: circuits\.0\.dnn\.cellBits/);
  await rejects(() => readWeightMap(path.join(dir, 'absent.csv')), /not found/);
  await rejects(() => readWeightMap(path.join(dir, 'map.xml')), /unknown weight-map format '\.xml'/);
});

test('bad JSON input and bad records are UserErrors naming the device', async () => {
  const file = path.join(dir, 'good.json');
  await writeWeightMapJson(file, buildMap([skewedLayer('fc', 3, 2, 1)], {}, nominal(1)));
  const value = JSON.parse(await fs.readFile(file, 'utf8'));
  const write = async (name: string, f: (v: typeof value) => void): Promise<string> => {
    const v = structuredClone(value);
    f(v);
    const p = path.join(dir, name);
    await fs.writeFile(p, JSON.stringify(v));
    return p;
  };
  await rejects(
    async () => readWeightMapJson(await write('nonnum.json', (v) => (v.circuits[0].arrays[0].programmedSiemens[5] = 'abc'))),
    /array 0 device 5: programmedSiemens must be a finite conductance/,
  );
  await rejects(
    async () => readWeightMapJson(await write('nocol.json', (v) => delete v.circuits[0].arrays[0].levelIndex)),
    /missing device column 'levelIndex'/,
  );
  await rejects(
    async () => readWeightMapJson(await write('pol.json', (v) => (v.circuits[0].arrays[0].polarity[2] = 'x'))),
    /device 2: unknown polarity 'x'/,
  );
  const broken = path.join(dir, 'broken.json');
  await fs.writeFile(broken, '{"format": ');
  await rejects(() => readWeightMapJson(broken), /not valid JSON/);
  const device = defaultRramConfig();
  const rec = {
    circuit: 'n',
    array: 0,
    row: 0,
    column: 0,
    polarity: 'upper' as const,
    levelIndex: 1,
    targetSiemens: 1e-5,
    programmedSiemens: 1e-5,
  };
  assert.throws(
    () => weightMapFromRecords([{ name: 'n', device }], [rec, rec]),
    (e: Error) => e instanceof UserError && /record 1: duplicate device/.test(e.message),
  );
  assert.throws(
    () => weightMapFromRecords([{ name: 'n', device }], [{ ...rec, circuit: 'm' }]),
    (e: Error) => e instanceof UserError && /unknown circuit 'm'/.test(e.message),
  );
  assert.throws(
    () => weightMapFromRecords([{ name: 'n', device }], [{ ...rec, levelIndex: 8 }]),
    (e: Error) => e instanceof UserError && /levelIndex/.test(e.message),
  );
});

test('writes are atomic: unwritable paths fail with a UserError and leave no file, an existing file survives a failed write', async () => {
  const map = buildMap([skewedLayer('fc', 3, 2, 1)], {}, nominal(1));
  const aFile = path.join(dir, 'plain.txt');
  await fs.writeFile(aFile, 'x');
  for (const ext of ['csv', 'json']) {
    const under = path.join(aFile, `map.${ext}`);
    await rejects(() => writeWeightMap(under, map), /cannot write/);
    assert.not.ok(existsSync(under));
  }
  // The target is an existing directory: the rename fails and the temporary file is removed.
  const asDir = path.join(dir, 'isdir.csv');
  await fs.mkdir(asDir);
  await rejects(() => writeWeightMapCsv(asDir, map), /cannot write .*isdir\.csv/);
  assert.equal(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
  // A directory without write permission. Root ignores permission bits, so as root the
  // unwritable directory is /sys (a read-only pseudo file system): no child process as another
  // user, so the test does not depend on where the clone lives or who may read it.
  const locked = path.join(dir, 'locked');
  await fs.mkdir(locked);
  await fs.chmod(locked, 0o555);
  const target = process.getuid?.() === 0 ? '/sys/npim-map.json' : path.join(locked, 'map.json');
  await rejects(() => writeWeightMapJson(target, map), /cannot write .*map\.json: (EACCES|EROFS|EPERM)/);
  assert.not.ok(existsSync(target));
  assert.equal(readdirSync(locked), []);
  // A write that fails half-way leaves the previous file untouched and no temporary file.
  const existing = path.join(dir, 'existing.csv');
  await fs.writeFile(existing, 'previous content');
  const failing = function* (): Generator<string> {
    yield 'partial,';
    throw new UserError('producer failed');
  };
  await rejects(() => writeChunksAtomic(existing, failing()), /producer failed/);
  assert.is(await fs.readFile(existing, 'utf8'), 'previous content');
  const bad = structuredClone(map);
  bad.circuits[0].arrays[0].programmedSiemens[3] = NaN;
  await rejects(() => writeWeightMapCsv(existing, bad), /device 3: conductances must be finite/);
  assert.is(await fs.readFile(existing, 'utf8'), 'previous content');
  assert.equal(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test.run();
