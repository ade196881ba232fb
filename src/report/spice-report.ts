/** Text report of a SPICE co-simulation (`npim spice verify`). */
import type { SpiceVerifyReport } from '../spice/verify.ts';

/** A small quantity in µV with three significant digits (0 stays 0). */
function micro(x: number): string {
  return x === 0 ? '0' : String(Number(x.toPrecision(3)));
}

/** Text report of a co-simulation. */
export function spiceVerifyText(r: SpiceVerifyReport): string {
  const dev =
    r.devices.sigma === 0 ? 'nominal devices' : `devices programmed with ${r.devices.kind} σ = ${r.devices.sigma}, seed ${r.devices.seed}`;
  const lines = [
    `${r.model}: ${r.description}`,
    `SPICE co-simulation, corner ${r.corner}, ${dev}; ${r.run.resistors} resistors, ${r.run.inverters} inverters (${r.run.ngspice})`,
  ];
  if (r.kind === 'nnadc') {
    const a = r.agreement;
    lines.push(
      `sweep: ${r.sweep.points} points, ${r.sweep.startVolts.toFixed(4)} .. ${r.sweep.endVolts.toFixed(4)} V differential`,
      `code agreement: ${a.equal}/${a.points} = ${(100 * a.fraction).toFixed(2)} % (max |Δcode| ${a.maxAbsCodeDifference})`,
      `ENOB: SPICE ${r.enob.spiceBits.toFixed(3)} bit, model ${r.enob.modelBits.toFixed(3)} bit (same sweep points: ${r.enob.modelSameSamplesBits.toFixed(3)}), Δ at the same points ${r.enob.differenceBits >= 0 ? '+' : ''}${r.enob.differenceBits.toFixed(3)} bit`,
      `SPICE DNL ${r.spice.dnlMinLsb.toFixed(2)}..${r.spice.dnlMaxLsb.toFixed(2)} LSB, INL ${r.spice.inlMinLsb.toFixed(2)}..${r.spice.inlMaxLsb.toFixed(2)} LSB, missing codes ${r.spice.missingCodes}` +
        ` (model: DNL ${r.modelMetrics.dnlMinLsb.toFixed(2)}..${r.modelMetrics.dnlMaxLsb.toFixed(2)}, INL ${r.modelMetrics.inlMinLsb.toFixed(2)}..${r.modelMetrics.inlMaxLsb.toFixed(2)}, missing ${r.modelMetrics.missingCodes})`,
      `V_M: SPICE replica ${r.switchingVoltage.spiceVolts.toFixed(6)} V, VTC table ${r.switchingVoltage.tableVolts.toFixed(6)} V (Δ ${micro(r.switchingVoltage.differenceMicrovolts)} µV)`,
      `comparator decisions differing: ${r.decisions.differing}/${r.decisions.compared}${r.decisions.differing ? ` (all within ${micro(r.decisions.maxMarginMicrovolts)} µV of V_M in the model)` : ''}; column voltages SPICE vs float64: max |Δ| ${micro(r.columns.maxAbsDifferenceMicrovolts)} µV`,
    );
  } else {
    const o = r.output;
    lines.push(
      `${r.points} operating points: max |ΔV(P - N)| ${(o.maxAbsErrorVolts * 1e3).toFixed(4)} mV (tolerance ${(o.toleranceVolts * 1e3).toFixed(1)} mV), RMS ${(o.rmsErrorVolts * 1e3).toFixed(4)} mV; max |ΔP|, |ΔN| ${(o.maxAbsLineErrorVolts * 1e3).toFixed(4)} mV`,
      `hidden columns SPICE vs float64: max |Δ| ${micro(r.columns.maxAbsDifferenceMicrovolts)} µV (no loading: gates draw no DC current)`,
      `transistor-level inverter vs tabulated VTC at the same input: max |Δ| ${r.vtc.maxAbsDifferenceMicrovolts.toFixed(2)} µV, RMS ${r.vtc.rmsDifferenceMicrovolts.toFixed(2)} µV (linear interpolation on the ${r.vtc.gridStepMillivolts} mV grid: bound ${r.vtc.interpolationBoundMicrovolts.toFixed(2)} µV)`,
    );
    if (r.replica)
      lines.push(
        `replica reference v(vrep): SPICE ${r.replica.spiceVolts.toFixed(6)} V, table ${r.replica.tableVolts.toFixed(6)} V (Δ ${micro(r.replica.differenceMicrovolts)} µV)`,
      );
  }
  lines.push(
    `ngspice ${r.run.ngspiceSeconds.toFixed(2)} s, total ${r.run.totalSeconds.toFixed(2)} s`,
    r.pass ? 'PASS' : `FAIL: ${r.failures.join('; ')}`,
  );
  return lines.join('\n');
}
