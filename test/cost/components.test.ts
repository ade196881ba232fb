import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/core/errors.ts';
import {
  POWER_SCALE_130_TO_32,
  AREA_SCALE_130_TO_32,
  CASCADE_BUFFER_PULSES,
  CASCADE_TIA_TO_ADC_ENERGY_RATIO,
  defaultComponentLibrary,
  parseComponentLibrary,
  rateUnit,
  ratedPowerWatts,
  REGISTER_ENERGY_PER_BIT_JOULES,
  resolutionUnit,
} from '../../src/cost/components.ts';

const lib = defaultComponentLibrary();
const PJ = 1e-12;
const UM2 = 1e-12;
const MM2 = 1e-6;

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

function userError(pattern: RegExp) {
  return (e: unknown): boolean => e instanceof UserError && pattern.test((e as Error).message) && !(e as Error).message.includes('\n');
}

test('SAR ADC: the §5 table is returned as published for 4..10 bits', () => {
  const table = [
    [4, 0.79, 361],
    [5, 0.99, 477],
    [6, 1.2, 627],
    [7, 1.42, 845],
    [8, 1.67, 1200],
    [9, 1.97, 1828],
    [10, 2.38, 3002],
  ];
  for (const [bits, pj, um2] of table) {
    const u = resolutionUnit(lib.adcSar, bits, 1.2e9, 'adc');
    close(u.energyPerOperationJoules, pj * PJ, 1e-12, `${bits}-bit energy`);
    close(u.areaSquareMetres, um2 * UM2, 1e-12, `${bits}-bit area`);
    assert.not.ok(u.extrapolated);
  }
});

test('SAR ADC beyond the table follows α·b + β·2^b (fit by hand through the 4- and 8-bit points)', () => {
  // 4α + 16β = 0.79, 8α + 256β = 1.67  ⇒  β = 0.09/224, α = (0.79 − 16β)/4.
  const beta = 0.09 / 224;
  const alpha = (0.79 - 16 * beta) / 4;
  const u = resolutionUnit(lib.adcSar, 12, 1.2e9, 'adc');
  assert.ok(u.extrapolated);
  close(u.energyPerOperationJoules, (alpha * 12 + beta * 4096) * PJ, 0.03, '12-bit energy');
  assert.ok(resolutionUnit(lib.adcSar, 3, 1.2e9, 'adc').energyPerOperationJoules < 0.79 * PJ);
});

test("DAC: ISAAC's 1-bit DAC (4 mW / 1024 at 10 MHz), ×√2 energy and ×2 area per extra bit", () => {
  const one = resolutionUnit(lib.dac, 1, 10e6, 'dac');
  close(one.energyPerOperationJoules, 4e-3 / 1024 / 10e6, 1e-12, '1-bit energy');
  close(one.areaSquareMetres, (0.00017 * MM2) / 1024, 1e-12, '1-bit area');
  const four = resolutionUnit(lib.dac, 4, 10e6, 'dac');
  close(four.energyPerOperationJoules, one.energyPerOperationJoules * 2 ** 1.5, 1e-9, '4-bit energy');
  // docs/reference.md §5: 4-bit DACs of a tile (128 × 64 × 4) take 4.4e-2 mm².
  close(four.areaSquareMetres, (4.4e-2 * MM2) / (128 * 64 * 4), 0.02, '4-bit area vs the reference tile table');
});

test('130→32 nm scaling: area by (32/130)², power by (32/130)·(0.9/1.2)²', () => {
  close(AREA_SCALE_130_TO_32, 0.060592, 1e-4, 'area factor');
  close(POWER_SCALE_130_TO_32, (32 / 130) * 0.5625, 1e-12, 'power factor');
});

test('NNADC at 1.2 GS/s and NNS+A at 80 MHz: areas agree with the reference per-tile table (4 NNADC 4.3e-3 mm², 64 NNS+A 2.4e-2 mm²)', () => {
  const adc = rateUnit(lib.nnadc, 1.2e9, 'nnadc');
  close(4 * adc.areaSquareMetres, 4.3e-3 * MM2, 0.05, 'NNADC area');
  const nnsa = rateUnit(lib.nnsa, 80e6, 'nnsa');
  close(64 * nnsa.areaSquareMetres, 2.4e-2 * MM2, 0.05, 'NNS+A area');
  // At a published design point the 130 nm power is reproduced after scaling: 13.1 mW at 1 GS/s.
  const at1 = rateUnit(lib.nnadc, 1e9, 'nnadc');
  close(at1.energyPerOperationJoules * 1e9, 13.1e-3 * POWER_SCALE_130_TO_32, 1e-9, 'NNADC power at 1 GS/s');
  assert.not.ok(at1.extrapolated);
  assert.ok(adc.extrapolated);
});

test('ISAAC-derived units: 30 pJ per array cycle, per-unit areas are the table totals over the counts', () => {
  close(lib.units.array.energyPerOperationJoules, (2.4e-3 / 8) * 100e-9, 1e-12, 'array energy per cycle');
  close(lib.units.array.areaSquareMetres, (0.0002 * MM2) / 8, 1e-12, 'array area');
  close(lib.units.edram.areaSquareMetres, 0.083 * MM2, 1e-12, 'eDRAM area');
  close(ratedPowerWatts(lib.units.hyperTransport), 10.4, 1e-12, 'HyperTransport rated power');
  // The links are static: their power does not depend on the traffic.
  close(lib.units.hyperTransport.staticPowerWatts, 10.4, 1e-12, 'HyperTransport static power');
  // Every ISAAC-derived block keeps its table power as rated power, split into static and dynamic.
  close(ratedPowerWatts(lib.units.edram), 20.7e-3, 1e-12, 'eDRAM rated power');
  assert.ok(lib.units.edram.staticPowerWatts > 0 && lib.units.router.staticPowerWatts > 0);
});

test('one energy per bit for every small SRAM register, from the input register at its known peak use', () => {
  const e = REGISTER_ENERGY_PER_BIT_JOULES;
  for (const r of ['inputRegister', 'outputRegister', 'tileOutputRegister'] as const) assert.is(lib.units[r].energyPerOperationJoules, e);
  // 2 KB refilled once per 16-cycle product and read one bit per row per array per cycle: 20.48 Gb/s; 80 % of 1.24 mW dynamic.
  close(e, (0.8 * 1.24e-3) / 20.48e9, 1e-9, 'register energy per bit');
  close(ratedPowerWatts(lib.units.outputRegister) * 0.25, 0.23e-3, 1e-9, 'IMA output register (256 B) rated power');
});

test('the default library survives a JSON round trip and validates', () => {
  const again = parseComponentLibrary(JSON.parse(JSON.stringify(lib)));
  assert.equal(again, lib);
});

test('a library missing a field or with a negative energy is a one-line user error naming the field', () => {
  const missing = JSON.parse(JSON.stringify(lib));
  delete missing.units.edram.areaSquareMetres;
  assert.throws(() => parseComponentLibrary(missing), userError(/units\.edram\.areaSquareMetres/));
  const noUnit = JSON.parse(JSON.stringify(lib));
  delete noUnit.units.tia;
  assert.throws(() => parseComponentLibrary(noUnit), userError(/units\.tia/));
  const negative = JSON.parse(JSON.stringify(lib));
  negative.units.array.energyPerOperationJoules = -1e-12;
  assert.throws(() => parseComponentLibrary(negative), userError(/units\.array\.energyPerOperationJoules/));
  const negativePoint = JSON.parse(JSON.stringify(lib));
  negativePoint.adcSar.points[2].energyPerOperationJoules = -1;
  assert.throws(() => parseComponentLibrary(negativePoint), userError(/adcSar\.points\.2\.energyPerOperationJoules/));
  const typo = JSON.parse(JSON.stringify(lib));
  typo.units.array.energyPerOperationJoule = 1;
  assert.throws(() => parseComponentLibrary(typo), userError(/component library/));
});

test('CASCADE estimates: TIA = stated ratio × the 8-bit SAR conversion; buffer write = SET + RESET pulses V²·G·t', () => {
  close(lib.units.tia.energyPerOperationJoules, CASCADE_TIA_TO_ADC_ENERGY_RATIO.value * 1.67 * PJ, 1e-9, 'TIA per sample');
  // 1.0 V SET and 1.2 V RESET, 10 ns each, into a 25 µS cell: 0.25 + 0.36 pJ.
  close(lib.units.bufferArray.energyPerOperationJoules, (1 * 25e-6 + 1.44 * 25e-6) * 10e-9, 1e-9, 'buffer write + reset');
  const [lo, hi] = CASCADE_BUFFER_PULSES.rangeJoules;
  assert.ok(lib.units.bufferArray.energyPerOperationJoules >= lo && lib.units.bufferArray.energyPerOperationJoules <= hi);
});

test.run();
