/**
 * Events of a simulated run that the cost model charges, counted while the simulator runs: per
 * crossbar layer, the input vectors and row tiles it drove (the structure every closed-form event
 * follows from), the A/D conversions its dataflow performed, and the data-dependent quantities —
 * the input slices that actually drive a row (a zero slice drives nothing: its DAC stays at 0 V and
 * the row draws no current, so it is not charged) and the crossbar's read drive Σ (v/V_read)²·G over
 * the programmed conductances of the driven rows.
 *
 * Counting is per batch and per row of input codes, through 256-entry tables of each code's
 * nonzero slices and squared slice levels: O(vectors × fan-in) per layer and batch, against the
 * O(vectors × fan-in × fan-out × slices) of the product itself. Raw counts carry their units in
 * their names, so the energy can be recomputed later with another component library.
 */

/** Counted events of one crossbar layer over a run's images (totals, not per inference). */
export interface LayerRunEvents {
  /** Input vectors driven: images × output positions. */
  inputVectors: number;
  /** Input-slice slots: vectors × fan-in × input cycles (one per row and input cycle). */
  inputSliceSlots: number;
  /** Slots whose slice is nonzero: the DAC conversions driven (one array column-tile of the row). */
  drivenSlices: number;
  /**
   * Σ over slots of (slice level / DAC full scale)² × the summed programmed conductance of the
   * row's occupied cells, siemens: × V_read² × t_read gives the crossbar's read energy.
   */
  driveSiemens: number;
  /** Σ over slots of (slice level / DAC full scale)² (the inputs' mean square drive × slots). */
  driveSquareSum: number;
  /** A/D conversions the dataflow performed. */
  conversions: number;
  /** Vectors × weight columns × row tiles: the (weight group, row tile) products. */
  groupProducts: number;
}

/** Zeroed events. */
export function zeroRunEvents(): LayerRunEvents {
  return { inputVectors: 0, inputSliceSlots: 0, drivenSlices: 0, driveSiemens: 0, driveSquareSum: 0, conversions: 0, groupProducts: 0 };
}

/** Adds `b` into `a`. */
export function addRunEvents(a: LayerRunEvents, b: LayerRunEvents): void {
  for (const k of Object.keys(a) as Array<keyof LayerRunEvents>) a[k] += b[k];
}

/** Per input code: nonzero slices and Σ (slice level / full scale)² over its input cycles. */
export interface SliceTables {
  inputCycles: number;
  nonzero: Float64Array;
  squareSum: Float64Array;
}

/** The tables of {@link SliceTables} for `inputBits`-bit codes driven `dacBits` bits per cycle. */
export function sliceTables(inputBits: number, dacBits: number): SliceTables {
  const inputCycles = Math.ceil(inputBits / dacBits);
  const codes = 2 ** inputBits;
  const full = 2 ** dacBits - 1;
  const nonzero = new Float64Array(codes);
  const squareSum = new Float64Array(codes);
  for (let q = 0; q < codes; q++) {
    for (let i = 0; i < inputCycles; i++) {
      const level = Math.floor(q / 2 ** (i * dacBits)) % (full + 1);
      if (level === 0) continue;
      nonzero[q]++;
      squareSum[q] += (level / full) ** 2;
    }
  }
  return { inputCycles, nonzero, squareSum };
}

/**
 * Adds the drive of `rows` input vectors of codes [rows × fanIn] into `ev`: slots, driven slices,
 * squared drive, and drive × `rowSiemens[k]` (the summed programmed conductance of fan-in row k).
 */
export function countDrive(
  ev: LayerRunEvents,
  t: SliceTables,
  codes: Uint8Array,
  rows: number,
  fanIn: number,
  rowSiemens: Float64Array,
): void {
  // Per fan-in row first: Σ over vectors of the code's tables, then weighted once by the row's conductance.
  let driven = 0;
  let square = 0;
  let siemens = 0;
  const colSquare = new Float64Array(fanIn);
  for (let r = 0; r < rows; r++) {
    const base = r * fanIn;
    for (let k = 0; k < fanIn; k++) {
      const q = codes[base + k];
      if (q === 0) continue;
      driven += t.nonzero[q];
      colSquare[k] += t.squareSum[q];
    }
  }
  for (let k = 0; k < fanIn; k++) {
    square += colSquare[k];
    siemens += colSquare[k] * rowSiemens[k];
  }
  ev.inputVectors += rows;
  ev.inputSliceSlots += rows * fanIn * t.inputCycles;
  ev.drivenSlices += driven;
  ev.driveSquareSum += square;
  ev.driveSiemens += siemens;
}
