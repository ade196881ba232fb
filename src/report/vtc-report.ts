/** Text of inverter characterization results (no I/O). */
import type { InverterCorner } from '../circuits/inverter-corners.ts';
import type { InverterMismatch } from '../circuits/inverter-mismatch.ts';

/** One line per corner: switching threshold V_M and peak gain. */
export function inverterCornersText(summary: Array<InverterCorner & { switchingVolts: number; peakGain: number }>): string {
  return [
    'corner     V_M (V)  peak gain',
    ...summary.map((s) => `${s.name.padEnd(10)} ${s.switchingVolts.toFixed(3)}    ${s.peakGain.toFixed(1)}`),
  ].join('\n');
}

/** Summary of a local-mismatch Monte Carlo: device σ from Pelgrom's law and the VTC shifts. */
export function inverterMismatchText(m: InverterMismatch): string {
  const mV = (v: number): string => (v * 1000).toFixed(2);
  const { nmos, pmos } = m.sizes;
  return [
    `local mismatch at ${m.corner}, ${m.samples} inverters (seed ${m.seed}; A_VT ${m.pelgrom.aVtNmosMillivoltMicron} / ${m.pelgrom.aVtPmosMillivoltMicron} mV·µm, A_β ${m.pelgrom.aBetaPercentMicron} %·µm)`,
    `NMOS ${nmos.widthMicron}/${nmos.lengthMicron} µm: σ(ΔV_th) ${mV(m.deviceSigmas.vthNmosVolts)} mV, σ(Δβ/β) ${(m.deviceSigmas.betaNmos * 100).toFixed(2)} %`,
    `PMOS ${pmos.widthMicron}/${pmos.lengthMicron} µm: σ(ΔV_th) ${mV(m.deviceSigmas.vthPmosVolts)} mV, σ(Δβ/β) ${(m.deviceSigmas.betaPmos * 100).toFixed(2)} %`,
    `nominal V_M ${m.nominal.switchingVolts.toFixed(4)} V, peak gain ${m.nominal.peakGain.toFixed(2)}`,
    `ΔV_M mean ${mV(m.switchingShift.meanVolts)} mV, σ ${mV(m.switchingShift.sigmaVolts)} mV; gain ratio mean ${m.gainRatio.mean.toFixed(4)}, σ ${m.gainRatio.sigma.toFixed(4)}; correlation ${m.correlation.toFixed(3)}`,
  ].join('\n');
}
