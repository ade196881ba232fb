/**
 * Log-normal factors e^{σ·z}, z ~ N(0, 1), drawn from a generator in fixed chunks of 4096 normals
 * by Marsaglia's polar method ({@link Rng.fillStandardNormalPolar}). A hot loop reserves the
 * factors it may need ({@link LogNormalFactors.reserve}), reads them from `values` at `position`
 * on and advances `position` by the number it used: no call per draw, and no branch to skip a
 * draw. The sequence is the chunks in order whatever the reservations, so a stream read by several
 * calls is the same however the calls split it.
 */
export class LogNormalFactors {
  private static readonly CHUNK = 4096;
  /** The factors; those from `position` to the reserved end are unread. */
  values = new Float64Array(2 * LogNormalFactors.CHUNK);
  /** Index of the next unread factor in `values`. */
  position = 0;
  private end = 0;
  private readonly scratch = new Float64Array(LogNormalFactors.CHUNK);
  /** Draws factors with log-σ `sigma` from `rng` (which it then owns). */
  constructor(
    private readonly rng: Rng,
    private readonly sigma: number,
  ) {}
  /** Makes at least `count` unread factors available from `position` on (`values` may be replaced). */
  reserve(count: number): void {
    if (this.end - this.position >= count) return;
    const unread = this.values.subarray(this.position, this.end);
    const size = Math.max(this.values.length, count + LogNormalFactors.CHUNK);
    const values = size > this.values.length ? new Float64Array(2 * size) : this.values;
    values.set(unread, 0);
    let end = unread.length;
    while (end < count) {
      this.rng.fillStandardNormalPolar(this.scratch);
      for (let i = 0; i < this.scratch.length; i++) values[end + i] = Math.exp(this.sigma * this.scratch[i]);
      end += this.scratch.length;
    }
    this.values = values;
    this.position = 0;
    this.end = end;
  }
}

/** A generator's state: its seed, the four sfc32 words and the spare Box–Muller normal. */
export interface RngState {
  seed: number;
  words: number[];
  spareNormal: number | null;
}

/**
 * Seeded random numbers. Every stochastic part of a run draws from one {@link Rng} made from the
 * run's seed, through named forks, so that adding draws in one part does not shift another part's
 * stream and the same seed always gives the same result.
 *
 * The generator is sfc32 (Small Fast Counter, 128-bit state, passes PractRand/BigCrush), seeded
 * through splitmix32; normals use the Box–Muller transform. It is hand-written because bulk device
 * draws (millions per Monte Carlo draw) need a generator that fills typed arrays without a call per
 * number into a library with string-keyed state.
 */
export class Rng {
  /**
   * The sfc32 words a, b, c, d. An Int32Array rather than four number fields: the words leave the
   * small-integer range, and number fields would then hold boxed doubles (uniform() cost ≈ 10 ns
   * instead of ≈ 2 ns; the arithmetic, and so the stream, is the same).
   */
  private readonly w = new Int32Array(4);
  private spareNormal: number | null = null;
  /** The 32-bit seed this generator was made from. */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.seed = seed >>> 0;
    let s = this.seed;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (let i = 0; i < 4; i++) this.w[i] = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const w = this.w;
    const a = w[0];
    const b = w[1];
    const c = w[2];
    const d = w[3];
    const t = (((a + b) | 0) + d) | 0;
    w[3] = (d + 1) | 0;
    w[0] = b ^ (b >>> 9);
    w[1] = (c + (c << 3)) | 0;
    w[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** The generator's full state, to checkpoint a run ({@link Rng.restore} continues the stream from it). */
  state(): RngState {
    return { seed: this.seed, words: Array.from(this.w), spareNormal: this.spareNormal };
  }

  /** A generator that continues exactly where the one whose {@link Rng.state} this is stopped. */
  static restore(s: RngState): Rng {
    const r = new Rng(s.seed);
    r.w.set(s.words.map((w) => w | 0));
    r.spareNormal = s.spareNormal;
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = this.uniform();
    while (u <= 1e-300) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with N(mean, sd) draws and returns it. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, sd = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + sd * this.normal();
    return out;
  }

  /**
   * Fills `out` with N(0, 1) draws by Marsaglia's polar method and returns it: no trigonometry,
   * about twice as fast as {@link fillNormal} for bulk noise (a different stream from it).
   */
  fillStandardNormalPolar<T extends Float32Array | Float64Array>(out: T): T {
    let i = 0;
    while (i < out.length) {
      const x = 2 * this.uniform() - 1;
      const y = 2 * this.uniform() - 1;
      const q = x * x + y * y;
      if (q >= 1 || q === 0) continue;
      const f = Math.sqrt((-2 * Math.log(q)) / q);
      out[i++] = x * f;
      if (i < out.length) out[i++] = y * f;
    }
    return out;
  }

  /** Fills `out` with uniform draws in [lo, hi) and returns it. */
  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** A fresh seed for a library that takes its own seed (e.g. tfjs random ops). */
  nextSeed(): number {
    return this.nextUint32();
  }

  /**
   * An independent generator for a named part of the run. The child depends only on this
   * generator's seed and the label, never on how many numbers were drawn before.
   */
  fork(label: string): Rng {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) {
      h ^= label.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return new Rng((h ^ (h >>> 15)) >>> 0);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
