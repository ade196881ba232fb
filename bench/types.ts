/** One figure measured by a benchmark. */
export interface BenchFigure {
  /** What was measured, e.g. "NNS+A training wall time". */
  name: string;
  value: number;
  /** Unit of `value`, e.g. "s", "images/s". */
  unit: string;
  /** Target from the issue or docs/reference.md, in the same unit, if any. */
  target?: number;
  /** Whether larger values are better (throughputs) or smaller (times). */
  better: 'higher' | 'lower';
  /** Free-form note (workload, configuration). */
  note?: string;
}

/** A benchmark section: a name and an async function producing figures. */
export interface BenchSection {
  name: string;
  run: () => Promise<BenchFigure[]>;
}
