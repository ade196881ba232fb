/**
 * The row layout of a passive-network layer: which row pairs a layer's crossbar has, in which
 * order, and what voltage each kind of row puts on its two lines. Training, refinement, the
 * compiled forward pass, trimming, SPICE export and the weight-map export all read the layout from
 * here, so a new row kind is added in this module (and where it gets its meaning) only.
 *
 * Order of the row pairs of a layer (see the module comment of `network.ts` for the physics):
 * 1. signal: the layer's inputs (layer 0: the external inputs, possibly several parallel rows per
 *    input; later layers: the previous layer's outputs h as pairs (h, VDD − h));
 * 2. bias: `biasRows` pairs (VDD, 0), on every layer;
 * 3. replica: `replicaRows` pairs (V_rep, V_rep), on inverter layers only;
 * 4. trim: `trimRows` pairs (trimVolts[0], trimVolts[1]), on inverter layers only.
 */

/** Default trim-row voltages (upper, lower line): divider taps 0.1 V either side of VDD/2, volts. */
export const DEFAULT_TRIM_VOLTS: [number, number] = [0.7, 0.5];

/** Kinds of row pair, in their order on a layer's crossbar. */
export const ROW_KINDS = ['signal', 'bias', 'replica', 'trim'] as const;

/** A kind of row pair. */
export type RowKind = (typeof ROW_KINDS)[number];

/** A kind of row pair at fixed line voltages (every kind but the signal rows). */
export type FixedRowKind = Exclude<RowKind, 'signal'>;

/** The fixed kinds, in their order after the signal rows. */
export const FIXED_ROW_KINDS: readonly FixedRowKind[] = ['bias', 'replica', 'trim'];

/** Row counts of a network (the fields of `PassiveNetwork`, `NetworkShape` and `NetworkInstance`). */
export interface RowCounts {
  /** Bias pairs per layer (default 1). */
  biasRows?: number;
  /** Replica-reference pairs per inverter layer (default 0). */
  replicaRows?: number;
  /** Trim pairs per inverter layer (default 0). */
  trimRows?: number;
}

/** What sets the fixed rows' line voltages: the supply, the replica reference and the trim taps. */
export interface FixedRowSettings extends RowCounts {
  vddVolts: number;
  /** Replica reference voltage, volts (absent: NaN on the replica rows, which then must not exist). */
  replicaVolts?: number;
  /** Trim rows' upper and lower line voltages, volts (default {@link DEFAULT_TRIM_VOLTS}). */
  trimVolts?: [number, number];
}

/** How each fixed kind is counted, which layers have it, its line voltages and its label. */
const FIXED_ROWS: Record<
  FixedRowKind,
  {
    count: (c: RowCounts) => number;
    /** Present on inverter layers only. */
    inverterOnly: boolean;
    /** Both lines tied to one node (its upper and lower devices are interchangeable). */
    sharedNode: boolean;
    volts: (s: FixedRowSettings) => [number, number];
    /** The lines' sources, for labels, e.g. `VDD, 0`. */
    lines: (s: Pick<FixedRowSettings, 'trimVolts'>) => string;
  }
> = {
  bias: { count: (c) => c.biasRows ?? 1, inverterOnly: false, sharedNode: false, volts: (s) => [s.vddVolts, 0], lines: () => 'VDD, 0' },
  replica: {
    count: (c) => c.replicaRows ?? 0,
    inverterOnly: true,
    sharedNode: true,
    volts: (s) => [s.replicaVolts ?? NaN, s.replicaVolts ?? NaN],
    lines: () => 'Vrep, Vrep',
  },
  trim: {
    count: (c) => c.trimRows ?? 0,
    inverterOnly: true,
    sharedNode: false,
    volts: (s) => s.trimVolts ?? DEFAULT_TRIM_VOLTS,
    lines: (s) => {
      const [hi, lo] = s.trimVolts ?? DEFAULT_TRIM_VOLTS;
      return `${hi} V, ${lo} V`;
    },
  },
};

/** The rows of one layer: count and first row pair of each kind, and the total. */
export interface LayerRowLayout {
  /** Row pairs of each kind. */
  counts: Record<RowKind, number>;
  /** First row pair of each kind (the end of the previous kind when there are none). */
  start: Record<RowKind, number>;
  /** Fixed row pairs (every kind but signal). */
  fixed: number;
  /** All row pairs of the layer. */
  pairs: number;
}

/** Row pairs of a fixed kind on a layer. */
export function fixedKindCount(kind: FixedRowKind, counts: RowCounts, inverter: boolean): number {
  const k = FIXED_ROWS[kind];
  return k.inverterOnly && !inverter ? 0 : k.count(counts);
}

/** Fixed row pairs (bias, replica, trim) of a layer. */
export function fixedRowCount(counts: RowCounts, inverter: boolean): number {
  let n = 0;
  for (const kind of FIXED_ROW_KINDS) n += fixedKindCount(kind, counts, inverter);
  return n;
}

/** The layout of a layer with `signalRows` signal row pairs. */
export function layerRowLayout(counts: RowCounts, signalRows: number, inverter: boolean): LayerRowLayout {
  const n = { signal: signalRows } as Record<RowKind, number>;
  const start = { signal: 0 } as Record<RowKind, number>;
  let at = signalRows;
  for (const kind of FIXED_ROW_KINDS) {
    n[kind] = fixedKindCount(kind, counts, inverter);
    start[kind] = at;
    at += n[kind];
  }
  return { counts: n, start, fixed: at - signalRows, pairs: at };
}

/** The layout of a layer of `pairs` row pairs in all (the signal rows are what the fixed rows leave). */
export function layerRowLayoutOfPairs(counts: RowCounts, pairs: number, inverter: boolean): LayerRowLayout {
  return layerRowLayout(counts, pairs - fixedRowCount(counts, inverter), inverter);
}

/** Row pair indices of one kind in a layer, in order. */
export function rowsOfKind(layout: LayerRowLayout, kind: RowKind): number[] {
  return Array.from({ length: layout.counts[kind] }, (_, r) => layout.start[kind] + r);
}

/** Kind of row pair `k` of a layer. */
export function rowKindAt(layout: LayerRowLayout, k: number): RowKind {
  for (let i = ROW_KINDS.length - 1; i > 0; i--)
    if (k >= layout.start[ROW_KINDS[i]] && layout.counts[ROW_KINDS[i]] > 0) return ROW_KINDS[i];
  return 'signal';
}

/** Line voltages (upper, lower) of the rows of a fixed kind, volts. */
export function fixedRowVolts(kind: FixedRowKind, settings: FixedRowSettings): [number, number] {
  return FIXED_ROWS[kind].volts(settings);
}

/** Whether both lines of a fixed kind's rows are tied to one node (so all its devices are interchangeable). */
export function fixedRowSharesNode(kind: FixedRowKind): boolean {
  return FIXED_ROWS[kind].sharedNode;
}

/** Label of row `index` (0-based within its kind) of a fixed kind, e.g. `bias 3 (VDD, 0)`. */
export function fixedRowLabel(kind: FixedRowKind, index: number, settings: Pick<FixedRowSettings, 'trimVolts'>): string {
  return `${kind} ${index} (${FIXED_ROWS[kind].lines(settings)})`;
}

/**
 * Line voltages of every row pair of a layer, one value per row pair and line: the fixed rows'
 * voltages, 0 on the signal rows (which carry the inputs).
 */
export function fixedRowLineVolts(settings: FixedRowSettings, layout: LayerRowLayout): { upper: Float64Array; lower: Float64Array } {
  const upper = new Float64Array(layout.pairs);
  const lower = new Float64Array(layout.pairs);
  for (const kind of FIXED_ROW_KINDS) {
    const [vu, vl] = fixedRowVolts(kind, settings);
    for (const k of rowsOfKind(layout, kind)) [upper[k], lower[k]] = [vu, vl];
  }
  return { upper, lower };
}

/**
 * Line voltages of every row pair of a layer, [batch × pairs] per line: the `width` signal rows
 * from `upper`/`lower` [batch × width], then the fixed rows in the layout's order.
 */
export function layerRowVoltages(
  rows: FixedRowSettings,
  inverter: boolean,
  upper: ArrayLike<number>,
  lower: ArrayLike<number>,
  width: number,
  batch: number,
): { upper: Float64Array; lower: Float64Array } {
  const layout = layerRowLayout(rows, width, inverter);
  const fixed = fixedRowLineVolts(rows, layout);
  const K = layout.pairs;
  const u = new Float64Array(batch * K);
  const l = new Float64Array(batch * K);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < width; k++) {
      u[b * K + k] = upper[b * width + k];
      l[b * K + k] = lower[b * width + k];
    }
    for (let k = width; k < K; k++) {
      u[b * K + k] = fixed.upper[k];
      l[b * K + k] = fixed.lower[k];
    }
  }
  return { upper: u, lower: l };
}
