/**
 * Weight-map files: writing a weight map as CSV or JSON (formats: ../weight-map/serialize.ts) and
 * reading it back. Writes stream to a temporary file in the target directory and rename it into
 * place: a failed write leaves no partial file and does not touch an existing one.
 */
import { createReadStream, createWriteStream, mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { UserError, fail } from '../core/errors.ts';
import { readText } from './files.ts';
import { registerTemporary, stagedPath } from './result-dir.ts';
import {
  checkWeightMapWritable,
  weightMapCsvChunks,
  weightMapFormatOf,
  weightMapFromJson,
  weightMapJsonChunks,
  type WeightMapFormat,
} from '../weight-map/serialize.ts';
import { RECORD_FIELDS, WeightMapBuilder, parseWeightMapMeta, specsFromMeta, type WeightMap } from '../weight-map/weight-map.ts';

/**
 * Streams `chunks` into `filePath` atomically: parent directories are created, the data goes to a
 * temporary file beside the target, which is renamed over the target only when complete. On any
 * failure the temporary file is removed, the target is left as it was, and a {@link UserError}
 * names the file (errors raised by the chunk producer are passed through).
 */
export async function writeChunksAtomic(filePath: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const target = path.resolve(stagedPath(filePath));
  const dir = path.dirname(target);
  try {
    // Synchronous: an asynchronous mkdir could recreate a staging folder a SIGINT handler removed.
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    fail(`cannot write ${filePath}: cannot create directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`);
  const unregister = registerTemporary(tmp);
  try {
    await pipeline(Readable.from(chunks), createWriteStream(tmp, { flags: 'wx' }));
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof UserError) throw e;
    fail(`cannot write ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    unregister();
  }
}

/** Writes a weight map as CSV (one row per device, metadata in `#` comment lines), atomically. */
export async function writeWeightMapCsv(filePath: string, map: WeightMap): Promise<void> {
  checkWeightMapWritable(map);
  await writeChunksAtomic(filePath, weightMapCsvChunks(map));
}

/** Writes a weight map as JSON (metadata plus per-array device columns), atomically. */
export async function writeWeightMapJson(filePath: string, map: WeightMap): Promise<void> {
  checkWeightMapWritable(map);
  await writeChunksAtomic(filePath, weightMapJsonChunks(map));
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
  return weightMapFromJson(value, filePath);
}

/** Reads a weight map, choosing the reader by the file extension (.csv or .json). */
export async function readWeightMap(filePath: string): Promise<WeightMap> {
  return weightMapFormatOf(filePath) === 'csv' ? readWeightMapCsv(filePath) : readWeightMapJson(filePath);
}
