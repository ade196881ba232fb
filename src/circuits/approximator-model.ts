/**
 * On-disk format of trained approximator circuits (NNS+A, NNADC): a model directory holds
 * `model.json` — the network's level indices, the device model, the VTC bank the neurons use
 * (embedded, so a model is self-contained for evaluation and SPICE export), the training
 * configuration — and `metrics.json` written by the trainer and by `npim eval`.
 */
import { z } from 'zod';
import { fail } from '../core/errors.ts';
import { PassiveNetworkSchema } from './network.ts';
import type { VtcBank } from './vtc.ts';

/** Version of the model file format. */
export const MODEL_FORMAT_VERSION = 1;

/** Schema of an embedded VTC bank. */
export const VtcBankSchema = z.object({
  grid: z.object({ startVolts: z.number(), stepVolts: z.number().positive(), points: z.number().int().min(2) }),
  corners: z.array(z.string()).min(1),
  nominalIndex: z.number().int().min(0),
  table: z.array(z.number()),
});

/** Fields every approximator model has. */
export const ApproximatorBaseSchema = z.object({
  kind: z.enum(['nnsa', 'nnadc']),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  network: PassiveNetworkSchema,
  vtcBank: VtcBankSchema,
  /** Seed the model was trained with. */
  seed: z.number().int(),
});

/** Serializes a bank for `model.json` (values rounded to 1 µV). */
export function bankToJson(bank: VtcBank): z.output<typeof VtcBankSchema> {
  return {
    grid: bank.grid,
    corners: bank.corners,
    nominalIndex: bank.nominalIndex,
    table: Array.from(bank.table, (v) => Math.round(v * 1e6) / 1e6),
  };
}

/** Rebuilds a bank from `model.json`. */
export function bankFromJson(j: z.output<typeof VtcBankSchema>): VtcBank {
  if (j.table.length !== j.corners.length * j.grid.points) fail('model.json: VTC bank table size does not match its corners × grid points');
  return { grid: j.grid, corners: j.corners, nominalIndex: j.nominalIndex, table: Float32Array.from(j.table) };
}
