/**
 * Tabular datasets from CSV: a header row, numeric feature columns and one integer class-label
 * column (named `label` unless configured). Every cell is validated; the first bad one is reported
 * with its file, line and column, so a typo in row 40 000 is found without opening the file.
 */
import { parse } from 'csv-parse/sync';
import { ensure, fail, quoted } from '../core/errors.ts';
import { readText } from '../io/files.ts';

/** A validated numeric table. */
export interface CsvTable {
  /** Feature column names, in matrix column order. */
  featureNames: string[];
  /** Name of the label column. */
  labelColumn: string;
  /** Number of data rows. */
  rows: number;
  /** Features, `rows × featureNames.length`, row-major. */
  features: Float32Array;
  /** Class labels, non-negative integers. */
  labels: Int32Array;
  /** Largest label + 1. */
  numClasses: number;
}

/** Options of {@link parseCsvTable}. */
export interface CsvTableOptions {
  /** Name of the integer label column (default `label`). */
  labelColumn?: string;
  /** Feature columns to use, in this order (default: every column except the label). */
  featureColumns?: string[];
  /** Names the data in error messages (usually the file path). */
  source?: string;
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Parses and validates CSV text (see the module documentation). */
export function parseCsvTable(text: string, options: CsvTableOptions = {}): CsvTable {
  const source = options.source ?? 'CSV data';
  const labelColumn = options.labelColumn ?? 'label';
  let records: ParsedRecord[];
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as ParsedRecord[];
  } catch (e) {
    fail(`${source} is not valid CSV: ${(e as Error).message.split('\n')[0]}`);
  }
  ensure(records.length > 0, `${source} is empty: expected a header row and data rows`);
  const header = records[0].record;
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    ensure(name !== '', `${source}: header column ${i + 1} has no name`);
    ensure(!seen.has(name), `${source}: column '${name}' appears twice in the header`);
    seen.add(name);
  }
  const labelIndex = header.indexOf(labelColumn);
  ensure(labelIndex >= 0, `${source} has no label column '${labelColumn}' (columns: ${header.join(', ')})`);
  const featureNames = options.featureColumns ?? header.filter((_, i) => i !== labelIndex);
  ensure(featureNames.length > 0, `${source} has no feature columns besides '${labelColumn}'`);
  const featureIndex = featureNames.map((name) => {
    const i = header.indexOf(name);
    ensure(i >= 0, `${source} has no feature column '${name}' (columns: ${header.join(', ')})`);
    ensure(i !== labelIndex, `${source}: '${name}' is the label column and cannot also be a feature`);
    return i;
  });
  const data = records.slice(1);
  ensure(data.length > 0, `${source} has a header but no data rows`);
  const d = featureNames.length;
  const features = new Float32Array(data.length * d);
  const labels = new Int32Array(data.length);
  let maxLabel = 0;
  for (const [r, { record, info }] of data.entries()) {
    const where = `${source} line ${info.lines}`;
    for (const [j, col] of featureIndex.entries()) {
      const cell = record[col];
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) fail(`${where}, column '${featureNames[j]}': ${quoted(cell)} is not a finite number`);
      features[r * d + j] = v;
    }
    const cell = record[labelIndex];
    const label = cell === '' ? NaN : Number(cell);
    if (!Number.isInteger(label) || label < 0 || label > 0x7fffffff) {
      fail(`${where}, label column '${labelColumn}': ${quoted(cell)} is not a non-negative integer`);
    }
    labels[r] = label;
    if (label > maxLabel) maxLabel = label;
  }
  return { featureNames, labelColumn, rows: data.length, features, labels, numClasses: maxLabel + 1 };
}

/** Reads and validates a CSV table file; a missing file is a UserError naming it. */
export async function loadCsvTable(filePath: string, options: Omit<CsvTableOptions, 'source'> = {}): Promise<CsvTable> {
  const text = await readText(filePath, 'CSV file');
  return parseCsvTable(text, { ...options, source: filePath });
}
