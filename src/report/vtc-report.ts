/** Text of inverter characterization results (no I/O). */
import type { InverterCorner } from '../circuits/inverter-corners.ts';

/** One line per corner: switching threshold V_M and peak gain. */
export function inverterCornersText(summary: Array<InverterCorner & { switchingVolts: number; peakGain: number }>): string {
  return [
    'corner     V_M (V)  peak gain',
    ...summary.map((s) => `${s.name.padEnd(10)} ${s.switchingVolts.toFixed(3)}    ${s.peakGain.toFixed(1)}`),
  ].join('\n');
}
