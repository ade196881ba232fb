/**
 * Named accelerator descriptions, as data: the three 8-bit designs compared by the project
 * (ISAAC-style, CASCADE-style, Neural-PIM, all with Neural-PIM's organization so that they differ
 * only in their dataflow peripherals) and the original 16-bit ISAAC. The organization choices are
 * documented in `cost/architectures.ts`.
 */
import { fail } from '../core/errors.ts';
import { PRESET_ARRAY, PRESET_DEVICE, parseChipDescription, type ChipDescription } from './description.ts';

const EIGHT_BIT = { inputBits: 8, weightBits: 8, outputBits: 8 };
/** ISAAC's tile peripherals, shared by all designs (docs/reference.md §5 table). */
const ISAAC_TILE = {
  edramBuffers: 1,
  routers: 0.25,
  activationUnits: 2,
  shiftAddUnits: 1,
  maxPoolUnits: 1,
  outputRegisterKilobytes: 3,
  routerHopsPerTransfer: 1,
};
/** Input register of a 64-array PE: 64 arrays × 128 rows × 8-bit inputs = 8 KB (ISAAC: 8 × 128 × 16 bit = 2 KB). */
const PE_INPUT_REGISTER_KB = (64 * 128 * 8) / 8 / 1024;
/** Output register of a 64-array PE: 64 arrays × 8 groups × 24-bit partial sums = 1.5 KB (ISAAC: 128 × 16 bit = 256 B). */
const PE_OUTPUT_REGISTER_KB = (64 * 8 * 24) / 8 / 1024;

/** The presets as written (before validation fills defaults), by preset name. */
const PRESET_DATA: Record<string, unknown> = {
  'isaac-style': {
    schemaVersion: 1,
    name: 'isaac',
    description:
      'ISAAC-style digital accumulation: 1-bit DACs, 9-bit (sign + 8) differential SAR ADCs at 1.28 GS/s converting every column pair every cycle (one per two arrays), digital S+A; same area as neural-pim',
    dataflow: 'isaac',
    precision: EIGHT_BIT,
    array: PRESET_ARRAY,
    dacBits: 1,
    weightLayout: 'differential',
    // A column pair is converted as one signed difference: flip encoding cannot halve its range.
    flipEncoding: false,
    converters: { adcBits: null, simulatedFlipEncoding: false },
    device: PRESET_DEVICE,
    organization: {
      chip: { tiles: { matchAreaOf: 'neural-pim' }, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: 64,
        // 64 column pairs per array every 100 ns: one ADC at ISAAC's 1.28 GS/s per two arrays is fully busy.
        adc: { family: 'sar', count: 32, sampleRateHz: 1.28e9 },
        dacs: 64 * 128,
        sampleHolds: 64 * 128,
        // ISAAC's ratio: one S+A per two ADCs.
        shiftAdds: 16,
        inputRegisterKilobytes: PE_INPUT_REGISTER_KB,
        outputRegisterKilobytes: PE_OUTPUT_REGISTER_KB,
      },
    },
  },
  'cascade-style': {
    schemaVersion: 1,
    name: 'cascade',
    description:
      'CASCADE-style analog buffering: 1-bit DACs, TIAs into 6-bit RRAM buffer arrays, summing amplifiers, 12-bit (sign + 11) SAR ADCs; same area as neural-pim',
    dataflow: 'cascade',
    precision: EIGHT_BIT,
    array: PRESET_ARRAY,
    dacBits: 1,
    weightLayout: 'differential',
    // Signed buffer columns: sign + 8 + log2(8) = 12 bits (flip encoding does not apply to signed pairs).
    flipEncoding: false,
    converters: {
      adcBits: null,
      simulatedFlipEncoding: false,
      cascade: { bufferCellBits: 6, bufferFullScale: 'calibrated', conversionsPerInputCycle: 10 / 16 },
    },
    device: PRESET_DEVICE,
    organization: {
      chip: { tiles: { matchAreaOf: 'neural-pim' }, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: 64,
        adc: { family: 'sar', count: 3, sampleRateHz: 1.2e9 },
        dacs: 64 * 128,
        // One sample-and-hold per summing-amplifier output feeding the ADCs.
        sampleHolds: 4 * 64,
        shiftAdds: 4,
        inputRegisterKilobytes: PE_INPUT_REGISTER_KB,
        outputRegisterKilobytes: PE_OUTPUT_REGISTER_KB,
        // One TIA per bit-line pair of every computing array: 64 pairs × 64 arrays.
        tias: 64 * 64,
        bufferArrays: 4 * 64,
        summingAmplifiers: 4 * 64,
      },
    },
  },
  'neural-pim': {
    schemaVersion: 1,
    name: 'neural-pim',
    description:
      'Neural-PIM analog accumulation: 4-bit DACs, one NNS+A per array at 80 MHz, 4 × 8-bit NNADC per 64 arrays at 1.2 GS/s; 280 tiles',
    dataflow: 'neural-pim',
    precision: EIGHT_BIT,
    array: PRESET_ARRAY,
    dacBits: 4,
    weightLayout: 'differential',
    flipEncoding: false,
    converters: { adcBits: null, neuralPim: { adc: 'nnadc', accumulator: 'nnsa', maxSensingGain: 64 } },
    peripherals: { calibration: 'offset-gain', adcWriteVerifyLsb: 0.15, adcVerifyAttempts: 100, nnsaTrimMillivolts: 0.2 },
    device: PRESET_DEVICE,
    organization: {
      chip: { tiles: 280, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: 64,
        adc: { family: 'nnadc', count: 4, sampleRateHz: 1.2e9 },
        dacs: 128 * 64,
        // 128 column holds + 8 groups × 2 (differential feedback of the held sum) per array.
        sampleHolds: 64 * 144,
        shiftAdds: 0,
        inputRegisterKilobytes: PE_INPUT_REGISTER_KB,
        outputRegisterKilobytes: PE_OUTPUT_REGISTER_KB,
        nnsa: { count: 64, operationsPerSecond: 80e6 },
      },
    },
  },
  'isaac-16bit': {
    schemaVersion: 1,
    name: 'isaac-16bit',
    description:
      "The original ISAAC (ISCA 2016): 16-bit inputs and weights, 2-bit cells, 168 tiles × 12 IMAs × 8 arrays, ISAAC's own 8-bit 1.28 GS/s ADC",
    dataflow: 'isaac',
    precision: { inputBits: 16, weightBits: 16, outputBits: 16 },
    array: { ...PRESET_ARRAY, cellBits: 2 },
    dacBits: 1,
    weightLayout: 'offset',
    flipEncoding: true,
    converters: { adcBits: 8, simulatedFlipEncoding: false },
    device: { ...PRESET_DEVICE, levelBits: 2 },
    organization: {
      partialSumBits: 16,
      chip: { tiles: 168, hyperTransportLinks: 1 },
      tile: { pes: 12, ...ISAAC_TILE },
      pe: {
        arrays: 8,
        adc: { family: 'unit', unit: 'isaacAdc8b', count: 8 },
        dacs: 8 * 128,
        sampleHolds: 8 * 128,
        shiftAdds: 4,
        inputRegisterKilobytes: 2,
        outputRegisterKilobytes: 0.25,
      },
    },
  },
};

/** Names of the presets, in the order of docs/reference.md §3 (A, B, C) then the original ISAAC. */
export const CHIP_PRESET_NAMES: readonly string[] = Object.keys(PRESET_DATA);

/** The validated preset `name`; an unknown name is a one-line user error. */
export function chipPreset(name: string): ChipDescription {
  if (!Object.hasOwn(PRESET_DATA, name)) fail(`unknown preset '${name}' (use ${CHIP_PRESET_NAMES.join(', ')})`);
  return parseChipDescription(PRESET_DATA[name], `preset ${name}`);
}

/** Every preset, validated, in {@link CHIP_PRESET_NAMES} order. */
export function chipPresets(): ChipDescription[] {
  return CHIP_PRESET_NAMES.map(chipPreset);
}
