/**
 * Model directories: what a directory holds (an NNS+A / NNADC approximator or a tfjs Layers DNN,
 * judged from its `model.json`) and reading an approximator from it, validated against its schema.
 */
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { readApproximatorModel } from '../io/approximator-model.ts';
import { NnsaModelSchema } from '../circuits/nnsa/config.ts';
import { NnadcModelSchema } from '../circuits/nnadc/config.ts';
import type { Approximator } from '../mapping/approximator-map.ts';

/** What a model directory holds, judged from its `model.json`. */
export type ModelDirectoryKind = 'nnsa' | 'nnadc' | 'dnn';

/**
 * Classifies a model directory: an approximator (`kind: 'nnsa' | 'nnadc'`) or a tfjs Layers DNN
 * (`modelTopology`). A missing directory or `model.json`, or anything else, is a one-line error.
 */
export async function modelDirectoryKind(dir: string): Promise<ModelDirectoryKind> {
  if (!existsSync(dir)) fail(`model directory not found: ${dir}`);
  if (!statSync(dir).isDirectory()) fail(`not a model directory: ${dir} is a file (give the directory that holds model.json)`);
  const file = path.join(dir, 'model.json');
  if (!existsSync(file)) fail(`${dir} holds no model.json: not a model directory (an NNS+A / NNADC model or a tfjs Layers DNN)`);
  const raw = await readJson(file, 'model file');
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as { kind?: unknown; modelTopology?: unknown };
  if (o.kind === 'nnsa' || o.kind === 'nnadc') return o.kind;
  if (o.modelTopology && typeof o.modelTopology === 'object') return 'dnn';
  fail(`${file} is neither an approximator model (kind 'nnsa' / 'nnadc') nor a tfjs Layers model (modelTopology)`);
}

/** Reads the NNS+A or NNADC model in `dir` (validated against its schema). */
export async function readApproximator(dir: string): Promise<Approximator> {
  const kind = await modelDirectoryKind(dir);
  if (kind === 'nnsa') return { kind, model: await readApproximatorModel(dir, 'nnsa', NnsaModelSchema) };
  if (kind === 'nnadc') return { kind, model: await readApproximatorModel(dir, 'nnadc', NnadcModelSchema) };
  fail(`${dir} holds a DNN (tfjs Layers model), not an NNS+A / NNADC approximator`);
}
