/**
 * The weight-map file formats, without the files: CSV and JSON text as chunk generators (the writers in
 * io/weight-map-file.ts stream them to disk) and the validation of a parsed JSON map.
 *
 * CSV: one row per device with exactly the columns
 * `circuit,array,row,column,polarity,levelIndex,targetSiemens,programmedSiemens`, preceded by
 * comment lines starting with `#`: a title line and one line `# meta <JSON>` holding the metadata
 * (seed, device model per circuit, P_W, P_R, array size, flip, and per array the weight rows and
 * columns it maps — {@link WeightMapMeta}). Comments rather than a sidecar file so that the map is
 * one file, written by one atomic rename (a sidecar could be left stale beside a newer CSV).
 * pandas reads it with `pd.read_csv(path, comment='#')`. Polarities are written `+`, `-`, `unit`,
 * `upper`, `lower`; the reader also accepts `−` (U+2212) for `-`.
 *
 * JSON: the same metadata, with each array's devices stored column-wise inside the array:
 * `{ index, devices, dnn?, info?, row: [...], column: [...], polarity: [...], levelIndex: [...],
 * targetSiemens: [...], programmedSiemens: [...] }`.
 *
 * Numbers are written with JavaScript's shortest round-trip formatting, so conductances read back
 * bit-identical.
 */
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { fail } from '../core/errors.ts';
import {
  POLARITIES,
  RECORD_FIELDS,
  WeightMapBuilder,
  parseWeightMapMeta,
  specsFromMeta,
  weightMapMeta,
  type WeightMap,
} from './weight-map.ts';

/** Weight-map file formats. */
export type WeightMapFormat = 'csv' | 'json';

/** Rows per chunk handed to the CSV stringifier / numbers per chunk of a JSON column. */
const CHUNK = 8192;

/**
 * Fails on a conductance that is not a finite number ≥ 0 (it could not be read back), or on
 * device columns of unequal length: checked before a write so that no file is started.
 */
export function checkWeightMapWritable(map: WeightMap): void {
  for (const c of map.circuits) {
    for (const a of c.arrays) {
      const n = a.row.length;
      for (const k of ['column', 'polarity', 'levelIndex', 'targetSiemens', 'programmedSiemens'] as const) {
        if (a[k].length !== n)
          fail(`weight map circuit '${c.name}' array ${a.index}: column ${k} has ${a[k].length} entries, expected ${n}`);
      }
      for (let i = 0; i < n; i++) {
        const t = a.targetSiemens[i];
        const g = a.programmedSiemens[i];
        if (!(Number.isFinite(t) && t >= 0 && Number.isFinite(g) && g >= 0)) {
          fail(
            `weight map circuit '${c.name}' array ${a.index} device ${i}: conductances must be finite and ≥ 0, got target ${t}, programmed ${g}`,
          );
        }
        if (a.polarity[i] >= POLARITIES.length)
          fail(`weight map circuit '${c.name}' array ${a.index} device ${i}: polarity code ${a.polarity[i]} is unknown`);
      }
    }
  }
}

/** The CSV text of a weight map, in chunks (header comments, column header, then rows per array). */
export function* weightMapCsvChunks(map: WeightMap): Generator<string> {
  yield `# neural-pim weight map (${map.format} v${map.version}): one row per RRAM device; row/column are physical positions in the array\n`;
  yield `# meta ${JSON.stringify(weightMapMeta(map))}\n`;
  yield stringify([], { header: true, columns: [...RECORD_FIELDS] });
  for (const c of map.circuits) {
    // Quote names starting with '#', or a reader would take the line for a comment.
    const options = c.name.startsWith('#') ? { quoted_match: /^#/ } : {};
    for (const a of c.arrays) {
      for (let start = 0; start < a.row.length; start += CHUNK) {
        const end = Math.min(a.row.length, start + CHUNK);
        const rows: Array<Array<string | number>> = new Array(end - start);
        for (let i = start; i < end; i++) {
          rows[i - start] = [
            c.name,
            a.index,
            a.row[i],
            a.column[i],
            POLARITIES[a.polarity[i]],
            a.levelIndex[i],
            a.targetSiemens[i],
            a.programmedSiemens[i],
          ];
        }
        yield stringify(rows, options);
      }
    }
  }
}

/** A JSON array of numbers, in chunks. */
function* jsonNumbers(a: ArrayLike<number>): Generator<string> {
  yield '[';
  for (let start = 0; start < a.length; start += CHUNK) {
    const end = Math.min(a.length, start + CHUNK);
    const parts = new Array<string>(end - start);
    for (let i = start; i < end; i++) parts[i - start] = String(a[i]);
    yield (start > 0 ? ',' : '') + parts.join(',');
  }
  yield ']';
}

/** The JSON text of a weight map, in chunks (metadata, then each array's device columns). */
export function* weightMapJsonChunks(map: WeightMap): Generator<string> {
  const meta = weightMapMeta(map);
  yield `{\n  "format": ${JSON.stringify(meta.format)},\n  "version": ${meta.version},\n  "seed": ${JSON.stringify(meta.seed)},\n  "circuits": [`;
  for (let ci = 0; ci < map.circuits.length; ci++) {
    const { arrays: arraysMeta, ...head } = meta.circuits[ci];
    const headJson = Object.entries(head)
      .map(([k, v]) => `\n      ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(',');
    yield `${ci > 0 ? ',' : ''}\n    {${headJson},\n      "arrays": [`;
    const arrays = map.circuits[ci].arrays;
    for (let ai = 0; ai < arrays.length; ai++) {
      const a = arrays[ai];
      const { index, devices, dnn, info } = arraysMeta[ai];
      yield `${ai > 0 ? ',' : ''}\n        {"index": ${index}, "devices": ${devices}`;
      if (dnn) yield `, "dnn": ${JSON.stringify(dnn)}`;
      if (info) yield `, "info": ${JSON.stringify(info)}`;
      yield ',\n         "row": ';
      yield* jsonNumbers(a.row);
      yield ',\n         "column": ';
      yield* jsonNumbers(a.column);
      yield ',\n         "polarity": [';
      for (let start = 0; start < a.polarity.length; start += CHUNK) {
        const end = Math.min(a.polarity.length, start + CHUNK);
        const parts = new Array<string>(end - start);
        for (let i = start; i < end; i++) parts[i - start] = `"${POLARITIES[a.polarity[i]]}"`;
        yield (start > 0 ? ',' : '') + parts.join(',');
      }
      yield '],\n         "levelIndex": ';
      yield* jsonNumbers(a.levelIndex);
      yield ',\n         "targetSiemens": ';
      yield* jsonNumbers(a.targetSiemens);
      yield ',\n         "programmedSiemens": ';
      yield* jsonNumbers(a.programmedSiemens);
      yield '}';
    }
    yield '\n      ]\n    }';
  }
  yield '\n  ]\n}\n';
}

/** The format of a weight-map path from its extension (.csv or .json). */
export function weightMapFormatOf(filePath: string): WeightMapFormat {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  fail(`unknown weight-map format '${ext || filePath}': use a .csv or .json file name`);
}

/**
 * The weight map held by a parsed weight-map JSON value (see the module comment); `source` names
 * it in error messages. Malformed content is a {@link UserError}.
 */
export function weightMapFromJson(value: unknown, source: string): WeightMap {
  const meta = parseWeightMapMeta(value, source);
  const { specs, expectedDevices } = specsFromMeta(meta);
  const builder = new WeightMapBuilder(specs, expectedDevices);
  const raw = value as { circuits: Array<{ arrays: Array<Record<string, unknown>> }> };
  meta.circuits.forEach((c, ci) => {
    c.arrays.forEach((a, ai) => {
      const src = raw.circuits[ci].arrays[ai];
      const where = `${source}: circuit '${c.name}' array ${a.index}`;
      const cols = Object.fromEntries(
        RECORD_FIELDS.filter((f) => f !== 'circuit' && f !== 'array').map((f) => {
          const v = src[f];
          if (!Array.isArray(v)) fail(`${where}: missing device column '${f}' (an array of ${a.devices} values)`);
          if (v.length !== a.devices) fail(`${where}: device column '${f}' has ${v.length} values, 'devices' says ${a.devices}`);
          return [f, v as unknown[]];
        }),
      ) as Record<'row' | 'column' | 'polarity' | 'levelIndex' | 'targetSiemens' | 'programmedSiemens', unknown[]>;
      // Values that are not numbers become NaN so that the builder names them.
      const n = (v: unknown): number => (typeof v === 'number' ? v : NaN);
      let i = 0;
      const at = (): string => `${where} device ${i}`;
      for (; i < a.devices; i++) {
        const p = cols.polarity[i];
        builder.add(
          {
            circuit: c.name,
            array: a.index,
            row: n(cols.row[i]),
            column: n(cols.column[i]),
            polarity: typeof p === 'string' ? p : String(p),
            levelIndex: n(cols.levelIndex[i]),
            targetSiemens: n(cols.targetSiemens[i]),
            programmedSiemens: n(cols.programmedSiemens[i]),
          },
          at,
        );
      }
    });
  });
  return builder.finish(meta.seed);
}
