/**
 * Energy of single events, as small pure functions: what one DAC conversion, one A/D conversion,
 * one NNS+A operation, one buffer write, one register or eDRAM bit, one crossbar read and a span of
 * static power cost. The analytic cost model multiplies them by counted operations; a simulator
 * that counts the events of a run converts its counts with the same functions.
 */
import { namedUnit, rateUnit, resolutionUnit, type ComponentLibrary } from './components.ts';

/** Energy of static power drawn over a time span, J: P_static · t. */
export function staticEnergyJoules(staticPowerWatts: number, seconds: number): number {
  return staticPowerWatts * seconds;
}

/** Energy of one conversion of a `dacBits`-bit DAC onto one row, J (the library's DAC family). */
export function dacConversionEnergyJoules(lib: ComponentLibrary, dacBits: number): number {
  return resolutionUnit(lib.dac, dacBits, 1, 'DAC').energyPerOperationJoules;
}

/** Energy of one conversion of a `bits`-bit SAR ADC, J (the library's SAR family; independent of the rate). */
export function sarConversionEnergyJoules(lib: ComponentLibrary, bits: number): number {
  return resolutionUnit(lib.adcSar, bits, 1, 'SAR ADC').energyPerOperationJoules;
}

/** Energy of one NNADC conversion at `sampleRateHz`, J (the library's NNADC family). */
export function nnadcConversionEnergyJoules(lib: ComponentLibrary, sampleRateHz: number): number {
  return rateUnit(lib.nnadc, sampleRateHz, 'NNADC').energyPerOperationJoules;
}

/** Energy of one NNS+A operation (one input cycle of one weight group) at `operationsPerSecond`, J. */
export function nnsaOperationEnergyJoules(lib: ComponentLibrary, operationsPerSecond: number): number {
  return rateUnit(lib.nnsa, operationsPerSecond, 'NNS+A').energyPerOperationJoules;
}

/** Energy of one write (with its reset) of one CASCADE buffer cell, J. */
export function bufferWriteEnergyJoules(lib: ComponentLibrary): number {
  return namedUnit(lib, 'bufferArray').energyPerOperationJoules;
}

/** Energy of one TIA sample of one bit-line pair (CASCADE), J. */
export function tiaSampleEnergyJoules(lib: ComponentLibrary): number {
  return namedUnit(lib, 'tia').energyPerOperationJoules;
}

/** Energy of one bit read or written in a small SRAM register (PE input/output, tile output), J. */
export function registerBitEnergyJoules(lib: ComponentLibrary): number {
  return namedUnit(lib, 'inputRegister').energyPerOperationJoules;
}

/** Energy of one bit read or written in the tile's eDRAM, J. */
export function edramBitEnergyJoules(lib: ComponentLibrary): number {
  return namedUnit(lib, 'edram').energyPerOperationJoules;
}

/** The read conditions of a crossbar: row voltage at full DAC level and read pulse length. */
export interface CrossbarRead {
  /** Row voltage at the DAC's full-scale level, V. */
  readVolts: number;
  /** Time the rows are driven per input cycle (until the column is sampled), s. */
  readSeconds: number;
}

/**
 * Energy of crossbar reads from the programmed conductances, J: Σ over driven rows and input
 * cycles of V_r²·G_r·t_read = V_read²·t_read·Σ x_r²·G_r, with x_r ∈ [0, 1] the row's DAC level and
 * G_r the sum of the programmed conductances on that row (columns held at virtual ground; an
 * upper bound for voltage-mode sensing). `drivenConductanceSiemens` is that Σ x_r²·G_r over every
 * driven row of every input cycle (see {@link drivenConductanceSiemens}).
 */
export function crossbarReadEnergyJoules(read: CrossbarRead, drivenConductanceSiemens: number): number {
  return read.readVolts * read.readVolts * read.readSeconds * drivenConductanceSiemens;
}

/**
 * Σ x_r²·G_r of one input cycle: `rowConductanceSiemens[r]` the sum of row r's programmed
 * conductances, `rowLevels[r]` its DAC level x_r ∈ [0, 1] (0 = not driven).
 */
export function drivenConductanceSiemens(rowConductanceSiemens: ArrayLike<number>, rowLevels: ArrayLike<number>): number {
  let sum = 0;
  for (let r = 0; r < rowConductanceSiemens.length; r++) sum += rowLevels[r] * rowLevels[r] * rowConductanceSiemens[r];
  return sum;
}

/** A crossbar cell population: G_min, G_max and the level bits of its cells. */
export interface CellConductances {
  gMaxSiemens: number;
  onOffRatio: number;
}

/**
 * Expected read energy of one programmed cell in one input cycle, J, for the analytic path:
 * V_read²·t_read·E[x²]·E[G]. E[x²] of a P_D-bit DAC level whose bits are independently 1 with
 * probability ρ (the input-bit density): (Var + Mean²)/(2^P_D − 1)² with Mean = ρ(2^P_D − 1) and
 * Var = ρ(1 − ρ)(4^P_D − 1)/3 (ρ for 1-bit slices). E[G] = G_min + f·(G_max − G_min) with f the
 * fraction of cells in the high state (for multi-level cells: the mean normalized level).
 */
export function expectedCellReadEnergyJoules(
  read: CrossbarRead,
  cells: CellConductances,
  inputBitDensity: number,
  dacBits: number,
  cellOnFraction: number,
): number {
  const full = 2 ** dacBits - 1;
  const mean = inputBitDensity * full;
  const variance = (inputBitDensity * (1 - inputBitDensity) * (4 ** dacBits - 1)) / 3;
  const meanSquare = (variance + mean * mean) / (full * full);
  const gMin = cells.gMaxSiemens / cells.onOffRatio;
  return crossbarReadEnergyJoules(read, meanSquare * (gMin + cellOnFraction * (cells.gMaxSiemens - gMin)));
}
