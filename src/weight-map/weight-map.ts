/**
 * The weight map: one record per RRAM device of one or more circuits (DNN layers mapped by
 * `mapLayer` of dnn-weights.ts, or approximator networks such as NNS+A / NNADC made of upper/lower conductance
 * pairs), plus the metadata needed to interpret and invert it (seed, device model, mapping
 * parameters, and which weight rows/columns each array holds).
 *
 * A device record is `{ circuit, array, row, column, polarity, levelIndex, targetSiemens,
 * programmedSiemens }`: `row`/`column` are physical positions inside the array; polarity is
 * `+` / `-` for the two columns of a differential pair, `unit` for the flip-encoding unit column,
 * `upper` / `lower` for the two lines of a pseudo-differential input pair. In memory the records
 * are stored column-wise per array (typed arrays), because a single fc layer has millions of
 * devices. Files: serialize.ts (CSV and JSON, same content; written and read by io/weight-map-file.ts).
 */
import { z } from 'zod';
import { describeZodError } from '../core/config.ts';
import { ensure, fail, quoted } from '../core/errors.ts';
import { RramConfigSchema, levelConductance, type RramConfig } from '../device/rram.ts';
import {
  columnRole,
  columnRoles,
  layerGeometry,
  mappingOptions,
  maxCellValue,
  physicalColumnIndex,
  unmapToWeights,
  type MappedArray,
  type MappedLayer,
  type ProgrammedLayer,
  type UnmapRounding,
} from '../mapping/dnn-weights.ts';

/** File format name written into every weight map. */
export const WEIGHT_MAP_FORMAT = 'neural-pim/weight-map';
/** File format version written into every weight map. */
export const WEIGHT_MAP_VERSION = 1;

/** Polarities, in the order of their numeric codes in {@link WeightMapArray.polarity}. */
export const POLARITIES = ['+', '-', 'unit', 'upper', 'lower'] as const;
/** Role of a device within its pair or array. */
export type Polarity = (typeof POLARITIES)[number];
const POLARITY_CODE: Record<string, number> = { '+': 0, '-': 1, '\u2212': 1, unit: 2, upper: 3, lower: 4 };

/** The numeric code of a polarity string (`−`, U+2212, is accepted for `-`), or −1 if unknown. */
export function polarityCode(s: string): number {
  return typeof s === 'string' && Object.hasOwn(POLARITY_CODE, s) ? POLARITY_CODE[s] : -1;
}

/** Column names of a device record, in file order. */
export const RECORD_FIELDS = ['circuit', 'array', 'row', 'column', 'polarity', 'levelIndex', 'targetSiemens', 'programmedSiemens'] as const;

/** One device. */
export interface WeightMapRecord {
  /** Layer or network name. */
  circuit: string;
  /** Array index within the circuit (for approximators: the network layer). */
  array: number;
  /** Physical row within the array (for approximators: the input pair). */
  row: number;
  /** Physical column within the array (for approximators: the neuron). */
  column: number;
  polarity: Polarity;
  /** Programmed level, 0 … 2^levelBits − 1 of the circuit's device. */
  levelIndex: number;
  /** Nominal conductance of the level, siemens. */
  targetSiemens: number;
  /** Conductance the device holds after programming (variation, faults, drift), siemens. */
  programmedSiemens: number;
}

/** Mapping parameters of a DNN layer (recorded so that the map can be inverted). */
export const DnnLayerInfoSchema = z.object({
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
  weightBits: z.number().int().min(1).max(15),
  cellBits: z.number().int().min(1).max(8),
  arrayRows: z.number().int().positive(),
  arrayCols: z.number().int().positive(),
  flip: z.boolean(),
  /** Derived, for readers: ⌈P_W/P_R⌉. */
  slices: z.number().int().positive(),
  /** Derived, for readers: 2·slices physical columns per weight column. */
  groupColumns: z.number().int().positive(),
  blockColumns: z.number().int().positive(),
  rowBlocks: z.number().int().positive(),
  colBlocks: z.number().int().positive(),
  /** Human-readable statement of the column order. */
  columnOrder: z.string(),
});
/** Mapping parameters of a DNN layer. */
export type DnnLayerInfo = z.output<typeof DnnLayerInfoSchema>;

/** What one array of a DNN layer holds. */
export const DnnArrayInfoSchema = z.object({
  rowBlock: z.number().int().min(0),
  colBlock: z.number().int().min(0),
  /** Weight rows [weightRowStart, weightRowStart + weightRows) on physical rows 0 …. */
  weightRowStart: z.number().int().min(0),
  weightRows: z.number().int().positive(),
  /** Global physical columns [physColumnStart, physColumnStart + dataColumns) on physical columns 0 …. */
  physColumnStart: z.number().int().min(0),
  dataColumns: z.number().int().positive(),
  /** Weight columns touched, [weightColumnStart, weightColumnEnd). */
  weightColumnStart: z.number().int().min(0),
  weightColumnEnd: z.number().int().positive(),
  /** Physical column of the flip unit column, or null without flip encoding. */
  unitColumn: z.number().int().min(0).nullable(),
  /** Physical columns that store complemented cells. */
  flippedColumns: z.array(z.number().int().min(0)),
});
/** What one array of a DNN layer holds. */
export type DnnArrayInfo = z.output<typeof DnnArrayInfoSchema>;

const InfoSchema = z.record(z.string(), z.unknown());

/** Metadata of one array in a file (its devices are stored separately). */
export const ArrayMetaSchema = z.object({
  index: z.number().int().min(0),
  /** Number of device records of the array. */
  devices: z.number().int().min(0),
  dnn: DnnArrayInfoSchema.optional(),
  info: InfoSchema.optional(),
});

/** Kinds of circuit: a mapped DNN layer or an approximator network (upper/lower pairs). */
export const CIRCUIT_KINDS = ['dnn-layer', 'approximator'] as const;
/** Kind of a circuit (see {@link CIRCUIT_KINDS}). */
export type CircuitKind = (typeof CIRCUIT_KINDS)[number];

/** Metadata of one circuit in a file. */
export const CircuitMetaSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(CIRCUIT_KINDS),
  /**
   * Seed the devices were programmed from, null if unknown / not programmed. DNN layers: the run's
   * seed (`--seed` of npim simulate and export); `info` names the draw and the layer index whose
   * streams programmed them (dnn-weights.ts).
   */
  seed: z.number().int().min(0).nullable(),
  device: RramConfigSchema,
  dnn: DnnLayerInfoSchema.optional(),
  info: InfoSchema.optional(),
  arrays: z.array(ArrayMetaSchema),
});

/** Metadata of a whole weight map (everything except the device columns). */
export const WeightMapMetaSchema = z.object({
  format: z.literal(WEIGHT_MAP_FORMAT),
  version: z.literal(WEIGHT_MAP_VERSION),
  /** Seed of the run; null when the circuits were programmed from different seeds or unknown. */
  seed: z.number().int().min(0).nullable(),
  circuits: z.array(CircuitMetaSchema),
});
/** Metadata of a weight map. */
export type WeightMapMeta = z.output<typeof WeightMapMetaSchema>;

/** Devices of one array, column-wise; all columns have the same length. */
export interface WeightMapArray {
  index: number;
  dnn?: DnnArrayInfo;
  info?: Record<string, unknown>;
  row: Int32Array;
  column: Int32Array;
  /** Index into {@link POLARITIES}. */
  polarity: Uint8Array;
  /** Level index (levelBits ≤ 8, so it fits a byte). */
  levelIndex: Uint8Array;
  targetSiemens: Float64Array;
  programmedSiemens: Float64Array;
}

/** One circuit (DNN layer or approximator network). */
export interface WeightMapCircuit {
  name: string;
  kind: CircuitKind;
  seed: number | null;
  device: RramConfig;
  dnn?: DnnLayerInfo;
  info?: Record<string, unknown>;
  arrays: WeightMapArray[];
}

/** A weight map: metadata plus every device. */
export interface WeightMap {
  format: typeof WEIGHT_MAP_FORMAT;
  version: typeof WEIGHT_MAP_VERSION;
  seed: number | null;
  circuits: WeightMapCircuit[];
}

/** Total number of device records. */
export function weightMapDeviceCount(map: WeightMap): number {
  let n = 0;
  for (const c of map.circuits) for (const a of c.arrays) n += a.row.length;
  return n;
}

/** The metadata of a map (device columns replaced by their count). */
export function weightMapMeta(map: WeightMap): WeightMapMeta {
  return {
    format: map.format,
    version: map.version,
    seed: map.seed,
    circuits: map.circuits.map((c) => ({
      name: c.name,
      kind: c.kind,
      seed: c.seed,
      device: c.device,
      ...(c.dnn ? { dnn: c.dnn } : {}),
      ...(c.info ? { info: c.info } : {}),
      arrays: c.arrays.map((a) => ({
        index: a.index,
        devices: a.row.length,
        ...(a.dnn ? { dnn: a.dnn } : {}),
        ...(a.info ? { info: a.info } : {}),
      })),
    })),
  };
}

/** Every device as a record, circuit by circuit, array by array, in stored order. */
export function* weightMapRecords(map: WeightMap): Generator<WeightMapRecord> {
  for (const c of map.circuits) {
    for (const a of c.arrays) {
      for (let i = 0; i < a.row.length; i++) {
        yield {
          circuit: c.name,
          array: a.index,
          row: a.row[i],
          column: a.column[i],
          polarity: POLARITIES[a.polarity[i]],
          levelIndex: a.levelIndex[i],
          targetSiemens: a.targetSiemens[i],
          programmedSiemens: a.programmedSiemens[i],
        };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DNN layers

const COLUMN_ORDER =
  'device (row, column) of an array holds weight row weightRowStart + row; for column < arrayCols, global column G = physColumnStart + column holds ' +
  'weight column floor(G / groupColumns), slice floor((G mod groupColumns) / 2) (slice 0 = least significant, weight of slice s = 2^(cellBits*s)), ' +
  'polarity + if G is even, - if odd: [slice0 +, slice0 -, slice1 +, slice1 -, ...] per weight column; with flip, column arrayCols is the unit column (level 1 on every row) ' +
  'and the columns in flippedColumns store (2^cellBits - 1 - v), recovered as unitSum*(2^cellBits - 1) - columnSum';

function dnnLayerInfo(layer: MappedLayer): DnnLayerInfo {
  const o = layer.options;
  return {
    rows: layer.rows,
    cols: layer.cols,
    weightBits: o.weightBits,
    cellBits: o.cellBits,
    arrayRows: o.arrayRows,
    arrayCols: o.arrayCols,
    flip: o.flip,
    slices: layer.slices,
    groupColumns: layer.groupColumns,
    blockColumns: layer.blockColumns,
    rowBlocks: layer.rowBlocks,
    colBlocks: layer.colBlocks,
    columnOrder: COLUMN_ORDER,
  };
}

function dnnArrayInfo(layer: MappedLayer, a: MappedArray): DnnArrayInfo {
  const flippedColumns: number[] = [];
  for (let c = 0; c < a.dataColumns; c++) if (a.flipped[c]) flippedColumns.push(c);
  const first = columnRole(layer.groupColumns, a.physColumnStart).weightCol;
  const last = columnRole(layer.groupColumns, a.physColumnStart + a.dataColumns - 1).weightCol;
  return {
    rowBlock: a.rowBlock,
    colBlock: a.colBlock,
    weightRowStart: a.weightRowStart,
    weightRows: a.rows,
    physColumnStart: a.physColumnStart,
    dataColumns: a.dataColumns,
    weightColumnStart: first,
    weightColumnEnd: last + 1,
    unitColumn: a.hasUnitColumn ? layer.options.arrayCols : null,
    flippedColumns,
  };
}

/**
 * Builds a weight map from programmed DNN layers: one record per device, array by array, rows in
 * order, data columns then the unit column. The map's seed is the layers' common seed (null when
 * they differ) unless `seed` is given.
 */
export function weightMapFromMappedLayers(layers: ProgrammedLayer[], options: { seed?: number | null } = {}): WeightMap {
  const names = new Set<string>();
  const circuits = layers.map((p): WeightMapCircuit => {
    const { layer, device } = p;
    ensure(!names.has(layer.name), `two layers are named '${layer.name}'; circuit names must be unique`);
    names.add(layer.name);
    ensure(
      p.programmedSiemens.length === layer.arrays.length,
      `layer ${layer.name}: programmed conductances for ${p.programmedSiemens.length} arrays, expected ${layer.arrays.length}`,
    );
    const table = Float64Array.from({ length: 2 ** device.levelBits }, (_, i) => levelConductance(device, i));
    return {
      name: layer.name,
      kind: 'dnn-layer',
      seed: p.seed,
      device,
      dnn: dnnLayerInfo(layer),
      arrays: layer.arrays.map((a, ai) => {
        const n = a.levels.length;
        const g = p.programmedSiemens[ai];
        ensure(g.length === n, `layer ${layer.name} array ${a.index}: ${g.length} programmed conductances, expected ${n}`);
        const row = new Int32Array(n);
        const column = new Int32Array(n);
        const polarity = new Uint8Array(n);
        const levelIndex = new Uint8Array(n);
        const targetSiemens = new Float64Array(n);
        const colPhys = new Int32Array(a.storedColumns);
        const colPol = new Uint8Array(a.storedColumns);
        for (let c = 0; c < a.storedColumns; c++) {
          colPhys[c] = physicalColumnIndex(layer, a, c);
          colPol[c] = c >= a.dataColumns ? 2 : columnRole(layer.groupColumns, a.physColumnStart + c).sign === 1 ? 0 : 1;
        }
        for (let r = 0, i = 0; r < a.rows; r++) {
          for (let c = 0; c < a.storedColumns; c++, i++) {
            row[i] = r;
            column[i] = colPhys[c];
            polarity[i] = colPol[c];
            levelIndex[i] = a.levels[i];
            targetSiemens[i] = table[a.levels[i]];
          }
        }
        // The programmed conductances are shared with the programmed layer, not copied.
        return { index: a.index, dnn: dnnArrayInfo(layer, a), row, column, polarity, levelIndex, targetSiemens, programmedSiemens: g };
      }),
    };
  });
  const seeds = new Set(layers.map((l) => l.seed));
  const seed = options.seed !== undefined ? options.seed : seeds.size === 1 ? [...seeds][0] : null;
  return { format: WEIGHT_MAP_FORMAT, version: WEIGHT_MAP_VERSION, seed, circuits };
}

/** Where the devices of one DNN array sit: enough to check a record against the layout. */
interface DnnArrayLayout {
  rows: number;
  dataColumns: number;
  physColumnStart: number;
  storedColumns: number;
  /** Physical column of the unit column, or −1 without flip encoding. */
  unitColumn: number;
  groupColumns: number;
}

function dnnLayouts(d: DnnLayerInfo): Map<number, DnnArrayLayout> {
  const o = mappingOptions({
    weightBits: d.weightBits,
    cellBits: d.cellBits,
    arrayRows: d.arrayRows,
    arrayCols: d.arrayCols,
    flip: d.flip,
  });
  const geo = layerGeometry(d.rows, d.cols, o);
  return new Map(
    geo.arrays.map((g) => [
      g.index,
      {
        rows: g.rows,
        dataColumns: g.dataColumns,
        physColumnStart: g.physColumnStart,
        storedColumns: g.dataColumns + (o.flip ? 1 : 0),
        unitColumn: o.flip ? o.arrayCols : -1,
        groupColumns: geo.groupColumns,
      },
    ]),
  );
}

/**
 * Storage slot (row·storedColumns + stored column) of a DNN device, or a message saying why the
 * device does not belong to the layout (outside the used rows/columns, or wrong polarity).
 */
function dnnSlot(l: DnnArrayLayout, row: number, column: number, pol: number): number | string {
  if (row >= l.rows) return `row ${row} is outside the ${l.rows} mapped rows`;
  let c: number;
  let expected: number;
  if (column === l.unitColumn) {
    c = l.dataColumns;
    expected = 2;
  } else if (column < l.dataColumns) {
    c = column;
    expected = columnRole(l.groupColumns, l.physColumnStart + column).sign === 1 ? 0 : 1;
  } else {
    return `column ${column} is outside the ${l.dataColumns} mapped columns${l.unitColumn >= 0 ? ` and is not the unit column ${l.unitColumn}` : ''}`;
  }
  if (pol !== expected) return `polarity ${POLARITIES[pol]} at column ${column}, the layout puts ${POLARITIES[expected]} there`;
  return row * l.storedColumns + c;
}

/** A DNN circuit of a weight map turned back into a mapped layer plus its conductances. */
export interface RestoredLayer {
  layer: MappedLayer;
  device: RramConfig;
  /** Per array, [rows × storedColumns], siemens (programmed or target, as asked). */
  conductancesSiemens: Float64Array[];
}

/**
 * Rebuilds the mapped layer of a `dnn-layer` circuit from its metadata and device records,
 * checking that every device the layout needs is present exactly once with the polarity the
 * layout gives it.
 */
export function mappedLayerFromCircuit(circuit: WeightMapCircuit, conductance: 'programmed' | 'target' = 'programmed'): RestoredLayer {
  const where = `weight map circuit '${circuit.name}'`;
  ensure(circuit.kind === 'dnn-layer' && circuit.dnn, `${where} is not a DNN layer (kind ${circuit.kind})`);
  const d = circuit.dnn;
  const o = mappingOptions({
    weightBits: d.weightBits,
    cellBits: d.cellBits,
    arrayRows: d.arrayRows,
    arrayCols: d.arrayCols,
    flip: d.flip,
  });
  ensure(
    circuit.device.levelBits === o.cellBits,
    `${where}: device has ${circuit.device.levelBits}-bit cells, mapping says P_R = ${o.cellBits}`,
  );
  const geo = layerGeometry(d.rows, d.cols, o);
  ensure(
    geo.slices === d.slices &&
      geo.groupColumns === d.groupColumns &&
      geo.blockColumns === d.blockColumns &&
      geo.rowBlocks === d.rowBlocks &&
      geo.colBlocks === d.colBlocks,
    `${where}: recorded tiling does not match a ${d.rows} × ${d.cols} layer with these options`,
  );
  ensure(
    circuit.arrays.length === geo.arrays.length,
    `${where}: has ${circuit.arrays.length} arrays, the layout needs ${geo.arrays.length}`,
  );
  const byIndex = new Map(circuit.arrays.map((a) => [a.index, a]));
  const m = maxCellValue(o.cellBits);
  const conductancesSiemens: Float64Array[] = [];
  const arrays: MappedArray[] = geo.arrays.map((g) => {
    const src = byIndex.get(g.index) ?? fail(`${where}: array ${g.index} is missing`);
    const info = src.dnn ?? fail(`${where} array ${g.index}: no DNN array metadata`);
    ensure(
      info.weightRowStart === g.weightRowStart &&
        info.weightRows === g.rows &&
        info.physColumnStart === g.physColumnStart &&
        info.dataColumns === g.dataColumns,
      `${where} array ${g.index}: recorded rows/columns do not match the layout`,
    );
    const hasUnitColumn = o.flip;
    ensure(
      (info.unitColumn !== null) === hasUnitColumn && (!hasUnitColumn || info.unitColumn === o.arrayCols),
      `${where} array ${g.index}: unit column does not match flip = ${o.flip}`,
    );
    const storedColumns = g.dataColumns + (hasUnitColumn ? 1 : 0);
    const flipped = new Uint8Array(g.dataColumns);
    for (const c of info.flippedColumns) {
      ensure(o.flip && c < g.dataColumns, `${where} array ${g.index}: flipped column ${c} is not a data column of a flip-encoded array`);
      flipped[c] = 1;
    }
    const n = g.rows * storedColumns;
    ensure(src.row.length === n, `${where} array ${g.index}: has ${src.row.length} devices, the layout needs ${n}`);
    const levels = new Uint8Array(n);
    const cond = new Float64Array(n);
    const seen = new Uint8Array(n);
    const gsrc = conductance === 'programmed' ? src.programmedSiemens : src.targetSiemens;
    const layout: DnnArrayLayout = {
      rows: g.rows,
      dataColumns: g.dataColumns,
      physColumnStart: g.physColumnStart,
      storedColumns,
      unitColumn: hasUnitColumn ? o.arrayCols : -1,
      groupColumns: geo.groupColumns,
    };
    for (let i = 0; i < n; i++) {
      const k = dnnSlot(layout, src.row[i], src.column[i], src.polarity[i]);
      const dev = (): string => `${where} array ${g.index} device ${i} (row ${src.row[i]}, column ${src.column[i]})`;
      if (typeof k === 'string') fail(`${dev()}: ${k}`);
      if (seen[k]) fail(`${dev()}: duplicate device`);
      seen[k] = 1;
      if (src.levelIndex[i] > m) fail(`${dev()}: level index ${src.levelIndex[i]} exceeds ${m}`);
      levels[k] = src.levelIndex[i];
      cond[k] = gsrc[i];
    }
    conductancesSiemens.push(cond);
    return { ...g, hasUnitColumn, storedColumns, ...columnRoles(geo.groupColumns, g.physColumnStart, g.dataColumns), flipped, levels };
  });
  const layer: MappedLayer = {
    name: circuit.name,
    rows: d.rows,
    cols: d.cols,
    options: o,
    slices: geo.slices,
    groupColumns: geo.groupColumns,
    physColumns: geo.physColumns,
    blockColumns: geo.blockColumns,
    rowBlocks: geo.rowBlocks,
    colBlocks: geo.colBlocks,
    arrays,
  };
  return { layer, device: circuit.device, conductancesSiemens };
}

/** Effective weights of one DNN layer recovered from a weight map. */
export interface UnmappedLayer {
  name: string;
  rows: number;
  cols: number;
  /** Effective weight codes, [rows × cols] row-major. */
  weights: Float64Array;
}

/**
 * Inverse mapping of every DNN layer in a weight map (approximator circuits are skipped):
 * conductances → effective weight codes (see {@link unmapToWeights}).
 */
export function unmapWeightMap(
  map: WeightMap,
  options: { conductance?: 'programmed' | 'target'; rounding?: UnmapRounding } = {},
): UnmappedLayer[] {
  return map.circuits
    .filter((c) => c.kind === 'dnn-layer')
    .map((c) => {
      const { layer, device, conductancesSiemens } = mappedLayerFromCircuit(c, options.conductance ?? 'programmed');
      return {
        name: c.name,
        rows: layer.rows,
        cols: layer.cols,
        weights: unmapToWeights(layer, conductancesSiemens, device, options.rounding ?? 'continuous'),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Generic records (approximator networks, or any circuit)

/** Metadata of a circuit built from generic records (arrays are inferred from the records). */
export interface CircuitSpec {
  name: string;
  /** Default `approximator`. A `dnn-layer` needs `dnn` and per-array `dnn` metadata. */
  kind?: CircuitKind;
  device: RramConfig;
  seed?: number | null;
  dnn?: DnnLayerInfo;
  info?: Record<string, unknown>;
  /** Optional per-array metadata, by array index. */
  arrays?: Array<{ index: number; dnn?: DnnArrayInfo; info?: Record<string, unknown> }>;
}

/** Grows typed columns for one array while records arrive. */
class ArrayBuilder {
  n = 0;
  row: Int32Array;
  column: Int32Array;
  polarity: Uint8Array;
  levelIndex: Uint8Array;
  targetSiemens: Float64Array;
  programmedSiemens: Float64Array;
  /** Duplicate detection: dense slots for DNN arrays, a key set otherwise. */
  readonly seenSlots: Uint8Array | null;
  readonly seenKeys: Set<number> | null;

  /** @param capacity expected number of devices, if known (grows beyond it when needed) */
  constructor(
    readonly layout: DnnArrayLayout | null,
    capacity?: number,
  ) {
    const n = Math.max(16, capacity ?? (layout ? layout.rows * layout.storedColumns : 64));
    this.row = new Int32Array(n);
    this.column = new Int32Array(n);
    this.polarity = new Uint8Array(n);
    this.levelIndex = new Uint8Array(n);
    this.targetSiemens = new Float64Array(n);
    this.programmedSiemens = new Float64Array(n);
    this.seenSlots = layout ? new Uint8Array(layout.rows * layout.storedColumns) : null;
    this.seenKeys = layout ? null : new Set<number>();
  }

  push(row: number, column: number, polarity: number, levelIndex: number, target: number, programmed: number): void {
    if (this.n === this.row.length) this.grow();
    const i = this.n++;
    this.row[i] = row;
    this.column[i] = column;
    this.polarity[i] = polarity;
    this.levelIndex[i] = levelIndex;
    this.targetSiemens[i] = target;
    this.programmedSiemens[i] = programmed;
  }

  private grow(): void {
    const size = this.row.length * 2;
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(size);
      b.set(a);
      return b;
    };
    this.row = g(this.row, Int32Array);
    this.column = g(this.column, Int32Array);
    this.polarity = g(this.polarity, Uint8Array);
    this.levelIndex = g(this.levelIndex, Uint8Array);
    this.targetSiemens = g(this.targetSiemens, Float64Array);
    this.programmedSiemens = g(this.programmedSiemens, Float64Array);
  }

  columns(): Omit<WeightMapArray, 'index' | 'dnn' | 'info'> {
    const n = this.n;
    if (n === this.row.length) {
      return {
        row: this.row,
        column: this.column,
        polarity: this.polarity,
        levelIndex: this.levelIndex,
        targetSiemens: this.targetSiemens,
        programmedSiemens: this.programmedSiemens,
      };
    }
    return {
      row: this.row.slice(0, n),
      column: this.column.slice(0, n),
      polarity: this.polarity.slice(0, n),
      levelIndex: this.levelIndex.slice(0, n),
      targetSiemens: this.targetSiemens.slice(0, n),
      programmedSiemens: this.programmedSiemens.slice(0, n),
    };
  }
}

/** Largest row/column index a record may carry (keeps the duplicate key exact). */
const MAX_POSITION = 2 ** 24 - 1;

function checkInt(v: number, name: string, max: number, at: () => string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) fail(`${at()}: ${name} must be an integer in [0, ${max}], got ${v}`);
}

/** A record whose fields may still be unchecked (e.g. straight from a file). */
export interface LooseRecord {
  circuit: string;
  array: number;
  row: number;
  column: number;
  /** Polarity string (any of {@link POLARITIES}, or `−`). */
  polarity: string;
  levelIndex: number;
  targetSiemens: number;
  programmedSiemens: number;
}

/**
 * Incremental weight-map builder from generic device records (used by the file readers, which
 * stream records). Each record is validated on arrival: integer positions ≥ 0, a known circuit
 * and polarity, a level index within the circuit's device, finite non-negative conductances, no
 * duplicate device; for a `dnn-layer` circuit also the array, row, column and polarity the layout
 * gives. `at()` names the record in error messages.
 */
export class WeightMapBuilder {
  private readonly specs = new Map<string, CircuitSpec>();
  private readonly builders = new Map<string, Map<number, ArrayBuilder>>();
  private readonly layouts = new Map<string, Map<number, DnnArrayLayout>>();
  private lastSpec: CircuitSpec | null = null;
  private lastBuilder: ArrayBuilder | null = null;
  private lastArray = -1;

  /**
   * @param circuits the circuits records may refer to
   * @param expectedDevices optional device count per circuit and array index (from file metadata):
   *   records of other arrays are rejected and the counts are checked by {@link finish}
   */
  constructor(
    private readonly circuits: CircuitSpec[],
    private readonly expectedDevices?: Map<string, Map<number, number>>,
  ) {
    for (const c of circuits) {
      ensure(typeof c.name === 'string' && c.name.length > 0, 'circuit names must be non-empty strings');
      ensure(!this.specs.has(c.name), `two circuits are named '${c.name}'; circuit names must be unique`);
      this.specs.set(c.name, c);
      this.builders.set(c.name, new Map());
      if ((c.kind ?? 'approximator') === 'dnn-layer')
        this.layouts.set(c.name, dnnLayouts(c.dnn ?? fail(`circuit '${c.name}': a dnn-layer needs its mapping metadata (dnn)`)));
    }
  }

  /** Validates and adds one record; `at()` names it (e.g. "line 12 of fc1.csv"). */
  add(rec: WeightMapRecord | LooseRecord, at: () => string): void {
    // Records arrive grouped by circuit and array: remember the last pair to skip the lookups.
    let spec = this.lastSpec;
    if (!spec || spec.name !== rec.circuit) {
      spec = this.specs.get(rec.circuit) ?? fail(`${at()}: unknown circuit ${quoted(rec.circuit)}`);
      this.lastSpec = spec;
      this.lastBuilder = null;
    }
    checkInt(rec.array, 'array', MAX_POSITION, at);
    checkInt(rec.row, 'row', MAX_POSITION, at);
    checkInt(rec.column, 'column', MAX_POSITION, at);
    checkInt(rec.levelIndex, 'levelIndex', 2 ** spec.device.levelBits - 1, at);
    const pol = polarityCode(rec.polarity);
    if (pol < 0) fail(`${at()}: unknown polarity ${quoted(rec.polarity)}, expected one of ${POLARITIES.join(', ')}`);
    if (!(Number.isFinite(rec.targetSiemens) && rec.targetSiemens >= 0))
      fail(`${at()}: targetSiemens must be a finite conductance ≥ 0, got ${rec.targetSiemens}`);
    if (!(Number.isFinite(rec.programmedSiemens) && rec.programmedSiemens >= 0))
      fail(`${at()}: programmedSiemens must be a finite conductance ≥ 0, got ${rec.programmedSiemens}`);
    let b = this.lastBuilder;
    if (!b || this.lastArray !== rec.array) {
      const perCircuit = this.builders.get(rec.circuit)!;
      b = perCircuit.get(rec.array) ?? null;
      if (!b) {
        const expected = this.expectedDevices?.get(rec.circuit);
        if (expected && !expected.has(rec.array)) fail(`${at()}: circuit '${rec.circuit}' has no array ${rec.array} in the metadata`);
        const dnn = this.layouts.get(rec.circuit);
        const layout = dnn
          ? (dnn.get(rec.array) ?? fail(`${at()}: DNN layer '${rec.circuit}' has no array ${rec.array} (its layout has ${dnn.size})`))
          : null;
        b = new ArrayBuilder(layout, expected?.get(rec.array));
        perCircuit.set(rec.array, b);
      }
      this.lastBuilder = b;
      this.lastArray = rec.array;
    }
    if (b.layout) {
      const k = dnnSlot(b.layout, rec.row, rec.column, pol);
      if (typeof k === 'string') fail(`${at()}: circuit '${rec.circuit}' array ${rec.array}: ${k}`);
      if (b.seenSlots![k])
        fail(`${at()}: duplicate device (circuit ${rec.circuit}, array ${rec.array}, row ${rec.row}, column ${rec.column})`);
      b.seenSlots![k] = 1;
    } else {
      const key = (rec.row * (MAX_POSITION + 1) + rec.column) * 8 + pol;
      if (b.seenKeys!.has(key))
        fail(
          `${at()}: duplicate device (circuit ${rec.circuit}, array ${rec.array}, row ${rec.row}, column ${rec.column}, polarity ${POLARITIES[pol]})`,
        );
      b.seenKeys!.add(key);
    }
    b.push(rec.row, rec.column, pol, rec.levelIndex, rec.targetSiemens, rec.programmedSiemens);
  }

  /** The finished map; checks the expected device counts and that every DNN layer is complete. */
  finish(seed: number | null = null): WeightMap {
    const out: WeightMapCircuit[] = this.circuits.map((spec) => {
      const perCircuit = this.builders.get(spec.name)!;
      const expected = this.expectedDevices?.get(spec.name);
      if (expected) {
        for (const [index, count] of expected) {
          const got = perCircuit.get(index)?.n ?? 0;
          ensure(got === count, `circuit '${spec.name}' array ${index}: ${got} device records, the metadata says ${count}`);
          if (!perCircuit.has(index)) perCircuit.set(index, new ArrayBuilder(this.layouts.get(spec.name)?.get(index) ?? null));
        }
      }
      const arrayMeta = new Map((spec.arrays ?? []).map((a) => [a.index, a]));
      const kind = spec.kind ?? 'approximator';
      const arrays = [...perCircuit.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([index, b]): WeightMapArray => {
          const meta = arrayMeta.get(index);
          if (kind === 'dnn-layer') ensure(meta?.dnn, `circuit '${spec.name}' array ${index}: a dnn-layer array needs its metadata (dnn)`);
          return { index, ...(meta?.dnn ? { dnn: meta.dnn } : {}), ...(meta?.info ? { info: meta.info } : {}), ...b.columns() };
        });
      return {
        name: spec.name,
        kind,
        seed: spec.seed ?? null,
        device: spec.device,
        ...(spec.dnn ? { dnn: spec.dnn } : {}),
        ...(spec.info ? { info: spec.info } : {}),
        arrays,
      };
    });
    const map: WeightMap = { format: WEIGHT_MAP_FORMAT, version: WEIGHT_MAP_VERSION, seed, circuits: out };
    // A DNN layer must be complete and consistent with its layout to be usable.
    for (const c of out) if (c.kind === 'dnn-layer') mappedLayerFromCircuit(c);
    return map;
  }
}

/**
 * Builds a weight map from generic device records (see {@link WeightMapBuilder} for the checks).
 * Arrays are sorted by index; for approximator networks use array = layer, row = input pair,
 * column = neuron, polarity upper/lower (see {@link pairedCrossbarRecords}).
 */
export function weightMapFromRecords(
  circuits: CircuitSpec[],
  records: Iterable<WeightMapRecord | LooseRecord>,
  options: { seed?: number | null } = {},
): WeightMap {
  const b = new WeightMapBuilder(circuits);
  let i = 0;
  const at = (): string => `record ${i}`;
  for (const rec of records) {
    b.add(rec, at);
    i++;
  }
  return b.finish(options.seed ?? null);
}

/** One layer of an approximator network: upper/lower conductance pairs, [pairs × columns] row-major. */
export interface PairedCrossbarLayer {
  pairs: number;
  columns: number;
  upperLevels: ArrayLike<number>;
  lowerLevels: ArrayLike<number>;
  /** Programmed conductances, siemens; omitted = the targets (nominal devices). */
  upperSiemens?: ArrayLike<number>;
  lowerSiemens?: ArrayLike<number>;
}

/**
 * Device records of an approximator network (NNS+A, NNADC): array = layer index, row = input
 * pair, column = neuron, polarity `upper` then `lower` for each crosspoint; targets from the level
 * indices of `device`.
 */
export function* pairedCrossbarRecords(circuit: string, layers: PairedCrossbarLayer[], device: RramConfig): Generator<WeightMapRecord> {
  for (let li = 0; li < layers.length; li++) {
    const l = layers[li];
    const n = l.pairs * l.columns;
    ensure(l.upperLevels.length === n && l.lowerLevels.length === n, `${circuit} layer ${li}: expected ${n} level indices per line`);
    ensure(
      (l.upperSiemens?.length ?? n) === n && (l.lowerSiemens?.length ?? n) === n,
      `${circuit} layer ${li}: expected ${n} conductances per line`,
    );
    for (let k = 0; k < l.pairs; k++) {
      for (let j = 0; j < l.columns; j++) {
        const i = k * l.columns + j;
        for (const [polarity, levels, g] of [
          ['upper', l.upperLevels, l.upperSiemens],
          ['lower', l.lowerLevels, l.lowerSiemens],
        ] as const) {
          const target = levelConductance(device, levels[i]);
          yield {
            circuit,
            array: li,
            row: k,
            column: j,
            polarity,
            levelIndex: levels[i],
            targetSiemens: target,
            programmedSiemens: g ? g[i] : target,
          };
        }
      }
    }
  }
}

/** Validates file metadata, failing with a one-line error naming `source`. */
export function parseWeightMapMeta(value: unknown, source: string): WeightMapMeta {
  const r = WeightMapMetaSchema.safeParse(value);
  if (!r.success) fail(`${source}: invalid weight-map metadata: ${describeZodError(r.error)}`);
  const names = new Set<string>();
  for (const c of r.data.circuits) {
    ensure(!names.has(c.name), `${source}: two circuits are named '${c.name}'`);
    names.add(c.name);
    const idx = new Set<number>();
    for (const a of c.arrays) {
      ensure(!idx.has(a.index), `${source}: circuit '${c.name}' lists array ${a.index} twice`);
      idx.add(a.index);
    }
  }
  return r.data;
}

/** Circuit specs and expected device counts from file metadata (for {@link weightMapFromRecords}). */
export function specsFromMeta(meta: WeightMapMeta): { specs: CircuitSpec[]; expectedDevices: Map<string, Map<number, number>> } {
  const expectedDevices = new Map<string, Map<number, number>>();
  const specs = meta.circuits.map((c): CircuitSpec => {
    expectedDevices.set(c.name, new Map(c.arrays.map((a) => [a.index, a.devices])));
    return {
      name: c.name,
      kind: c.kind,
      device: c.device,
      seed: c.seed,
      ...(c.dnn ? { dnn: c.dnn } : {}),
      ...(c.info ? { info: c.info } : {}),
      arrays: c.arrays.map((a) => ({ index: a.index, ...(a.dnn ? { dnn: a.dnn } : {}), ...(a.info ? { info: a.info } : {}) })),
    };
  });
  return { specs, expectedDevices };
}
