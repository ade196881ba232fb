/**
 * DNN weights → RRAM crossbars (docs/reference.md §2.1, §3): bit slicing, differential columns, tiling
 * into fixed-size arrays, ISAAC's flip encoding, level indices → conductances, programming, and
 * the inverse (conductances → effective weight codes). This is the one mapper: the simulator
 * (`mapping/programmed-tiles.ts`, via {@link rowBlockLevels} and {@link programLevels}) and `npim export`
 * ({@link mapLayer}, {@link programMappedLayer}) slice, lay out and program weights here, with the
 * same random streams, so an exported map of draw K is the chip that draw K of the simulator ran.
 *
 * Weight representation (contract with the quantization code): a layer is an integer matrix of
 * codes [rows = fan-in] × [cols = fan-out], row-major, signed with `weightBits` (P_W) bits of
 * magnitude, i.e. integers in [−(2^P_W − 1), 2^P_W − 1]. A positive code puts its magnitude's bits
 * in the positive columns and zeros in the negative ones; a negative code the other way round.
 *
 * Layout. The magnitude is cut into S = ⌈P_W/P_R⌉ slices of P_R bits, least significant first.
 * Weight column j owns the G = 2S adjacent physical columns
 *
 *   global physical column j·G + 2s + p,   p = 0 for the positive (+), 1 for the negative (−) column
 *
 * i.e. the order per weight column is [slice0+, slice0−, slice1+, slice1−, …]. With 1-bit cells
 * and 8-bit weights a weight column takes 16 physical columns, 8 weight columns per 128 columns.
 *
 * Tiling. Weight rows are split into row blocks of `arrayRows`; physical columns into column
 * blocks of width B = ⌊arrayCols/G⌋·G when a group fits in an array (groups are never split;
 * B = arrayCols when G divides arrayCols, otherwise the remainder columns stay unused), and
 * B = arrayCols when a group is wider than an array (groups then continue in the next array).
 * Array `index` = rowBlock·colBlocks + colBlock. Inside an array, physical row r holds weight row
 * weightRowStart + r and physical column c holds global physical column physColumnStart + c.
 * Crosspoints of a partly filled array that carry no weight row or no mapped column are not
 * devices of the mapping (they are left unformed / at G_min and carry no signal).
 *
 * Flip encoding (ISAAC). A data column is flipped when its largest possible sum would need the
 * top bit of an ADC dimensioned for a full column, i.e. when
 *
 *   2·Σ_r v_r > arrayRows·(2^P_R − 1)        (v_r = the column's cell values)
 *
 * — with 1-bit cells in a full 128-row array: "more than half of its cells are 1". A flipped
 * column stores v̄ = (2^P_R − 1) − v in every cell, so after encoding every stored data column has
 * Σ_r v_r ≤ arrayRows·(2^P_R − 1)/2 and its largest sum fits in half the ADC range (one bit less).
 * With flip encoding on, every array gets one unit column: an extra physical column at index
 * `arrayCols` (the array is arrayRows × (arrayCols + 1)) holding level 1 (cell value 1) on every
 * used row, so it sums Σ_r x_r. A flipped column's true sum is recovered as
 * unitSum·(2^P_R − 1) − flippedSum ({@link recoverFlippedSum}).
 *
 * Random streams (the simulator's, shared by the exporter). Monte Carlo draw d of a run seeded N
 * has the seed {@link drawSeedOf}(N, d); the crossbar layer at index i of the network's layer list
 * draws from `new Rng(drawSeed).fork('layer<i>')` ({@link layerProgrammingRng}); row block b of the
 * layer (weight rows b·arrayRows …) from that stream forked `tile<b>` ({@link rowBlockStreamLabel}),
 * one value per device in row-major order over the row block's data devices on all physical
 * columns of the layer (global column order above; column blocks do not change it), then, with
 * flip encoding only, the block's unit cells array by array.
 */
import { z } from 'zod';
import { DNN_ARRAY_SIZE, DNN_BITS } from '../core/defaults.ts';
import { parseConfig } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import {
  gMinSiemens,
  levelConductance,
  nearestLevelIndex,
  programConductances,
  programConductancesInto,
  type RramConfig,
} from '../device/rram.ts';

/** Schema of the mapping options; defaults are docs/reference.md §1 (8-bit weights, 128 × 128, 1-bit cells). */
export const MappingOptionsSchema = z.object({
  /** P_W: bits of weight magnitude (codes in [−(2^P_W − 1), 2^P_W − 1]). At most 15 (Int16 codes). */
  weightBits: z.number().int().min(1).max(15).default(DNN_BITS),
  /** P_R: bits per RRAM cell (2^P_R conductance levels). */
  cellBits: z.number().int().min(1).max(8).default(1),
  /** Rows per crossbar array. */
  arrayRows: z.number().int().min(1).max(65536).default(DNN_ARRAY_SIZE),
  /** Data columns per crossbar array (the flip unit column comes on top). */
  arrayCols: z.number().int().min(1).max(65536).default(DNN_ARRAY_SIZE),
  /** ISAAC flip encoding with one unit column per array. */
  flip: z.boolean().default(false),
});

/** Validated mapping options. */
export type MappingOptions = z.output<typeof MappingOptionsSchema>;

/** Validates mapping options (missing fields take the defaults); bad values are a UserError. */
export function mappingOptions(input: Partial<MappingOptions> = {}): MappingOptions {
  return parseConfig(MappingOptionsSchema, input, 'mapping options');
}

/** A layer's integer weight codes, [rows = fan-in] × [cols = fan-out], row-major. */
export interface LayerWeights {
  /** Layer name; names the circuit in weight maps and labels the random streams. */
  name: string;
  /** Fan-in (crossbar rows). */
  rows: number;
  /** Fan-out (weight columns). */
  cols: number;
  /** Signed codes, normally an Int16Array from the quantizer; length rows·cols. */
  codes: ArrayLike<number>;
}

/**
 * The weights of a quantized crossbar layer of src/dnn (dense or conv2d: `weights` is the
 * `[fanIn × fanOut]` Int16Array of codes) as {@link LayerWeights}. Structural, so that mapping
 * does not depend on the DNN code.
 */
export function layerWeightsOf(layer: { name: string; fanIn: number; fanOut: number; weights: ArrayLike<number> }): LayerWeights {
  return { name: layer.name, rows: layer.fanIn, cols: layer.fanOut, codes: layer.weights };
}

/** Polarity of a data column: +1 for the positive column of a pair, −1 for the negative one. */
export type ColumnSign = 1 | -1;

/** One crossbar array of a mapped layer. */
export interface MappedArray {
  /** Index within the layer, rowBlock·colBlocks + colBlock. */
  index: number;
  rowBlock: number;
  colBlock: number;
  /** First weight row held (physical row 0). */
  weightRowStart: number;
  /** Used rows = weight rows held. */
  rows: number;
  /** Global physical column held by physical column 0. */
  physColumnStart: number;
  /** Used data columns (physical columns 0 … dataColumns − 1). */
  dataColumns: number;
  /** Whether the array has the flip unit column (physical column `arrayCols`). */
  hasUnitColumn: boolean;
  /** Stored columns: dataColumns, plus 1 for the unit column (stored last). */
  storedColumns: number;
  /** Weight column held by each data column. */
  columnWeight: Int32Array;
  /** Slice (0 = least significant) held by each data column. */
  columnSlice: Uint8Array;
  /** Polarity of each data column: +1 positive, −1 negative. */
  columnSign: Int8Array;
  /** 1 where a data column stores complemented cells, per data column. */
  flipped: Uint8Array;
  /** Level index (stored cell value, after flip encoding) of each device, [rows × storedColumns]. */
  levels: Uint8Array;
}

/** A layer mapped onto crossbar arrays. */
export interface MappedLayer {
  name: string;
  rows: number;
  cols: number;
  options: MappingOptions;
  /** S = ⌈P_W/P_R⌉ slices per weight. */
  slices: number;
  /** G = 2S physical data columns per weight column. */
  groupColumns: number;
  /** cols·G physical data columns in total. */
  physColumns: number;
  /** Width of a column block in physical columns (see the module doc). */
  blockColumns: number;
  rowBlocks: number;
  colBlocks: number;
  arrays: MappedArray[];
}

/** S = ⌈P_W/P_R⌉, the number of P_R-bit slices of a P_W-bit magnitude. */
export function sliceCount(weightBits: number, cellBits: number): number {
  return Math.ceil(weightBits / cellBits);
}

/** Largest cell value 2^P_R − 1 (the top level index). */
export function maxCellValue(cellBits: number): number {
  return 2 ** cellBits - 1;
}

/** Global physical column of (weight column, slice, sign) in the [s0+, s0−, s1+, s1−, …] order. */
export function physicalColumnOf(groupColumns: number, weightCol: number, slice: number, sign: ColumnSign): number {
  return weightCol * groupColumns + 2 * slice + (sign === 1 ? 0 : 1);
}

/** What a global physical data column holds: its weight column, slice and sign. */
export function columnRole(groupColumns: number, globalColumn: number): { weightCol: number; slice: number; sign: ColumnSign } {
  const weightCol = Math.floor(globalColumn / groupColumns);
  const rem = globalColumn - weightCol * groupColumns;
  return { weightCol, slice: rem >> 1, sign: (rem & 1) === 0 ? 1 : -1 };
}

/** Weight column, slice and sign of `count` data columns starting at global physical column `start`. */
export function columnRoles(
  groupColumns: number,
  start: number,
  count: number,
): Pick<MappedArray, 'columnWeight' | 'columnSlice' | 'columnSign'> {
  const columnWeight = new Int32Array(count);
  const columnSlice = new Uint8Array(count);
  const columnSign = new Int8Array(count);
  for (let c = 0; c < count; c++) {
    const r = columnRole(groupColumns, start + c);
    columnWeight[c] = r.weightCol;
    columnSlice[c] = r.slice;
    columnSign[c] = r.sign;
  }
  return { columnWeight, columnSlice, columnSign };
}

/** Physical column (within its array) of stored column `c`: data columns first, the unit column at `arrayCols`. */
export function physicalColumnIndex(
  layer: Pick<MappedLayer, 'options'>,
  array: Pick<MappedArray, 'dataColumns'>,
  storedColumn: number,
): number {
  return storedColumn < array.dataColumns ? storedColumn : layer.options.arrayCols;
}

/**
 * ISAAC's criterion: flip a column when its largest possible sum needs the top bit of an ADC
 * sized for a full column, i.e. when 2·Σ v > arrayRows·(2^P_R − 1).
 */
export function shouldFlip(cellValueSum: number, arrayRows: number, cellBits: number): boolean {
  return 2 * cellValueSum > arrayRows * maxCellValue(cellBits);
}

/**
 * A flipped column's true sum Σ x·v from its stored sum Σ x·v̄ and the unit column's sum Σ x:
 * unitSum·(2^P_R − 1) − flippedSum.
 */
export function recoverFlippedSum(unitColumnSum: number, flippedColumnSum: number, cellBits: number): number {
  return unitColumnSum * maxCellValue(cellBits) - flippedColumnSum;
}

/** Device and array counts of a mapping. */
export interface MappingCounts {
  slices: number;
  /** Physical data columns per weight column, 2·⌈P_W/P_R⌉. */
  columnsPerWeight: number;
  /** Physical data columns of the layer, cols·2·⌈P_W/P_R⌉. */
  physColumns: number;
  /** Whole weight groups per array, or null when a group is wider than an array. */
  groupsPerArray: number | null;
  rowBlocks: number;
  colBlocks: number;
  /** rowBlocks·colBlocks. */
  arrays: number;
  /** Unit columns (one per array with flip encoding, else 0). */
  unitColumns: number;
  /** rows·physColumns. */
  dataDevices: number;
  /** rows·colBlocks with flip encoding (one unit cell per used row of each array), else 0. */
  unitDevices: number;
  devices: number;
}

/**
 * Closed-form counts for a rows × cols layer: columns per weight 2·⌈P_W/P_R⌉, arrays
 * ⌈rows/arrayRows⌉·⌈physColumns/B⌉ with B the column-block width (= arrayCols when the group
 * width divides arrayCols, as for P_R = 1, 2, 4, 8 with 128 columns).
 */
export function mappingCounts(rows: number, cols: number, options: Partial<MappingOptions> = {}): MappingCounts {
  const o = mappingOptions(options);
  const slices = sliceCount(o.weightBits, o.cellBits);
  const columnsPerWeight = 2 * slices;
  const physColumns = cols * columnsPerWeight;
  const groupsPerArray = columnsPerWeight <= o.arrayCols ? Math.floor(o.arrayCols / columnsPerWeight) : null;
  const rowBlocks = Math.ceil(rows / o.arrayRows);
  const colBlocks = groupsPerArray === null ? Math.ceil(physColumns / o.arrayCols) : Math.ceil(cols / groupsPerArray);
  const arrays = rowBlocks * colBlocks;
  const dataDevices = rows * physColumns;
  const unitDevices = o.flip ? rows * colBlocks : 0;
  return {
    slices,
    columnsPerWeight,
    physColumns,
    groupsPerArray,
    rowBlocks,
    colBlocks,
    arrays,
    unitColumns: o.flip ? arrays : 0,
    dataDevices,
    unitDevices,
    devices: dataDevices + unitDevices,
  };
}

/** Devices, arrays and columns counted from an actual mapping (compare with {@link mappingCounts}). */
export function countMappedDevices(layer: MappedLayer): {
  arrays: number;
  dataColumns: number;
  unitColumns: number;
  dataDevices: number;
  unitDevices: number;
  devices: number;
} {
  let dataColumns = 0;
  let unitColumns = 0;
  let dataDevices = 0;
  let unitDevices = 0;
  for (const a of layer.arrays) {
    dataColumns += a.dataColumns;
    dataDevices += a.rows * a.dataColumns;
    if (a.hasUnitColumn) {
      unitColumns++;
      unitDevices += a.rows;
    }
  }
  return { arrays: layer.arrays.length, dataColumns, unitColumns, dataDevices, unitDevices, devices: dataDevices + unitDevices };
}

/** Geometry of a mapping, without cell contents. */
export interface LayerGeometry {
  slices: number;
  groupColumns: number;
  physColumns: number;
  blockColumns: number;
  rowBlocks: number;
  colBlocks: number;
  arrays: Array<Pick<MappedArray, 'index' | 'rowBlock' | 'colBlock' | 'weightRowStart' | 'rows' | 'physColumnStart' | 'dataColumns'>>;
}

/** The tiling of a rows × cols layer (see the module doc); pure geometry. */
export function layerGeometry(rows: number, cols: number, o: MappingOptions): LayerGeometry {
  ensure(
    Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0,
    `layer shape must be positive integers, got ${rows} × ${cols}`,
  );
  const slices = sliceCount(o.weightBits, o.cellBits);
  const groupColumns = 2 * slices;
  const physColumns = cols * groupColumns;
  // Whole groups per array when a group fits, so one weight's columns share an array (and its
  // shift-and-add unit); otherwise fill arrays contiguously.
  const blockColumns = groupColumns <= o.arrayCols ? Math.floor(o.arrayCols / groupColumns) * groupColumns : o.arrayCols;
  const rowBlocks = Math.ceil(rows / o.arrayRows);
  const colBlocks = Math.ceil(physColumns / blockColumns);
  const arrays: LayerGeometry['arrays'] = [];
  for (let rb = 0; rb < rowBlocks; rb++) {
    for (let cb = 0; cb < colBlocks; cb++) {
      const weightRowStart = rb * o.arrayRows;
      const physColumnStart = cb * blockColumns;
      arrays.push({
        index: rb * colBlocks + cb,
        rowBlock: rb,
        colBlock: cb,
        weightRowStart,
        rows: Math.min(o.arrayRows, rows - weightRowStart),
        physColumnStart,
        dataColumns: Math.min(blockColumns, physColumns - physColumnStart),
      });
    }
  }
  return { slices, groupColumns, physColumns, blockColumns, rowBlocks, colBlocks, arrays };
}

/** Checks a layer's codes: shape, integers, range ±(2^P_W − 1). */
export function validateWeightCodes(w: LayerWeights, weightBits: number): void {
  ensure(typeof w.name === 'string' && w.name.length > 0, 'layer name must be a non-empty string');
  ensure(
    Number.isInteger(w.rows) && w.rows > 0 && Number.isInteger(w.cols) && w.cols > 0,
    `layer ${w.name}: shape must be positive integers, got ${w.rows} × ${w.cols}`,
  );
  ensure(
    w.codes.length === w.rows * w.cols,
    `layer ${w.name}: ${w.codes.length} weight codes for a ${w.rows} × ${w.cols} matrix, expected ${w.rows * w.cols}`,
  );
  const max = 2 ** weightBits - 1;
  for (let i = 0; i < w.codes.length; i++) {
    const c = w.codes[i];
    if (!Number.isInteger(c) || c < -max || c > max) {
      fail(
        `layer ${w.name}: weight code at row ${Math.floor(i / w.cols)}, column ${i % w.cols} is ${c}, expected an integer in [${-max}, ${max}] (P_W = ${weightBits})`,
      );
    }
  }
}

/**
 * Maps a layer's weight codes onto crossbar arrays: slicing, differential columns, tiling and
 * (optionally) flip encoding. Returns the level index of every device; conductances come from
 * {@link targetConductances} / {@link programMappedLayer}.
 */
export function mapLayer(weights: LayerWeights, options: Partial<MappingOptions> = {}): MappedLayer {
  const o = mappingOptions(options);
  validateWeightCodes(weights, o.weightBits);
  const { rows, cols, codes } = weights;
  const geo = layerGeometry(rows, cols, o);
  const { groupColumns: G, physColumns } = geo;
  const pr = o.cellBits;
  const mask = maxCellValue(pr);
  // Cell values of a row block on all physical columns (the simulator's tile), cut into arrays;
  // arrays come row block by row block, so one block is kept at a time.
  let block: { rowBlock: number; levels: Uint8Array } = { rowBlock: -1, levels: new Uint8Array(0) };
  const blockLevels = (rb: number): Uint8Array => {
    if (block.rowBlock !== rb) {
      const rowStart = rb * o.arrayRows;
      block = { rowBlock: rb, levels: rowBlockLevels(codes, cols, rowStart, Math.min(o.arrayRows, rows - rowStart), o.weightBits, pr) };
    }
    return block.levels;
  };
  const arrays: MappedArray[] = geo.arrays.map((g) => {
    const hasUnitColumn = o.flip;
    const storedColumns = g.dataColumns + (hasUnitColumn ? 1 : 0);
    const levels = new Uint8Array(g.rows * storedColumns);
    const flipped = new Uint8Array(g.dataColumns);
    const roles = columnRoles(G, g.physColumnStart, g.dataColumns);
    const levelsOfBlock = blockLevels(g.rowBlock);
    for (let c = 0; c < g.dataColumns; c++) {
      let sum = 0;
      for (let r = 0; r < g.rows; r++) {
        const v = levelsOfBlock[r * physColumns + g.physColumnStart + c];
        levels[r * storedColumns + c] = v;
        sum += v;
      }
      if (o.flip && shouldFlip(sum, o.arrayRows, pr)) {
        flipped[c] = 1;
        for (let r = 0; r < g.rows; r++) levels[r * storedColumns + c] = mask - levels[r * storedColumns + c];
      }
    }
    if (hasUnitColumn) for (let r = 0; r < g.rows; r++) levels[r * storedColumns + g.dataColumns] = 1;
    return { ...g, hasUnitColumn, storedColumns, ...roles, flipped, levels };
  });
  return {
    name: weights.name,
    rows,
    cols,
    options: o,
    slices: geo.slices,
    groupColumns: G,
    physColumns,
    blockColumns: geo.blockColumns,
    rowBlocks: geo.rowBlocks,
    colBlocks: geo.colBlocks,
    arrays,
  };
}

/**
 * Bit slicing and the differential layout of one row block: the cell values (level indices before
 * flip encoding) of weight rows rowStart … rowStart + rows − 1 on every physical data column of the
 * layer, row-major [rows × cols·2S], global column j·2S + 2s + p (module doc). A positive code puts
 * its magnitude's P_R-bit slices in the + columns, a negative one in the − columns; the other
 * column of the pair holds 0. Codes are not validated here (the simulator's hot path; see
 * {@link validateWeightCodes}): bits above P_W are dropped.
 */
export function rowBlockLevels(
  codes: ArrayLike<number>,
  cols: number,
  rowStart: number,
  rows: number,
  weightBits: number,
  cellBits: number,
): Uint8Array {
  const slices = sliceCount(weightBits, cellBits);
  const width = cols * 2 * slices;
  const mask = maxCellValue(cellBits);
  const out = new Uint8Array(rows * width);
  for (let k = 0; k < rows; k++) {
    for (let j = 0; j < cols; j++) {
      const w = codes[(rowStart + k) * cols + j];
      if (w === 0) continue;
      const p = w < 0 ? 1 : 0;
      const mag = Math.abs(w);
      for (let s = 0; s < slices; s++) out[k * width + (j * slices + s) * 2 + p] = (mag >> (cellBits * s)) & mask;
    }
  }
  return out;
}

/** Fails unless `device` has levelBits = P_R of the layer (the cell the level indices refer to). */
function ensureCellBits(layer: MappedLayer, device: RramConfig): void {
  ensure(
    device.levelBits === layer.options.cellBits,
    `layer ${layer.name}: device has ${device.levelBits}-bit cells but the layer is mapped with P_R = ${layer.options.cellBits}; set levelBits = ${layer.options.cellBits}`,
  );
}

/** The device configuration for a mapping: `device` with levelBits = P_R. */
export function dnnDeviceConfig(device: RramConfig, cellBits: number): RramConfig {
  return { ...device, levelBits: cellBits };
}

/** Target conductance of every level index, siemens (lookup table). */
function levelTable(device: RramConfig): Float64Array {
  const t = new Float64Array(2 ** device.levelBits);
  for (let i = 0; i < t.length; i++) t[i] = levelConductance(device, i);
  return t;
}

/** Target conductances of one array's devices ([rows × storedColumns]), siemens. */
export function arrayTargetSiemens(array: MappedArray, device: RramConfig): Float64Array {
  const table = levelTable(device);
  const out = new Float64Array(array.levels.length);
  for (let i = 0; i < out.length; i++) out[i] = table[array.levels[i]];
  return out;
}

/** Target conductances of every array of a layer, siemens (device.levelBits must equal P_R). */
export function targetConductances(layer: MappedLayer, device: RramConfig): Float64Array[] {
  ensureCellBits(layer, device);
  return layer.arrays.map((a) => arrayTargetSiemens(a, device));
}

/** A mapped layer with the conductances its devices hold after programming. */
export interface ProgrammedLayer {
  layer: MappedLayer;
  /** The cell model (levelBits = P_R). */
  device: RramConfig;
  /** Seed recorded with the devices: the run's seed (`--seed`) when programmed for a draw of it. */
  seed: number;
  /** Programmed conductance of every device, per array, [rows × storedColumns], siemens. */
  programmedSiemens: Float64Array[];
}

/**
 * Seed of Monte Carlo draw `draw` of a run seeded `runSeed`: the generator every random stream of
 * the draw forks from (device programming here; peripherals and read noise in the simulator).
 */
export function drawSeedOf(runSeed: number, draw: number): number {
  return new Rng(runSeed).fork(`draw${draw}`).nextSeed();
}

/** The programming stream of the crossbar layer at `layerIndex` of the network's layer list in a draw. */
export function layerProgrammingRng(drawSeed: number, layerIndex: number): Rng {
  return new Rng(drawSeed).fork(`layer${layerIndex}`);
}

/** Label of the stream (forked from the layer's) that programs row block `rowBlock`: `tile<rowBlock>`. */
export function rowBlockStreamLabel(rowBlock: number): string {
  return `tile${rowBlock}`;
}

/** Target and programmed conductances of a sequence of devices, siemens. */
export interface ProgrammedDevices {
  targetSiemens: Float64Array;
  programmedSiemens: Float64Array;
}

/**
 * Programs devices with level indices `levels`, in order, from `rng` (one stream value per device
 * as the device model draws it: persistent variation, stuck-at faults, drift).
 */
export function programLevels(levels: ArrayLike<number>, device: RramConfig, rng: Rng): ProgrammedDevices {
  const table = levelTable(device);
  const targetSiemens = new Float64Array(levels.length);
  for (let i = 0; i < targetSiemens.length; i++) targetSiemens[i] = table[levels[i]];
  return { targetSiemens, programmedSiemens: programConductances(targetSiemens, device, rng) };
}

/**
 * Programs every device of a mapped layer with the device model (persistent variation, stuck-at
 * faults, drift), from the layer's stream `layerRng` (the simulator's: {@link layerProgrammingRng})
 * forked per row block as the module doc says: without flip encoding each row block is programmed
 * exactly as the simulator programs its tile, whatever the column blocking. `seed` is recorded
 * with the result (default: the stream's own seed).
 */
export function programMappedLayer(layer: MappedLayer, device: RramConfig, layerRng: Rng, seed = layerRng.seed): ProgrammedLayer {
  ensureCellBits(layer, device);
  const programmedSiemens = layer.arrays.map((a) => new Float64Array(a.levels.length));
  const width = layer.physColumns;
  const table = levelTable(device);
  for (let rb = 0; rb < layer.rowBlocks; rb++) {
    const members = layer.arrays.flatMap((a, ai) => (a.rowBlock === rb ? [ai] : []));
    const rows = layer.arrays[members[0]].rows;
    // The row block's devices in stream order, one physical row at a time (programConductances
    // draws per device in order, so consecutive calls on one generator equal one call on the
    // whole block): data devices of each row across the arrays, then the unit cells.
    const rng = layerRng.fork(rowBlockStreamLabel(rb));
    // Arrays in physical-column order tile the row; programming each one's segment of a row in
    // that order draws the stream exactly as one call on the whole row, straight into place.
    const ordered = [...members].sort((x, y) => layer.arrays[x].physColumnStart - layer.arrays[y].physColumnStart);
    let next = 0;
    for (const ai of ordered) {
      ensure(layer.arrays[ai].physColumnStart === next, `row block ${rb}: arrays do not tile the physical columns`);
      next += layer.arrays[ai].dataColumns;
    }
    ensure(next === width, `row block ${rb}: arrays cover ${next} of ${width} physical columns`);
    const target = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      for (const ai of ordered) {
        const { levels, storedColumns, dataColumns } = layer.arrays[ai];
        const base = r * storedColumns;
        for (let c = 0; c < dataColumns; c++) target[c] = table[levels[base + c]];
        programConductancesInto(target.subarray(0, dataColumns), device, rng, programmedSiemens[ai].subarray(base, base + dataColumns));
      }
    }
    for (const ai of members) {
      const a = layer.arrays[ai];
      if (!a.hasUnitColumn) continue;
      const W = a.storedColumns;
      const units = Float64Array.from({ length: rows }, (_, r) => table[a.levels[r * W + a.dataColumns]]);
      const g = programConductances(units, device, rng);
      for (let r = 0; r < rows; r++) programmedSiemens[ai][r * W + a.dataColumns] = g[r];
    }
  }
  return { layer, device, seed, programmedSiemens };
}

/** How a network's crossbars are programmed: the simulator's configuration and one of its draws. */
export interface DrawProgramming {
  /** The crossbar cell with its variation (the simulation configuration's `device`); P_R = levelBits. */
  device: RramConfig;
  /** Rows (and columns) of an array (the simulation configuration's `arrayRows`). */
  arrayRows: number;
  /** Seed of the run (`--seed` of `npim simulate`). */
  seed: number;
  /** Monte Carlo draw, 0-based (the index of the simulator's `accuracyPerDraw`). */
  draw: number;
}

/**
 * Maps and programs the crossbar layers of a network as draw `o.draw` of a run seeded `o.seed`
 * programs them: `index` is the layer's position in the network's layer list (it names the
 * layer's stream). 8-bit weights, no flip encoding, arrayRows × arrayRows arrays.
 */
export function programDrawLayers(layers: ReadonlyArray<{ index: number; weights: LayerWeights }>, o: DrawProgramming): ProgrammedLayer[] {
  const options = mappingOptions({ weightBits: 8, cellBits: o.device.levelBits, arrayRows: o.arrayRows, arrayCols: o.arrayRows });
  const drawSeed = drawSeedOf(o.seed, o.draw);
  return layers.map(({ index, weights }) =>
    programMappedLayer(mapLayer(weights, options), o.device, layerProgrammingRng(drawSeed, index), o.seed),
  );
}

/** How conductances are turned back into cell values by {@link unmapToWeights}. */
export type UnmapRounding = 'continuous' | 'nearest';

/** Continuous cell value of a conductance: (g − G_min)/(G_max − G_min)·(2^bits − 1). */
export function cellValueOf(device: RramConfig, gSiemens: number): number {
  const gMin = gMinSiemens(device);
  return ((gSiemens - gMin) / (device.gMaxSiemens - gMin)) * (2 ** device.levelBits - 1);
}

/**
 * Inverse mapping: conductances → effective weight codes, [rows × cols] row-major.
 *
 * Each cell's value is read from its conductance (`continuous`: (g − G_min)/(G_max − G_min)·
 * (2^P_R − 1); `nearest`: the nearest level index), flipped cells are decoded the way the
 * hardware recovers them, u·(2^P_R − 1) − v̄ with u the unit cell of the same row (ideally 1), and
 * the slices and polarities recombine as Σ_s 2^(P_R·s)·(v⁺_s − v⁻_s). With nominal devices,
 * `nearest` returns the original codes exactly and `continuous` returns them up to float rounding.
 *
 * @param conductancesSiemens per array, [rows × storedColumns] (programmed or target)
 */
export function unmapToWeights(
  layer: MappedLayer,
  conductancesSiemens: ReadonlyArray<ArrayLike<number>>,
  device: RramConfig,
  rounding: UnmapRounding = 'continuous',
): Float64Array {
  ensureCellBits(layer, device);
  ensure(
    conductancesSiemens.length === layer.arrays.length,
    `layer ${layer.name}: conductances for ${conductancesSiemens.length} arrays, expected ${layer.arrays.length}`,
  );
  const m = maxCellValue(layer.options.cellBits);
  const value = rounding === 'nearest' ? (g: number) => nearestLevelIndex(device, g) : (g: number) => cellValueOf(device, g);
  const out = new Float64Array(layer.rows * layer.cols);
  layer.arrays.forEach((a, ai) => {
    const g = conductancesSiemens[ai];
    ensure(g.length === a.levels.length, `layer ${layer.name} array ${a.index}: ${g.length} conductances, expected ${a.levels.length}`);
    const W = a.storedColumns;
    for (let c = 0; c < a.dataColumns; c++) {
      const weightCol = a.columnWeight[c];
      const scale = a.columnSign[c] * 2 ** (layer.options.cellBits * a.columnSlice[c]);
      const flipped = a.flipped[c] === 1;
      for (let r = 0; r < a.rows; r++) {
        let v = value(g[r * W + c]);
        if (flipped) v = value(g[r * W + a.dataColumns]) * m - v;
        out[(a.weightRowStart + r) * layer.cols + weightCol] += scale * v;
      }
    }
  });
  return out;
}

/**
 * Column sums of one array for a batch of inputs: Σ_r x_r·v_rc over the stored cell values
 * (including the unit column), [batch × storedColumns]. `x` is [batch × array.rows].
 */
export function arrayColumnSums(array: MappedArray, x: ArrayLike<number>, batch = 1): Float64Array {
  const W = array.storedColumns;
  const out = new Float64Array(batch * W);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < array.rows; r++) {
      const xr = x[b * array.rows + r];
      if (xr === 0) continue;
      const row = r * W;
      for (let c = 0; c < W; c++) out[b * W + c] += xr * array.levels[row + c];
    }
  }
  return out;
}

/**
 * The layer's product x·W computed the way the crossbars compute it, with ideal devices and
 * exact converters: per array the column sums of the stored cells, flipped columns recovered
 * through the unit column, shift-and-add over slices (2^(P_R·s)), positive minus negative column,
 * and addition of the partial results of all row blocks. `x` is [batch × rows]; returns
 * [batch × cols].
 */
export function mappedProduct(layer: MappedLayer, x: ArrayLike<number>, batch = 1): Float64Array {
  ensure(x.length === batch * layer.rows, `layer ${layer.name}: input has ${x.length} values, expected ${batch} × ${layer.rows}`);
  const out = new Float64Array(batch * layer.cols);
  for (const a of layer.arrays) {
    const xa = new Float64Array(batch * a.rows);
    for (let b = 0; b < batch; b++) for (let r = 0; r < a.rows; r++) xa[b * a.rows + r] = x[b * layer.rows + a.weightRowStart + r];
    const sums = arrayColumnSums(a, xa, batch);
    for (let b = 0; b < batch; b++) {
      const base = b * a.storedColumns;
      for (let c = 0; c < a.dataColumns; c++) {
        let s = sums[base + c];
        if (a.flipped[c] === 1) s = recoverFlippedSum(sums[base + a.dataColumns], s, layer.options.cellBits);
        out[b * layer.cols + a.columnWeight[c]] += a.columnSign[c] * 2 ** (layer.options.cellBits * a.columnSlice[c]) * s;
      }
    }
  }
  return out;
}
