// Seeded randomness for generators. Never Math.random: the same seed gives the same numbers.
//
// Reproducible on any machine: the integer steps are exact, +-*/ and sqrt are exact IEEE-754,
// and V8 computes Math.exp/log/log1p/expm1/cos with its own port of fdlibm (src/base/ieee754),
// not the operating system's libm, so Node, Electron and Chromium give the same bits on every OS.
// A test pins the output of one spec, so an engine that rounds differently would be caught.

/**
 * sfc32, Chris Doty-Humphrey's Small Fast Counting generator: 128 bits of uint32 state, passes
 * PractRand, a few integer operations per number, and its state is four numbers that fit in a
 * JSON snapshot.
 */
export class Sfc32 {
  // A typed array keeps the words unboxed int32s on every engine tier.
  private readonly words32 = new Int32Array(4);

  constructor(a: number, b: number, c: number, d: number) {
    this.words32.set([a, b, c, d]);
  }

  nextUint32(): number {
    const s = this.words32;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + (c << 3);
    s[2] = ((c << 21) | (c >>> 11)) + t;
    return t >>> 0;
  }

  /** Uniform in the open interval (0, 1), in steps of 2^-32: safe for log() and division. */
  nextOpenUnit(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /**
   * The next `count` nextOpenUnit numbers into `out` (from index 0), the same as `count` calls,
   * with the state in locals for the loop.
   */
  fillOpenUnits(out: Float64Array, count: number): void {
    const s = this.words32;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let i = 0; i < count; i += 1) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      out[i] = ((t >>> 0) + 0.5) / 4294967296;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  /** The state as four uint32 numbers, for a snapshot. */
  get words(): [number, number, number, number] {
    const s = this.words32;
    return [s[0]! >>> 0, s[1]! >>> 0, s[2]! >>> 0, s[3]! >>> 0];
  }
}

/** splitmix32's finaliser: a bijection on uint32 that spreads every input bit over the output. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Independent stream `stream` of `seed`. Each random process of a spec draws from its own stream,
 * so changing one component of a spec does not reshuffle the others.
 */
export function seededStream(seed: number, stream: number): Sfc32 {
  const key = mix32(mix32(seed) ^ Math.imul(stream + 1, 0x9e3779b9));
  const rng = new Sfc32(mix32(key + 1), mix32(key + 2), mix32(key + 3), 1);
  // The sfc32 author's advice: discard the first outputs so a weak seed is mixed in fully.
  for (let i = 0; i < 12; i += 1) rng.nextUint32();
  return rng;
}

export function restoreStream(words: readonly number[]): Sfc32 {
  return new Sfc32(words[0]!, words[1]!, words[2]!, words[3]!);
}

/**
 * Below this mean Poisson draws use inversion; from it on, PTRS. numpy switches at 10, but an
 * inversion search costs about what PTRS does up to a mean of ~64, and a repeated mean (a
 * constant rate) then draws from a guide table in a few steps. Inversion gives the same draw from
 * the table as from the search, so a restored cursor continues exactly.
 */
const PTRS_THRESHOLD = 64;
/** The largest number nextOpenUnit returns: an inversion search never looks past it. */
const MAX_OPEN_UNIT = (4294967295 + 0.5) / 4294967296;
/** Inversion stops here; below PTRS_THRESHOLD the chance of more is under 1e-30. */
const LAST_INVERSION_TERM = 220;
/** 1/k, so the inversion search multiplies instead of dividing. */
const RECIPROCALS = Float64Array.from({ length: LAST_INVERSION_TERM + 1 }, (_, k) => 1 / k);
/**
 * Buckets of the guide table: a draw starts its search at its bucket's first candidate. With this
 * many, few buckets hold a boundary between two outcomes, so most draws take one comparison.
 */
const GUIDE_BUCKETS = 4096;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const LOG_FACTORIAL_TABLE_SIZE = 32;
const logFactorialTable = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
for (let k = 2; k < LOG_FACTORIAL_TABLE_SIZE; k += 1) {
  logFactorialTable[k] = logFactorialTable[k - 1]! + Math.log(k);
}

/** ln(k!): a table for small k, Stirling's series for ln Γ(k + 1) beyond (error below 1e-13). */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[k]!;
  const x = k + 1;
  const inverseSquare = 1 / (x * x);
  return (
    (x - 0.5) * Math.log(x) -
    x +
    HALF_LOG_TWO_PI +
    (1 / 12 - inverseSquare * (1 / 360 - inverseSquare / 1260)) / x
  );
}

/**
 * The inversion table of one mean: cumulative probabilities term by term (the same sums in the
 * same order as the search) and a guide into them (Chen and Asau's indexed search). It depends on
 * the mean alone, so samplers at one mean share it.
 */
class InversionTable {
  readonly cumulative = new Float64Array(LAST_INVERSION_TERM + 1);
  readonly guide = new Int32Array(GUIDE_BUCKETS);
  /** The last term: the search stops there. */
  readonly last: number;

  constructor(mean: number) {
    const table = this.cumulative;
    let probability = Math.exp(-mean);
    let cumulative = probability;
    let k = 0;
    table[0] = cumulative;
    while (cumulative < MAX_OPEN_UNIT && k < LAST_INVERSION_TERM) {
      k += 1;
      probability *= mean * RECIPROCALS[k]!;
      cumulative += probability;
      table[k] = cumulative;
    }
    this.last = k;
    // guide[j]: the first term whose cumulative probability reaches j / GUIDE_BUCKETS.
    let first = 0;
    for (let j = 0; j < GUIDE_BUCKETS; j += 1) {
      while (first < k && table[first]! < j / GUIDE_BUCKETS) first += 1;
      this.guide[j] = first;
    }
  }
}

/** Tables by mean, few: a mean gets one only when it repeats slot after slot. */
const inversionTables = new Map<number, InversionTable>();
const MAX_INVERSION_TABLES = 64;

function inversionTable(mean: number): InversionTable {
  let table = inversionTables.get(mean);
  if (table === undefined) {
    if (inversionTables.size >= MAX_INVERSION_TABLES) inversionTables.clear();
    table = new InversionTable(mean);
    inversionTables.set(mean, table);
  }
  return table;
}

/**
 * Exact Poisson draws, the same for the same uniforms whatever was drawn before (so a restored
 * sampler continues exactly).
 * - Means below PTRS_THRESHOLD: inversion, one uniform each. The first draw at a mean searches the
 *   cumulative probabilities term by term; when the mean repeats (an unmodulated rate, slot after
 *   slot) they come from the mean's InversionTable, so a draw costs one or two comparisons. Both
 *   compute the same sums in the same order, hence the same result.
 * - From PTRS_THRESHOLD: Hörmann's PTRS transformed rejection (1993, as in numpy), two uniforms
 *   per try and about 1.1 tries; its set-up is kept while the mean repeats.
 */
export class PoissonSampler {
  private mean = Number.NaN;
  private expNegativeMean = 0;
  /** The mean of `table`, NaN before one is taken. */
  private tableMean = Number.NaN;
  private table: InversionTable | null = null;
  private b = 0;
  private a = 0;
  private vr = 0;
  private logMean = Number.NaN;
  private logInverseAlpha = 0;

  constructor(readonly rng: Sfc32) {}

  // Kept small so it inlines: passing a fractional number to a call that is not inlined boxes it.
  draw(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < PTRS_THRESHOLD) {
      if (mean === this.tableMean) return this.byTable();
      if (mean === this.mean) {
        this.takeTable();
        return this.byTable();
      }
      this.mean = mean;
      this.expNegativeMean = Math.exp(-mean);
      return this.bySearch();
    }
    if (mean !== this.mean) {
      this.mean = mean;
      this.prepareRejection();
    }
    return this.byTransformedRejection();
  }

  /**
   * `count` draws at one mean into `out` (from index 0): the same numbers as `count` calls of
   * draw. Below PTRS_THRESHOLD the uniforms come in one run and go through the table.
   */
  drawMany(mean: number, count: number, out: Float64Array): void {
    if (mean <= 0 || mean >= PTRS_THRESHOLD) {
      for (let i = 0; i < count; i += 1) out[i] = this.draw(mean);
      return;
    }
    if (mean !== this.tableMean) {
      this.mean = mean;
      this.expNegativeMean = Math.exp(-mean);
      this.takeTable();
    }
    this.rng.fillOpenUnits(out, count);
    const { cumulative, guide, last } = this.table!;
    for (let i = 0; i < count; i += 1) {
      const u = out[i]!;
      let k = guide[Math.floor(u * GUIDE_BUCKETS)]!;
      while (k < last && u > cumulative[k]!) k += 1;
      out[i] = k;
    }
  }

  private bySearch(): number {
    const mean = this.mean;
    const u = this.rng.nextOpenUnit();
    let probability = this.expNegativeMean;
    let cumulative = probability;
    let k = 0;
    while (u > cumulative && k < LAST_INVERSION_TERM) {
      k += 1;
      probability *= mean * RECIPROCALS[k]!;
      cumulative += probability;
    }
    return k;
  }

  private takeTable(): void {
    this.table = inversionTable(this.mean);
    this.tableMean = this.mean;
  }

  private byTable(): number {
    const u = this.rng.nextOpenUnit();
    const { cumulative, guide, last } = this.table!;
    let k = guide[Math.floor(u * GUIDE_BUCKETS)]!;
    while (k < last && u > cumulative[k]!) k += 1;
    return k;
  }

  private prepareRejection(): void {
    const mean = this.mean;
    this.b = 0.931 + 2.53 * Math.sqrt(mean);
    this.a = -0.059 + 0.02483 * this.b;
    this.vr = 0.9277 - 3.6224 / (this.b - 2);
    // The logarithms wait for the slow path: most draws return before it.
    this.logMean = Number.NaN;
  }

  private byTransformedRejection(): number {
    const { mean, a, b, vr } = this;
    for (;;) {
      const u = this.rng.nextOpenUnit() - 0.5;
      const v = this.rng.nextOpenUnit();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Number.isNaN(this.logMean)) {
        this.logMean = Math.log(mean);
        this.logInverseAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
      }
      const logAcceptance = Math.log(v) + this.logInverseAlpha - Math.log(a / (us * us) + b);
      if (logAcceptance <= -mean + k * this.logMean - logFactorial(k)) return k;
    }
  }
}
