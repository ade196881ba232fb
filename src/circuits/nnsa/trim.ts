/**
 * Write-verify trimming of an NNS+A instance's hidden neurons after programming, the circuit's
 * calibration at test (the NNS+A counterpart of the NNADC's `ColumnVerify`).
 *
 * Programming variation moves each hidden column's voltage, and with it the input at which its
 * inverter switches. With the bit lines at zero and the held input at the zero output (the
 * reference input), each hidden column is observed through a test multiplexer and compared with
 * the designed circuit: its distance from its inverter's switching voltage V_M must match the
 * design's. A column further off than the tolerance gets one device of its bias or trim rows
 * re-programmed (SET or RESET to a new conductance, full programming variation on the new value)
 * until it passes or the attempts run out. The output layer is left to the digital offset/gain
 * calibration that follows the converter.
 */
import type { Rng } from '../../core/rng.ts';
import { programConductances, type RramConfig } from '../../device/rram.ts';
import { pickTrimMove } from '../../device/trim.ts';
import { expandSignalRows, instanceBank, type NetworkInstance } from '../network.ts';
import { layerRowLayout, layerRowVoltages, rowsOfKind } from '../row-layout.ts';
import { vtcFigures, type VtcBank } from '../vtc.ts';
import { NNSA_INPUT_PAIRS, outputPair, WEIGHT_BITS } from './signals.ts';

/** Trimming settings. */
export interface NnsaTrim {
  /** Largest accepted error of a hidden column's distance from V_M at the reference input, volts. */
  toleranceVolts: number;
  /** Programming attempts per hidden neuron, the first included. */
  maxAttempts: number;
}

/** What trimming did to one instance. */
export interface NnsaTrimOutcome {
  neurons: number;
  /** Programming operations per neuron, mean (1 = all passed first time). */
  meanAttempts: number;
  outOfTolerance: number;
}

/** Line voltages of the first layer's rows for the reference input (zero bit lines, held zero output). */
function referenceRows(inst: NetworkInstance): { upper: Float64Array; lower: Float64Array } {
  const upper = new Float64Array(NNSA_INPUT_PAIRS);
  const lower = new Float64Array(NNSA_INPUT_PAIRS);
  [upper[WEIGHT_BITS], lower[WEIGHT_BITS]] = outputPair(0);
  const signalRows = inst.inputRows?.length ?? NNSA_INPUT_PAIRS;
  return layerRowVoltages(
    inst,
    true,
    expandSignalRows(inst.inputRows, upper, 1),
    expandSignalRows(inst.inputRows, lower, 1),
    signalRows,
    1,
  );
}

/** Column voltage of hidden neuron j at the reference input, and its total conductance. */
function columnAt(
  inst: NetworkInstance,
  j: number,
  rows: { upper: Float64Array; lower: Float64Array },
): { volts: number; siemens: number } {
  const l = inst.layers[0];
  let num = 0;
  let den = 0;
  for (let k = 0; k < l.pairs; k++) {
    const gu = l.upperSiemens[k * l.columns + j];
    const gl = l.lowerSiemens[k * l.columns + j];
    num += gu * rows.upper[k] + gl * rows.lower[k];
    den += gu + gl;
  }
  return { volts: num / den, siemens: den };
}

/**
 * Trims the hidden neurons of `inst` (programmed with `device`'s variation) against `nominal`
 * (the same network at nominal devices and corner), in place.
 */
export function trimNnsa(
  inst: NetworkInstance,
  nominal: NetworkInstance,
  bank: VtcBank,
  device: RramConfig,
  trim: NnsaTrim,
  rng: Rng,
): NnsaTrimOutcome {
  const rows = referenceRows(inst);
  const nominalRows = referenceRows(nominal);
  const l = inst.layers[0];
  const J = l.columns;
  // Rows a trim may re-program: bias (V_DD, 0) and trim (two taps near V_DD/2) pairs.
  const layout = layerRowLayout(inst, inst.inputRows?.length ?? NNSA_INPUT_PAIRS, true);
  const adjustable = [...rowsOfKind(layout, 'bias'), ...rowsOfKind(layout, 'trim')];
  let attempts = 0;
  let outOfTolerance = 0;
  for (let j = 0; j < J; j++) {
    const vm = vtcFigures(instanceBank(inst, bank), l.corners[j]).switchingVolts;
    const vmNominal = vtcFigures(instanceBank(nominal, bank), nominal.layers[0].corners[j]).switchingVolts;
    const target = columnAt(nominal, j, nominalRows).volts - vmNominal;
    const error = (): number => columnAt(inst, j, rows).volts - vm - target;
    let programmed = 1;
    for (let a = 1; a < trim.maxAttempts && Math.abs(error()) > trim.toleranceVolts; a++) {
      const { volts: v, siemens: G } = columnAt(inst, j, rows);
      // A device at line voltage V moves the column by (V − v)/G per siemens.
      const candidates = adjustable.flatMap((k) =>
        (['upperSiemens', 'lowerSiemens'] as const).map((line) => ({
          line,
          idx: k * J + j,
          slope: ((line === 'upperSiemens' ? rows.upper[k] : rows.lower[k]) - v) / G,
        })),
      );
      const move = pickTrimMove(
        candidates.map((c) => ({ siemens: l[c.line][c.idx], slope: c.slope })),
        -error(),
        device,
      );
      if (!move || move.reach <= 0) break;
      const c = candidates[move.index];
      l[c.line][c.idx] = programConductances([move.targetSiemens], device, rng.fork(`n${j}.a${a}`))[0];
      programmed++;
    }
    attempts += programmed;
    if (Math.abs(error()) > trim.toleranceVolts) outOfTolerance++;
  }
  return { neurons: J, meanAttempts: attempts / Math.max(1, J), outOfTolerance };
}
