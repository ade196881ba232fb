/**
 * Weight-map files (the I/O edge of the mapping): CSV and JSON writers and readers.
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
 * bit-identical. Writes stream to a temporary file in the target directory and rename it into
 * place: a failed write leaves no partial file and does not touch an existing one.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { UserError, fail } from '../core/errors.ts';
import { readText } from '../io/files.ts';
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
 * Streams `chunks` into `filePath` atomically: parent directories are created, the data goes to a
 * temporary file beside the target, which is renamed over the target only when complete. On any
 * failure the temporary file is removed, the target is left as it was, and a {@link UserError}
 * names the file (errors raised by the chunk producer are passed through).
 */
export async function writeChunksAtomic(filePath: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const target = path.resolve(filePath);
  const dir = path.dirname(target);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    fail(`cannot write ${filePath}: cannot create directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`);
  try {
    await pipeline(Readable.from(chunks), createWriteStream(tmp, { flags: 'wx' }));
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof UserError) throw e;
    fail(`cannot write ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Fails on a conductance that is not a finite number ≥ 0 (it could not be read back). */
function checkWritable(map: WeightMap): void {
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

function* csvChunks(map: WeightMap): Generator<string> {
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

/** Writes a weight map as CSV (one row per device, metadata in `#` comment lines), atomically. */
export async function writeWeightMapCsv(filePath: string, map: WeightMap): Promise<void> {
  checkWritable(map);
  await writeChunksAtomic(filePath, csvChunks(map));
}

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

function* jsonChunks(map: WeightMap): Generator<string> {
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

/** Writes a weight map as JSON (metadata plus per-array device columns), atomically. */
export async function writeWeightMapJson(filePath: string, map: WeightMap): Promise<void> {
  checkWritable(map);
  await writeChunksAtomic(filePath, jsonChunks(map));
}

/** The format of a weight-map path from its extension (.csv or .json). */
export function weightMapFormatOf(filePath: string): WeightMapFormat {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  fail(`unknown weight-map format '${ext || filePath}': use a .csv or .json file name`);
}

/** Writes a weight map in the format given, or chosen by the file extension. */
export async function writeWeightMap(
  filePath: string,
  map: WeightMap,
  format: WeightMapFormat = weightMapFormatOf(filePath),
): Promise<void> {
  if (format === 'csv') await writeWeightMapCsv(filePath, map);
  else if (format === 'json') await writeWeightMapJson(filePath, map);
  else fail(`unknown weight-map format '${String(format)}' (expected csv or json)`);
}

/** Parses a CSV number field; an empty field is not a number. */
function num(s: string): number {
  return s.trim() === '' ? NaN : Number(s);
}

/** Reads the `# meta` comment line at the head of a weight-map CSV. */
async function readCsvMeta(filePath: string): Promise<unknown> {
  try {
    const st = await fs.stat(filePath);
    if (st.isDirectory()) fail(`weight map is a directory, expected a file: ${filePath}`);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? `weight map not found: ${filePath}` : `cannot read weight map ${filePath}: ${code ?? (e as Error).message}`);
  }
  const stream = createReadStream(filePath, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let meta: string | null = null;
  try {
    for await (const line of lines) {
      if (!line.startsWith('#')) break;
      const m = /^#\s*meta\s+(.*)$/.exec(line);
      if (m) {
        meta = m[1];
        break;
      }
    }
  } catch (e) {
    fail(`cannot read weight map ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    lines.close();
    stream.destroy();
  }
  if (meta === null) fail(`${filePath}: no '# meta {...}' comment line before the header; not a neural-pim weight-map CSV`);
  try {
    return JSON.parse(meta);
  } catch (e) {
    fail(`${filePath}: the '# meta' line is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads a weight-map CSV written by {@link writeWeightMapCsv} (or by hand in the same format).
 * Every row is validated; a malformed row is a {@link UserError} naming its line.
 */
export async function readWeightMapCsv(filePath: string): Promise<WeightMap> {
  const meta = parseWeightMapMeta(await readCsvMeta(filePath), filePath);
  const { specs, expectedDevices } = specsFromMeta(meta);
  const builder = new WeightMapBuilder(specs, expectedDevices);
  // Parsed without per-record line info (it halves the parser's speed); when a record is bad, the
  // file is parsed again up to that record to name its line exactly.
  const parser = createReadStream(filePath).pipe(
    parse({ comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_column_count: true }),
  );
  const marker = (k: number): string => `[csv record ${k}]`;
  let index: number[] | null = null;
  let width = 0;
  let k = 0;
  // One closure for all records (it reads the current k when an error message is built).
  const at = (): string => marker(k);
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!index) {
        const header = record.map((h) => h.trim());
        const missing = RECORD_FIELDS.filter((f) => !header.includes(f));
        if (missing.length)
          fail(`${at()}: header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (has ${header.join(', ')})`);
        index = RECORD_FIELDS.map((f) => header.indexOf(f));
        width = header.length;
        k++;
        continue;
      }
      if (record.length !== width) fail(`${at()}: ${record.length} fields, the header has ${width}`);
      const f = index;
      builder.add(
        {
          circuit: record[f[0]],
          array: num(record[f[1]]),
          row: num(record[f[2]]),
          column: num(record[f[3]]),
          polarity: record[f[4]].trim(),
          levelIndex: num(record[f[5]]),
          targetSiemens: num(record[f[6]]),
          programmedSiemens: num(record[f[7]]),
        },
        at,
      );
      k++;
    }
  } catch (e) {
    if (e instanceof UserError) {
      const m = /^\[csv record (\d+)\]/.exec(e.message);
      if (!m) throw e;
      const line = await lineOfRecord(filePath, Number(m[1]));
      fail(e.message.replace(m[0], `${filePath} line ${line}`));
    }
    fail(`${filePath} is not valid CSV: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    parser.destroy();
  }
  if (!index) fail(`${filePath}: no header line (expected ${RECORD_FIELDS.join(',')})`);
  return builder.finish(meta.seed);
}

/** Line number (1-based) on which CSV record `k` (0 = the header) ends. */
async function lineOfRecord(filePath: string, k: number): Promise<number | string> {
  const parser = createReadStream(filePath).pipe(
    parse({ comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  let i = 0;
  try {
    for await (const { info } of parser as AsyncIterable<{ info: { lines: number } }>) {
      if (i++ === k) return info.lines;
    }
  } finally {
    parser.destroy();
  }
  return `? (record ${k})`;
}

/** Reads a weight-map JSON written by {@link writeWeightMapJson}; malformed content is a {@link UserError}. */
export async function readWeightMapJson(filePath: string): Promise<WeightMap> {
  const text = await readText(filePath, 'weight map');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(`${filePath} is not valid JSON: ${(e as Error).message}`);
  }
  const meta = parseWeightMapMeta(value, filePath);
  const { specs, expectedDevices } = specsFromMeta(meta);
  const builder = new WeightMapBuilder(specs, expectedDevices);
  const raw = value as { circuits: Array<{ arrays: Array<Record<string, unknown>> }> };
  meta.circuits.forEach((c, ci) => {
    c.arrays.forEach((a, ai) => {
      const src = raw.circuits[ci].arrays[ai];
      const where = `${filePath}: circuit '${c.name}' array ${a.index}`;
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

/** Reads a weight map, choosing the reader by the file extension (.csv or .json). */
export async function readWeightMap(filePath: string): Promise<WeightMap> {
  return weightMapFormatOf(filePath) === 'csv' ? readWeightMapCsv(filePath) : readWeightMapJson(filePath);
}
