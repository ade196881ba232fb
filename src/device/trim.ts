/**
 * Choice of the device a write-verify trim re-programs (used by the NNADC comparator trim and the
 * NNS+A hidden-neuron trim). Pure: the caller measures, re-programs and measures again.
 */
import { gMinSiemens, type RramConfig } from './rram.ts';

/** A device a trim may re-program: its present conductance and how far one siemens of it moves the trimmed quantity. */
export interface TrimCandidate {
  siemens: number;
  /** Change of the trimmed quantity per siemens of this device (0: the device cannot move it). */
  slope: number;
}

/** The chosen move: which candidate, its new target conductance, and how far that moves the quantity. */
export interface TrimMove {
  index: number;
  targetSiemens: number;
  reach: number;
}

/**
 * Picks the device to re-program to move a quantity by `delta`: the new target is the present
 * conductance plus the change, kept within G_min..G_max (SET or RESET). Programming variation
 * applies to the new value, so of the devices that can make the whole move the one whose new value
 * spreads the quantity least (σ·g·|slope|) is chosen; if none can, the one that reaches furthest.
 * Null when no candidate has a slope.
 */
export function pickTrimMove(candidates: readonly TrimCandidate[], delta: number, device: RramConfig): TrimMove | null {
  const gMin = gMinSiemens(device);
  const sigma = device.programming.sigma;
  let best: (TrimMove & { spread: number }) | null = null;
  candidates.forEach((c, index) => {
    if (c.slope === 0) return;
    const targetSiemens = Math.min(device.gMaxSiemens, Math.max(gMin, c.siemens + delta / c.slope));
    const reach = Math.abs((targetSiemens - c.siemens) * c.slope);
    const spread = reach >= Math.abs(delta) * (1 - 1e-9) ? sigma * targetSiemens * Math.abs(c.slope) : Infinity;
    if (!best || spread < best.spread || (spread === Infinity && best.spread === Infinity && reach > best.reach))
      best = { index, targetSiemens, reach, spread };
  });
  if (!best) return null;
  const { index, targetSiemens, reach } = best;
  return { index, targetSiemens, reach };
}
