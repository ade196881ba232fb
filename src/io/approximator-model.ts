/**
 * Reading and writing the `model.json` of a trained approximator circuit (NNS+A, NNADC) in its
 * model directory; the format itself (schemas, VTC bank encoding) is
 * {@link ../circuits/approximator-model.ts}.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { fail } from '../core/errors.ts';
import { describeZodError } from '../core/config.ts';
import { ensureDirectory, readJson, writeJsonAtomic } from './files.ts';

/** Path of the model file inside a model directory. */
export function modelFile(dir: string): string {
  return path.join(dir, 'model.json');
}

/**
 * Reads `dir/model.json` and validates it against `schema`; a missing directory or file, a model of
 * another kind, or a malformed file is a one-line user error.
 */
export async function readApproximatorModel<S extends z.ZodType>(dir: string, kind: 'nnsa' | 'nnadc', schema: S): Promise<z.output<S>> {
  ensureDirectory(dir, 'model directory');
  const raw = await readJson(modelFile(dir), 'model file');
  const k = (raw as { kind?: unknown })?.kind;
  if (k !== kind) fail(`${dir} holds a model of kind '${String(k ?? 'unknown')}', expected '${kind}'`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) fail(`${modelFile(dir)} is not a valid ${kind} model: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** {@link readApproximatorModel}, synchronously (for the library's synchronous cost and evaluation paths). */
export function readApproximatorModelSync<S extends z.ZodType>(dir: string, kind: 'nnsa' | 'nnadc', schema: S): z.output<S> {
  ensureDirectory(dir, 'model directory');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(modelFile(dir), 'utf8'));
  } catch (e) {
    fail(`cannot read model file ${modelFile(dir)}: ${(e as Error).message.split('\n')[0]}`);
  }
  const k = (raw as { kind?: unknown })?.kind;
  if (k !== kind) fail(`${dir} holds a model of kind '${String(k ?? 'unknown')}', expected '${kind}'`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) fail(`${modelFile(dir)} is not a valid ${kind} model: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** Writes `model.json` atomically. */
export async function writeApproximatorModel(dir: string, model: unknown): Promise<void> {
  await writeJsonAtomic(modelFile(dir), model);
}
