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
