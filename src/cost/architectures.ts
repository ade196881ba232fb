/**
 * Accelerator architectures as data (docs/reference.md §3, §5): chip → tiles → PEs (ISAAC's IMAs) →
 * arrays and their converters, with every count explicit, plus resolution of a specification
 * against a component library into chip area, rated power, peak throughput and the dataflow's
 * closed forms — and the checks that its converters can keep up with its arrays.
 *
 * Choices made where docs/reference.md leaves them open (each also in the field's doc and in docs/modelling-choices.md):
 * - All three 8-bit designs use Neural-PIM's organization — 4 PEs per tile, 64 arrays of 128 × 128
 *   1-bit cells per PE, one 64 KB eDRAM per tile, ISAAC's tile peripherals — so that they differ
 *   only in their dataflow peripherals. The converter counts are those of §3 per 64 arrays.
 * - Neural-PIM has 280 tiles (§5). The two baselines are given the same chip area: their tile
 *   count is the largest that fits in Neural-PIM's computed chip area (`matchAreaOf`). The
 *   baselines' area is therefore derived from the component library, not typed in.
 * - Pipeline cycle = (input cycles + tail cycles) × input cycle, the tail a property of each design
 *   (`pipelineTailCycles`): 0 for ISAAC-style converters, which convert each cycle's bit lines during
 *   the next cycle, overlapped with the next product (ISAAC's published peak: 16 cycles per 16-bit
 *   product; 8 for 8-bit); 1 for CASCADE-style (summing and converting the buffer after the last
 *   write) and Neural-PIM (2 input cycles + the NNS+A/NNADC tail: 3 × 100 ns).
 * - CASCADE-style gets 10 conversions per 16 input cycles from its summing amplifiers, as its
 *   published design (§5): ⌈0.625 × 8⌉ = 5 per weight group at 10 bits. With the §3 closed form
 *   (15 per group) its 3 ADCs per 64 arrays could not keep up (see `cascade.conversionsPerInputCycle`).
 * - Converter timing. ISAAC-style converts each input cycle's bit lines during the next cycle,
 *   so its ADCs must finish one cycle's conversions within one input cycle. CASCADE-style and
 *   Neural-PIM hold what they convert (buffer arrays, sample-and-holds), so their conversions of
 *   one product may spread over one pipeline cycle. Needing more than that is an error; using
 *   less than a quarter of it is a warning (legal, but the converters are over-provisioned).
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { G_MAX_SIEMENS, INPUT_CYCLE_SECONDS } from '../core/defaults.ts';
import { dataflowCostModel, type ResolveCheck } from '../dataflows/index.ts';
import { UNDER_UTILIZATION_WARNING, fmtCount, fmtRate, fmtSeconds } from '../dataflows/cost.ts';
import {
  columnsPerWeight,
  conversionsPerGroup,
  inputCycles,
  weightSlices,
  type DataflowKind,
  type DataflowParams,
} from '../dataflows/closed-forms.ts';
import { chipPresets } from '../chip/presets.ts';
import {
  CHIP_DATAFLOWS,
  PRESET_DEVICE,
  arraySchema,
  crossbarReadSchema,
  chipCountsSchema,
  chipNameSchema,
  peOrganizationSchema,
  precisionSchema,
  tileOrganizationSchema,
  type ChipDescription,
} from '../chip/description.ts';
import { namedUnit, rateUnit, ratedPowerWatts, resolutionUnit, type ComponentLibrary, type ResolvedUnit } from './components.ts';

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const positiveInt = z.number().int().positive();
const bits = z.number().int().min(1).max(32);

const adcSpecSchema = z.discriminatedUnion('family', [
  z
    .object({
      /** A SAR ADC from the library's resolution family. */
      family: z.literal('sar'),
      count: positiveInt,
      sampleRateHz: z.number().positive(),
      /** Resolution; defaults to the dataflow's closed form. */
      bits: bits.optional(),
    })
    .strict(),
  z
    .object({
      /** A neural ADC from the library's NNADC family. */
      family: z.literal('nnadc'),
      count: positiveInt,
      sampleRateHz: z.number().positive(),
      bits: bits.optional(),
    })
    .strict(),
  z
    .object({
      /** A fixed converter named in the library's `units` (e.g. ISAAC's own 8-bit ADC). */
      family: z.literal('unit'),
      unit: z.string().min(1),
      count: positiveInt,
      bits,
    })
    .strict(),
]);

/** An architecture specification (what a user's JSON contains). */
export const architectureSchema = z
  .object({
    /** Identifier used on the command line. */
    name: chipNameSchema,
    description: z.string().default(''),
    dataflow: z.enum(CHIP_DATAFLOWS),
    precision: precisionSchema,
    /** Signed weights as (positive, negative) column pairs, or ISAAC's biased single columns. */
    weightLayout: z.enum(['differential', 'offset']),
    array: arraySchema,
    dacBits: z.number().int().min(1).max(16),
    flipEncoding: z.boolean(),
    inputCycleSeconds: z.number().positive().default(INPUT_CYCLE_SECONDS),
    /** Input cycles a product's pipeline slot adds after its input cycles (0: conversions overlap the next product). */
    pipelineTailCycles: z.number().int().min(0).max(16).default(1),
    /** The crossbar cells' conductance range (the simulator's devices): crossbar read energy is V_read²·G·t_read. */
    device: z
      .object({
        gMaxSiemens: z.number().positive().default(G_MAX_SIEMENS),
        onOffRatio: z.number().min(1).default(PRESET_DEVICE.onOffRatio),
      })
      .strict()
      .prefault({}),
    crossbarRead: crossbarReadSchema.prefault({}),
    /**
     * Width of a partial sum sent between units (PE output register, bus, tile register);
     * default P_I + P_W + N rounded up to whole bytes.
     */
    partialSumBits: bits.optional(),
    chip: chipCountsSchema,
    tile: tileOrganizationSchema,
    pe: peOrganizationSchema(adcSpecSchema),
    /**
     * CASCADE-style only: conversions per input cycle after the summing amplifiers merge the low
     * buffer columns (0.625 = the published 10 per 16 cycles); null = the §3 closed form
     * ⌈P_I/P_D⌉ + ⌈P_W/P_R⌉ − 1.
     */
    cascade: z.object({ conversionsPerInputCycle: z.number().positive().nullable() }).strict().optional(),
  })
  .strict();

/** A validated architecture specification. */
export type ArchitectureSpec = z.output<typeof architectureSchema>;

/** A list of architectures, as a user's JSON file holds them (an array, or `{architectures: [...]}`). */
export const architectureListSchema = z.union([
  z.array(architectureSchema).min(1),
  z
    .object({ architectures: z.array(architectureSchema).min(1) })
    .strict()
    .transform((o) => o.architectures),
]);

/** Validates one architecture (e.g. parsed JSON). */
export function parseArchitecture(input: unknown): ArchitectureSpec {
  return parseConfig(architectureSchema, input, 'architecture');
}

/** Validates a list of architectures; names must be unique. */
export function parseArchitectureList(input: unknown): ArchitectureSpec[] {
  const list = parseConfig(architectureListSchema, input, 'architecture file');
  const seen = new Set<string>();
  for (const a of list) {
    ensure(!seen.has(a.name), `invalid architecture file: architecture '${a.name}' is defined twice`);
    seen.add(a.name);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

/** The cost model's architecture of an accelerator description (the same chip the simulator reads). */
export function architectureOfChip(chip: ChipDescription): ArchitectureSpec {
  const org = chip.organization;
  const adcBits = chip.converters.adcBits;
  const conversionsPerInputCycle = chip.converters.cascade.conversionsPerInputCycle;
  // Optional fields are left out (not set to undefined) so that the spec equals one read from JSON.
  return parseArchitecture({
    name: chip.name,
    description: chip.description,
    dataflow: chip.dataflow,
    precision: chip.precision,
    weightLayout: chip.weightLayout,
    array: chip.array,
    dacBits: chip.dacBits,
    flipEncoding: chip.flipEncoding,
    inputCycleSeconds: org.inputCycleSeconds,
    pipelineTailCycles: org.pipelineTailCycles,
    device: { gMaxSiemens: chip.device.gMaxSiemens, onOffRatio: chip.device.onOffRatio },
    crossbarRead: org.crossbarRead,
    ...(org.partialSumBits === undefined ? {} : { partialSumBits: org.partialSumBits }),
    chip: org.chip,
    tile: org.tile,
    pe: { ...org.pe, adc: adcBits === null ? org.pe.adc : { ...org.pe.adc, bits: adcBits } },
    // Summing-amplifier settings exist for CASCADE-style designs only (the description's schema checks it).
    ...(conversionsPerInputCycle === null ? {} : { cascade: { conversionsPerInputCycle } }),
  });
}

/** The architectures of docs/reference.md §3/§5 plus the original 16-bit ISAAC: the chip presets. */
export function defaultArchitectures(): ArchitectureSpec[] {
  return chipPresets().map(architectureOfChip);
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/** Names of the blocks an architecture is built from (keys of its inventory). */
export type BlockName =
  | 'array'
  | 'dac'
  | 'sampleHold'
  | 'adc'
  | 'shiftAdd'
  | 'inputRegister'
  | 'outputRegister'
  | 'nnsa'
  | 'tia'
  | 'bufferArray'
  | 'summingAmplifier'
  | 'edram'
  | 'bus'
  | 'router'
  | 'activation'
  | 'tileShiftAdd'
  | 'maxPool'
  | 'tileOutputRegister'
  | 'hyperTransport';

/** Every block name, PE blocks first. */
export const BLOCK_NAMES: readonly BlockName[] = [
  'array',
  'dac',
  'sampleHold',
  'adc',
  'shiftAdd',
  'inputRegister',
  'outputRegister',
  'nnsa',
  'tia',
  'bufferArray',
  'summingAmplifier',
  'edram',
  'bus',
  'router',
  'activation',
  'tileShiftAdd',
  'maxPool',
  'tileOutputRegister',
  'hyperTransport',
];

/** One block of a chip: its resolved unit and how many units one chip has. */
export interface InventoryEntry {
  unit: ResolvedUnit;
  unitsPerChip: number;
}

/** An architecture resolved against a component library. */
export interface ResolvedArchitecture {
  spec: ArchitectureSpec;
  name: string;
  dataflow: DataflowKind;
  /** The slicing parameters of the closed forms. */
  params: DataflowParams;
  inputCycles: number;
  weightSlices: number;
  columnsPerWeight: number;
  /** Weight groups (output neurons) one array holds. */
  weightGroupsPerArray: number;
  /** Conversions per weight group by the §3 closed form. */
  closedFormConversionsPerGroup: number;
  /** Conversions per weight group this design performs (differs from the closed form only for CASCADE with summing amplifiers). */
  conversionsPerGroup: number;
  /** ADC resolution the closed form requires, bits. */
  requiredAdcBits: number;
  /** ADC resolution built, bits. */
  adcBits: number;
  /** Bits of a partial sum moved between units. */
  partialSumBits: number;
  /** One pipeline cycle: (input cycles + tail cycles) × input cycle, seconds. */
  pipelineCycleSeconds: number;
  tilesPerChip: number;
  arraysPerPe: number;
  arraysPerTile: number;
  arraysPerChip: number;
  /** Every block with its unit figures and count per chip. */
  inventory: Record<BlockName, InventoryEntry>;
  tileAreaSquareMetres: number;
  chipAreaSquareMetres: number;
  /** Sum of every unit's rated power (ISAAC's way of stating chip power), watts. */
  chipRatedPowerWatts: number;
  chipStaticPowerWatts: number;
  areaByBlockSquareMetres: Record<BlockName, number>;
  powerByBlockWatts: Record<BlockName, number>;
  peak: {
    /** MACs one array does per product. */
    macsPerArrayProduct: number;
    opsPerSecond: number;
    gops: number;
    gopsPerWatt: number;
    gopsPerSquareMillimetre: number;
  };
  /** How densely the chip stores weights: array area over PE area, and RRAM cells per mm² of chip. */
  arrayDensity: {
    /** Area of a PE's arrays / area of the PE (arrays, DACs, converters, registers, peripherals). */
    arrayAreaFractionOfPe: number;
    /** Cells of every array on the chip / chip area, per mm². */
    cellsPerSquareMillimetre: number;
  };
  /** Fraction of the A/D capacity the arrays need in their conversion window. */
  converterUtilization: number;
  /** Fraction of NNS+A capacity used (Neural-PIM). */
  nnsaUtilization: number | null;
  /** Legal but unbalanced or lossy configurations (over-provisioned converters, too few ADC bits). */
  warnings: string[];
  /** Informational: component figures extrapolated beyond the library's tables. */
  notes: string[];
}

export { UNDER_UTILIZATION_WARNING } from '../dataflows/cost.ts';

/** The blocks inside a PE: BLOCK_NAMES lists them first, up to the tile's eDRAM. */
const PE_BLOCKS: ReadonlySet<BlockName> = new Set(BLOCK_NAMES.slice(0, BLOCK_NAMES.indexOf('edram')));

interface PartialArchitecture {
  spec: ArchitectureSpec;
  units: Record<BlockName, ResolvedUnit>;
  perPe: Record<BlockName, number>;
  perTile: Record<BlockName, number>;
  perChip: Record<BlockName, number>;
  tileAreaSquareMetres: number;
  chipLevelAreaSquareMetres: number;
}

/** The closed forms' parameters of an architecture or accelerator description (its precision, array, DAC and encoding). */
export function dataflowParams(spec: Pick<ArchitectureSpec, 'precision' | 'array' | 'dacBits' | 'flipEncoding'>): DataflowParams {
  return {
    inputBits: spec.precision.inputBits,
    weightBits: spec.precision.weightBits,
    outputBits: spec.precision.outputBits,
    log2Rows: Math.log2(spec.array.rows),
    cellBits: spec.array.cellBits,
    dacBits: spec.dacBits,
    flipEncoding: spec.flipEncoding,
  };
}

/** ADC resolution the spec builds (explicit, or the closed form). */
function builtAdcBits(spec: ArchitectureSpec): number {
  return spec.pe.adc.bits ?? dataflowCostModel(spec.dataflow).requiredAdcBits(dataflowParams(spec), spec.weightLayout);
}

function resolveUnits(spec: ArchitectureSpec, lib: ComponentLibrary): Record<BlockName, ResolvedUnit> {
  const n = spec.name;
  const adcSpec = spec.pe.adc;
  let adc: ResolvedUnit;
  if (adcSpec.family === 'sar') adc = resolutionUnit(lib.adcSar, builtAdcBits(spec), adcSpec.sampleRateHz, `architecture ${n}: ADC`);
  else if (adcSpec.family === 'nnadc') {
    const b = builtAdcBits(spec);
    ensure(
      b === lib.nnadc.resolutionBits,
      `architecture ${n}: the library's NNADC figures are for ${lib.nnadc.resolutionBits}-bit converters, the design needs ${b} bits`,
    );
    adc = rateUnit(lib.nnadc, adcSpec.sampleRateHz, `architecture ${n}: NNADC`);
  } else adc = namedUnit(lib, adcSpec.unit);
  const nnsa = spec.pe.nnsa
    ? rateUnit(lib.nnsa, spec.pe.nnsa.operationsPerSecond, `architecture ${n}: NNS+A`)
    : rateUnit(lib.nnsa, 80e6, 'NNS+A');
  return {
    array: namedUnit(lib, 'array'),
    dac: resolutionUnit(lib.dac, spec.dacBits, 1 / spec.inputCycleSeconds, `architecture ${n}: DAC`),
    sampleHold: namedUnit(lib, 'sampleHold'),
    adc,
    shiftAdd: namedUnit(lib, 'shiftAdd'),
    inputRegister: namedUnit(lib, 'inputRegister'),
    outputRegister: namedUnit(lib, 'outputRegister'),
    nnsa,
    tia: namedUnit(lib, 'tia'),
    bufferArray: namedUnit(lib, 'bufferArray'),
    summingAmplifier: namedUnit(lib, 'summingAmplifier'),
    edram: namedUnit(lib, 'edram'),
    bus: namedUnit(lib, 'bus'),
    router: namedUnit(lib, 'router'),
    activation: namedUnit(lib, 'activation'),
    tileShiftAdd: namedUnit(lib, 'tileShiftAdd'),
    maxPool: namedUnit(lib, 'maxPool'),
    tileOutputRegister: namedUnit(lib, 'tileOutputRegister'),
    hyperTransport: namedUnit(lib, 'hyperTransport'),
  };
}

function zeroBlocks(): Record<BlockName, number> {
  return Object.fromEntries(BLOCK_NAMES.map((b) => [b, 0])) as Record<BlockName, number>;
}

function partialResolve(spec: ArchitectureSpec, lib: ComponentLibrary): PartialArchitecture {
  const units = resolveUnits(spec, lib);
  const perPe = zeroBlocks();
  perPe.array = spec.pe.arrays;
  perPe.dac = spec.pe.dacs;
  perPe.sampleHold = spec.pe.sampleHolds;
  perPe.adc = spec.pe.adc.count;
  perPe.shiftAdd = spec.pe.shiftAdds;
  perPe.inputRegister = spec.pe.inputRegisterKilobytes;
  perPe.outputRegister = spec.pe.outputRegisterKilobytes;
  perPe.nnsa = spec.pe.nnsa?.count ?? 0;
  perPe.tia = spec.pe.tias;
  perPe.bufferArray = spec.pe.bufferArrays;
  perPe.summingAmplifier = spec.pe.summingAmplifiers;
  const perTile = zeroBlocks();
  for (const b of PE_BLOCKS) perTile[b] = perPe[b] * spec.tile.pes;
  perTile.edram = spec.tile.edramBuffers;
  // One bus segment per PE: the eDRAM-to-PE bus is as long as the row of PEs it serves.
  perTile.bus = spec.tile.pes;
  perTile.router = spec.tile.routers;
  perTile.activation = spec.tile.activationUnits;
  perTile.tileShiftAdd = spec.tile.shiftAddUnits;
  perTile.maxPool = spec.tile.maxPoolUnits;
  perTile.tileOutputRegister = spec.tile.outputRegisterKilobytes;
  const perChip = zeroBlocks();
  perChip.hyperTransport = spec.chip.hyperTransportLinks;
  let tileArea = 0;
  for (const b of BLOCK_NAMES) tileArea += perTile[b] * units[b].areaSquareMetres;
  return {
    spec,
    units,
    perPe,
    perTile,
    perChip,
    tileAreaSquareMetres: tileArea,
    chipLevelAreaSquareMetres: perChip.hyperTransport * units.hyperTransport.areaSquareMetres,
  };
}

function finishResolve(p: PartialArchitecture, tilesPerChip: number): ResolvedArchitecture {
  const { spec, units } = p;
  const params = dataflowParams(spec);
  const name = spec.name;
  const warnings: string[] = [];
  const t = inputCycles(params);
  const s = weightSlices(params);
  const cpw = columnsPerWeight(params, spec.weightLayout);
  const groupsPerArray = Math.floor(spec.array.columns / cpw);
  ensure(
    groupsPerArray >= 1,
    `architecture ${name}: a ${spec.precision.weightBits}-bit weight needs ${cpw} columns, the array has ${spec.array.columns}`,
  );
  const hooks = dataflowCostModel(spec.dataflow);
  const closedForm = conversionsPerGroup(spec.dataflow, params);
  const perGroup = hooks.conversionsPerGroup(spec, params);
  hooks.validateDesign(spec);
  const requiredAdcBits = hooks.requiredAdcBits(params, spec.weightLayout);
  const adcBits = builtAdcBits(spec);
  if (adcBits < requiredAdcBits) {
    warnings.push(
      `${name}: ${adcBits}-bit ADC below the ${requiredAdcBits} bits the ${spec.dataflow} dataflow needs; conversions will clip or lose low bits`,
    );
  }
  const log2Rows = params.log2Rows;
  const partialSumBits = spec.partialSumBits ?? Math.ceil((spec.precision.inputBits + spec.precision.weightBits + log2Rows) / 8) * 8;
  const cycle = spec.inputCycleSeconds;
  const pipelineCycleSeconds = (t + spec.pipelineTailCycles) * cycle;
  const arrays = spec.pe.arrays;

  // --- structural checks: every row needs a DAC; the dataflow's own blocks (holds, TIAs, buffers, NNS+As)
  ensure(
    spec.pe.dacs >= arrays * spec.array.rows,
    `architecture ${name}: ${spec.pe.dacs} DACs per PE cannot drive the ${arrays * spec.array.rows} rows of its ${arrays} arrays`,
  );
  const groupsPerPe = arrays * groupsPerArray;
  const check: ResolveCheck = {
    design: spec,
    arrays,
    groupsPerArray,
    groupsPerPe,
    columnsPerWeight: cpw,
    weightSlices: s,
    inputCycles: t,
    conversionsPerGroup: perGroup,
    inputCycleSeconds: cycle,
    pipelineCycleSeconds,
    shiftAddOperationsPerSecond: units.shiftAdd.operationsPerSecond,
    summingAmplifierOperationsPerSecond: units.summingAmplifier.operationsPerSecond,
  };
  hooks.checkStructure(check);

  // --- converter rate checks
  const adc = units.adc;
  const adcCount = spec.pe.adc.count;
  let needed: number;
  let capacity: number;
  let window: string;
  if (hooks.converterWindow === 'input-cycle') {
    needed = (groupsPerPe * perGroup) / t; // conversions per input cycle per PE
    capacity = adcCount * adc.operationsPerSecond * cycle;
    window = `per ${fmtSeconds(cycle)} input cycle`;
  } else {
    needed = groupsPerPe * perGroup; // conversions per product per PE
    capacity = adcCount * adc.operationsPerSecond * pipelineCycleSeconds;
    window = `per ${fmtSeconds(pipelineCycleSeconds)} pipeline cycle`;
  }
  const converterUtilization = needed / capacity;
  if (converterUtilization > 1 + 1e-9) {
    fail(
      `architecture ${name}: converters cannot keep up: the arrays of a PE need ${fmtCount(needed)} A/D conversions ${window}, ` +
        `${adcCount} ADC(s) at ${fmtRate(adc.operationsPerSecond)} deliver ${fmtCount(capacity)}`,
    );
  }
  if (converterUtilization < UNDER_UTILIZATION_WARNING) {
    warnings.push(
      `${name}: ADCs are ${(converterUtilization * 100).toFixed(0)} % utilized (${fmtCount(needed)} of ${fmtCount(capacity)} conversions ${window}); legal but over-provisioned`,
    );
  }
  const nnsaUtilization = hooks.checkThroughput(check, warnings);
  const notes: string[] = [];
  for (const b of BLOCK_NAMES) {
    if (p.perTile[b] + p.perChip[b] > 0 && units[b].extrapolated)
      notes.push(`${name}: ${b} figures extrapolated beyond the library's design points (${units[b].source.split('; ').pop()})`);
  }

  // --- totals
  const inventory = {} as Record<BlockName, InventoryEntry>;
  const areaBy = zeroBlocks();
  const powerBy = zeroBlocks();
  let area = 0;
  let power = 0;
  let staticPower = 0;
  for (const b of BLOCK_NAMES) {
    const count = p.perTile[b] * tilesPerChip + p.perChip[b];
    inventory[b] = { unit: units[b], unitsPerChip: count };
    areaBy[b] = count * units[b].areaSquareMetres;
    powerBy[b] = count * ratedPowerWatts(units[b]);
    area += areaBy[b];
    power += powerBy[b];
    staticPower += count * units[b].staticPowerWatts;
  }
  const arraysPerChip = arrays * spec.tile.pes * tilesPerChip;
  let peArea = 0;
  for (const b of PE_BLOCKS) peArea += p.perPe[b] * units[b].areaSquareMetres;
  const arrayDensity = {
    arrayAreaFractionOfPe: (p.perPe.array * units.array.areaSquareMetres) / peArea,
    cellsPerSquareMillimetre: (arraysPerChip * spec.array.rows * spec.array.columns) / (area / 1e-6),
  };
  const macsPerArrayProduct = spec.array.rows * groupsPerArray;
  const opsPerSecond = (2 * macsPerArrayProduct * arraysPerChip) / pipelineCycleSeconds;
  return {
    spec,
    name,
    dataflow: spec.dataflow,
    params,
    inputCycles: t,
    weightSlices: s,
    columnsPerWeight: cpw,
    weightGroupsPerArray: groupsPerArray,
    closedFormConversionsPerGroup: closedForm,
    conversionsPerGroup: perGroup,
    requiredAdcBits,
    adcBits,
    partialSumBits,
    pipelineCycleSeconds,
    tilesPerChip,
    arraysPerPe: arrays,
    arraysPerTile: arrays * spec.tile.pes,
    arraysPerChip,
    inventory,
    tileAreaSquareMetres: p.tileAreaSquareMetres,
    chipAreaSquareMetres: area,
    chipRatedPowerWatts: power,
    chipStaticPowerWatts: staticPower,
    areaByBlockSquareMetres: areaBy,
    powerByBlockWatts: powerBy,
    peak: {
      macsPerArrayProduct,
      opsPerSecond,
      gops: opsPerSecond / 1e9,
      gopsPerWatt: opsPerSecond / 1e9 / power,
      gopsPerSquareMillimetre: opsPerSecond / 1e9 / (area / 1e-6),
    },
    arrayDensity,
    converterUtilization,
    nnsaUtilization,
    warnings,
    notes,
  };
}

/**
 * Resolves architectures against a library: units, counts, area, rated power, peak figures,
 * balance checks. `matchAreaOf` references are resolved against `specs` (the referenced design
 * must be in the list and have a fixed tile count).
 */
export function resolveArchitectures(specs: ArchitectureSpec[], lib: ComponentLibrary): ResolvedArchitecture[] {
  const partials = new Map(specs.map((s) => [s.name, partialResolve(s, lib)]));
  const fixed = new Map<string, ResolvedArchitecture>();
  for (const p of partials.values()) {
    if (typeof p.spec.chip.tiles === 'number') fixed.set(p.spec.name, finishResolve(p, p.spec.chip.tiles));
  }
  return specs.map((s) => {
    const done = fixed.get(s.name);
    if (done) return done;
    const ref = (s.chip.tiles as { matchAreaOf: string }).matchAreaOf;
    const target = fixed.get(ref);
    if (!target) {
      if (partials.has(ref)) fail(`architecture ${s.name}: matchAreaOf '${ref}', which itself has no fixed tile count`);
      fail(`architecture ${s.name}: matchAreaOf names unknown architecture '${ref}'`);
    }
    const p = partials.get(s.name)!;
    const tiles = Math.floor((target.chipAreaSquareMetres - p.chipLevelAreaSquareMetres) / p.tileAreaSquareMetres + 1e-9);
    ensure(tiles >= 1, `architecture ${s.name}: not one tile fits in the chip area of '${ref}'`);
    return finishResolve(p, tiles);
  });
}
