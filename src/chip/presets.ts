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
/**
 * Arrays per PE. The reference design's per-PE/per-tile table (docs/reference.md §5: 64 NNS+As, 4
 * NNADCs, 128 × 64 four-bit DACs, 64 × 144 sample-and-holds) is read as one tile's contents: 64
 * arrays per tile, so 16 per PE with 4 PEs per tile. Read per PE (256 arrays per tile) its DACs
 * alone would draw 112 W on 280 tiles against the reference chip's 67.7 W.
 */
const PE_ARRAYS = 16;
/** Input register of a PE: 16 arrays × 128 rows × 8-bit inputs = 2 KB (ISAAC's IMA: 8 × 128 × 16 bit = 2 KB). */
const PE_INPUT_REGISTER_KB = (PE_ARRAYS * 128 * 8) / 8 / 1024;
/** Output register of a PE: 16 arrays × 8 groups × 24-bit partial sums = 384 B (ISAAC: 128 × 16 bit = 256 B). */
const PE_OUTPUT_REGISTER_KB = (PE_ARRAYS * 8 * 24) / 8 / 1024;

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
      // Each cycle's conversions run during the next cycle, overlapped with the next product: T cycles per product.
      pipelineTailCycles: 0,
      chip: { tiles: { matchAreaOf: 'neural-pim' }, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: PE_ARRAYS,
        // 64 column pairs per array every 100 ns: one ADC at ISAAC's 1.28 GS/s per two arrays is fully busy.
        adc: { family: 'sar', count: PE_ARRAYS / 2, sampleRateHz: 1.28e9 },
        dacs: PE_ARRAYS * 128,
        sampleHolds: PE_ARRAYS * 128,
        // ISAAC's ratio: one S+A per two ADCs.
        shiftAdds: PE_ARRAYS / 4,
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
      // The buffer is summed and converted after the last write: one tail cycle (T + 1).
      pipelineTailCycles: 1,
      chip: { tiles: { matchAreaOf: 'neural-pim' }, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: PE_ARRAYS,
        // 16 arrays × 8 groups × 5 conversions per 900 ns = 0.71 GS/s: one 1.2 GS/s ADC per PE (§3's 3 per 64 arrays would be 0.75 per PE).
        adc: { family: 'sar', count: 1, sampleRateHz: 1.2e9 },
        dacs: PE_ARRAYS * 128,
        // One sample-and-hold per summing-amplifier output feeding the ADCs.
        sampleHolds: 4 * PE_ARRAYS,
        shiftAdds: 1,
        inputRegisterKilobytes: PE_INPUT_REGISTER_KB,
        outputRegisterKilobytes: PE_OUTPUT_REGISTER_KB,
        // One TIA per bit-line pair of every computing array: 64 pairs per array.
        tias: 64 * PE_ARRAYS,
        bufferArrays: 4 * PE_ARRAYS,
        summingAmplifiers: 4 * PE_ARRAYS,
      },
    },
  },
  'neural-pim': {
    schemaVersion: 1,
    name: 'neural-pim',
    description:
      'Neural-PIM analog accumulation: 4-bit DACs, one NNS+A per array at 80 MHz, one 8-bit NNADC at 1.2 GS/s per PE of 16 arrays (4 per 64-array tile); 280 tiles',
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
      // 2 input cycles + the NNS+A/NNADC tail (docs/reference.md §5: T + 1).
      pipelineTailCycles: 1,
      chip: { tiles: 280, hyperTransportLinks: 1 },
      tile: { pes: 4, ...ISAAC_TILE },
      pe: {
        arrays: PE_ARRAYS,
        // The reference's 4 NNADCs per 64 arrays: one per PE.
        adc: { family: 'nnadc', count: PE_ARRAYS / 16, sampleRateHz: 1.2e9 },
        dacs: 128 * PE_ARRAYS,
        // 128 column holds + 8 groups × 2 (differential feedback of the held sum) per array.
        sampleHolds: PE_ARRAYS * 144,
        shiftAdds: 0,
        inputRegisterKilobytes: PE_INPUT_REGISTER_KB,
        outputRegisterKilobytes: PE_OUTPUT_REGISTER_KB,
        nnsa: { count: PE_ARRAYS, operationsPerSecond: 80e6 },
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
      // ISAAC's published peak: 16 cycles per 16-bit product, conversions overlapped with the next product.
      pipelineTailCycles: 0,
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
