/** Loading VTC banks from CSV files and the inverter mismatch distribution (the committed ones under `datasets/vtc/` by default). */
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fail } from '../core/errors.ts';
import { makeVtcBank, parseVtcCsv, type VtcBank } from '../circuits/vtc.ts';
import { NOMINAL_CORNER } from '../circuits/inverter-corners.ts';
import { VTC_DIR } from '../core/paths.ts';
import { readJson, readText } from '../io/files.ts';
import { parseConfig } from '../core/config.ts';
import { InverterMismatchSchema, type InverterMismatch } from '../circuits/inverter-mismatch.ts';

/** Path of the committed bank CSV. */
export const DEFAULT_BANK_PATH = path.join(VTC_DIR, 'bank.csv');

/**
 * Reads a VTC bank CSV (`corner,vin,vout` or `vin,vout`). The nominal corner is `tt_27c` when
 * present, otherwise the first curve.
 */
export async function loadVtcBank(csvPath: string = DEFAULT_BANK_PATH): Promise<VtcBank> {
  const text = await readText(csvPath, 'VTC CSV');
  const curves = parseVtcCsv(text, csvPath);
  const nominal = curves.some((c) => c.name === NOMINAL_CORNER) ? NOMINAL_CORNER : curves[0].name;
  return makeVtcBank(curves, nominal);
}

/** Whether the default bank exists (it is committed; absent only in a broken checkout). */
export function defaultBankExists(): boolean {
  return existsSync(DEFAULT_BANK_PATH);
}

/** Path of the committed local-mismatch distribution (`npim characterize inverter --mismatch`). */
export const DEFAULT_MISMATCH_PATH = path.join(VTC_DIR, 'mismatch.json');

/** Reads and validates an inverter local-mismatch file (default: the committed one). */
export async function loadInverterMismatch(jsonPath: string = DEFAULT_MISMATCH_PATH): Promise<InverterMismatch> {
  return parseConfig(InverterMismatchSchema, await readJson(jsonPath, 'inverter mismatch file'), jsonPath);
}

/** {@link loadInverterMismatch}, synchronously (for the library's synchronous evaluations). */
export function loadInverterMismatchSync(jsonPath: string = DEFAULT_MISMATCH_PATH): InverterMismatch {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    fail(`cannot read inverter mismatch file ${jsonPath}: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseConfig(InverterMismatchSchema, value, jsonPath);
}
