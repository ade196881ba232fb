/**
 * Measured converter data as CSV: one row per conversion, columns `input,code` (header required,
 * other columns ignored, row order free). The input is the analog input in volts, the code the
 * converter's integer output. A ramp recorded this way is the input of the histogram test
 * ({@link measureConverter} with `kind: 'samples'`).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fail, quoted } from '../core/errors.ts';
import { MAX_ADC_BITS } from '../analysis/adc-metrics.ts';
import { readText, writeFileAtomic } from '../io/files.ts';

/** (input, code) pairs in file order. */
export interface AdcSamples {
  /** Analog inputs, volts. */
  inputVolts: Float64Array;
  /** Output codes. */
  codes: Int32Array;
}

/**
 * Fewest samples per code (on average over the 2^N codes) a CSV must hold: below that the
 * histogram cannot resolve code widths to better than a few tenths of an LSB.
 */
export const MIN_CSV_SAMPLES_PER_CODE = 4;

/**
 * Parses ADC CSV text for an N-bit converter. Fails with one line naming the file and line for
 * malformed CSV, missing `input`/`code` columns, a non-numeric input, a code that is not an integer
 * in 0..2^N − 1, or fewer than {@link MIN_CSV_SAMPLES_PER_CODE}·2^N rows.
 */
export function parseAdcCsv(text: string, bits: number, source = 'ADC CSV'): AdcSamples {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_ADC_BITS)
    fail(`${source}: bits must be an integer in 1..${MAX_ADC_BITS}, got ${bits}`);
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true }) as typeof rows;
  } catch (e) {
    fail(`${source} is not valid CSV: ${(e as Error).message.split('\n')[0]}`);
  }
  if (rows.length === 0) fail(`${source} has no data rows (expected a header 'input,code' and one row per conversion)`);
  const header = Object.keys(rows[0].record);
  for (const col of ['input', 'code']) {
    if (!header.includes(col)) fail(`${source} has no '${col}' column (columns: ${header.join(', ')}); expected a header 'input,code'`);
  }
  const top = 2 ** bits - 1;
  const inputVolts = new Float64Array(rows.length);
  const codes = new Int32Array(rows.length);
  rows.forEach(({ record, info }, i) => {
    const where = `${source} line ${info.lines}`;
    const v = Number(record.input);
    if (record.input === '' || !Number.isFinite(v)) fail(`${where}: input must be a number (volts), got ${quoted(record.input)}`);
    const c = Number(record.code);
    if (record.code === '' || !Number.isInteger(c)) fail(`${where}: code must be an integer, got ${quoted(record.code)}`);
    if (c < 0 || c > top) fail(`${where}: code ${c} is outside 0..${top} of a ${bits}-bit converter (check --bits)`);
    inputVolts[i] = v;
    codes[i] = c;
  });
  const needed = MIN_CSV_SAMPLES_PER_CODE * (top + 1);
  if (rows.length < needed) {
    fail(
      `${source} has ${rows.length} rows; a ${bits}-bit histogram test needs at least ${needed} (${MIN_CSV_SAMPLES_PER_CODE} per code, ideally 64 or more)`,
    );
  }
  return { inputVolts, codes };
}

/** Reads an ADC CSV file (see {@link parseAdcCsv}); a missing file is a one-line error. */
export async function loadAdcCsv(csvPath: string, bits: number): Promise<AdcSamples> {
  return parseAdcCsv(await readText(csvPath, 'ADC CSV'), bits, csvPath);
}

/** Formats (input, code) pairs as ADC CSV text. Inputs keep full precision so a read-back is exact. */
export function formatAdcCsv(samples: AdcSamples): string {
  if (samples.inputVolts.length !== samples.codes.length)
    fail(`ADC samples: ${samples.inputVolts.length} inputs but ${samples.codes.length} codes`);
  const rows = Array.from(samples.inputVolts, (v, i) => [String(v), String(samples.codes[i])]);
  return stringify(rows, { header: true, columns: ['input', 'code'] });
}

/** Writes (input, code) pairs as ADC CSV, atomically. */
export async function writeAdcCsv(csvPath: string, samples: AdcSamples): Promise<void> {
  await writeFileAtomic(csvPath, formatAdcCsv(samples));
}
