// A spec compiled for speed. Modifiers act on expected rates, and each slot's randomness is drawn
// once at the end: every modifier computes its own rate factor for the slot; every rate leaf
// contributes its expected units per slot times the factors of the modifiers above it; then
// the constant leaves' expectation goes through one exact carry, the Poisson leaves' expectation
// through one Poisson draw (a sum of independent Poisson arrivals is Poisson with the summed
// mean), and seat counts are added as they are.
import { invalidRequest } from '../../values/errors';
import { PoissonSampler, restoreStream, seededStream } from './random';
import type { Sfc32 } from './random';
import { DEFAULT_RESOLUTION_SECONDS } from './spec';
import type { GeneratorSpec, PatternSpec, SeasonalityPattern } from '../../public/types';

const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
/** 1970-01-01 was a Thursday: index 3 counting from Monday. */
const EPOCH_WEEKDAY = 3;
/**
 * Saturation of a slot's expected units, for the constant and the Poisson leaves each, so that
 * runaway exponential growth still yields quantities far below 2^53.
 */
export const MAX_EXPECTED_PER_SLOT = 1e12;
/** Absorbs binary rounding (0.1 x 10 = 0.9999...) so constant totals come out whole. */
const CARRY_EPSILON = 1e-9;

/** The chance of at least one event in a slot, from a chance per hour. */
function chancePerSlot(probabilityPerHour: number, hoursPerSlot: number): number {
  return -Math.expm1(hoursPerSlot * Math.log1p(-probabilityPerHour));
}

class Growth {
  constructor(
    readonly modifier: number,
    private readonly exponential: boolean,
    /** linear: rate per slot; exponential: ln(1 + rate) per slot. */
    private readonly perSlot: number,
  ) {}

  applyAt(slot: number, factors: Float64Array): void {
    const elapsed = this.perSlot * slot;
    factors[this.modifier] = this.exponential ? Math.exp(elapsed) : Math.max(0, 1 + elapsed);
  }
}

/**
 * Daily and weekly factors repeat every 7 days, which is a whole number of slots because the
 * slot length divides a day: one table lookup per slot, no trigonometry or division.
 */
class Seasonality {
  private readonly weekOfFactors: Float64Array;

  constructor(
    readonly modifier: number,
    pattern: SeasonalityPattern,
    start: number,
    resolution: number,
  ) {
    const amplitude = pattern.daily?.amplitude ?? 0;
    const peakSecond = (pattern.daily?.peakHourUtc ?? 0) * SECONDS_PER_HOUR;
    const weights = pattern.weekly?.weights ?? [1, 1, 1, 1, 1, 1, 1];
    const meanWeight = weights.reduce((sum, weight) => sum + weight, 0) / weights.length;
    this.weekOfFactors = new Float64Array((7 * SECONDS_PER_DAY) / resolution);
    for (let slot = 0; slot < this.weekOfFactors.length; slot += 1) {
      const time = start + slot * resolution;
      const day = Math.floor(time / SECONDS_PER_DAY);
      const fromPeak = time - day * SECONDS_PER_DAY - peakSecond;
      const daily = 1 + amplitude * Math.cos((2 * Math.PI * fromPeak) / SECONDS_PER_DAY);
      const weekday = (day + EPOCH_WEEKDAY) % 7;
      this.weekOfFactors[slot] = (daily * weights[weekday]!) / meanWeight;
    }
  }

  applyAt(slot: number, factors: Float64Array): void {
    factors[this.modifier] = this.weekOfFactors[slot % this.weekOfFactors.length]!;
  }
}

class Bursts {
  remainingSlots = 0;

  constructor(
    readonly modifier: number,
    readonly rng: Sfc32,
    private readonly onsetChance: number,
    private readonly slotsPerBurst: number,
    private readonly multiplier: number,
  ) {}

  applyNext(factors: Float64Array): void {
    if (this.remainingSlots > 0) {
      this.remainingSlots -= 1;
      factors[this.modifier] = this.multiplier;
    } else if (this.rng.nextOpenUnit() < this.onsetChance) {
      // Onsets are drawn only outside a burst, so bursts never overlap.
      this.remainingSlots = this.slotsPerBurst - 1;
      factors[this.modifier] = this.multiplier;
    } else {
      factors[this.modifier] = 1;
    }
  }
}

class SeatWalk {
  constructor(
    public count: number,
    readonly rng: Sfc32,
    private readonly min: number,
    private readonly max: number,
    private readonly stepChance: number,
    private readonly maxStep: number,
  ) {}

  /** The count during this slot; then maybe one step, by 1..maxStep up or down, clamped. */
  countThenStep(): number {
    const current = this.count;
    if (this.rng.nextOpenUnit() < this.stepChance) {
      const pick = Math.floor(this.rng.nextOpenUnit() * 2 * this.maxStep);
      const step = pick < this.maxStep ? pick - this.maxStep : pick - this.maxStep + 1;
      this.count = Math.min(this.max, Math.max(this.min, current + step));
    }
    return current;
  }
}

/** Rate leaves of one kind under the same modifiers, merged: their rates simply add. */
class RateTerm {
  constructor(
    public unitsPerSlot: number,
    readonly modifiers: Int32Array,
  ) {}
}

/** The mutable part of a program, as plain JSON. */
export interface ProgramState {
  /** Fraction of a unit owed by the constant leaves, in [-1e-9, 1). */
  carry: number;
  /** Slots left in the current burst, per bursts pattern in spec order. */
  bursts: number[];
  /** The count of the next slot, per seats pattern in spec order. */
  seats: number[];
  /** Four uint32 words per random stream: the final draw's, then each bursts' or seats' in spec order. */
  rng: number[];
}

export class UsageProgram {
  private readonly factors: Float64Array;
  private readonly growths: Growth[] = [];
  private readonly seasonalities: Seasonality[] = [];
  private readonly bursts: Bursts[] = [];
  private readonly seatWalks: SeatWalk[] = [];
  private readonly streams: Sfc32[] = [];
  private readonly constantTerms: RateTerm[];
  private readonly poissonTerms: RateTerm[];
  private readonly sampler: PoissonSampler;
  private carry = 0;
  /**
   * The expected units of every slot when the spec is one Poisson rate and nothing else (no
   * modifier, constant or seats): then slots can be drawn many at a time. NaN otherwise.
   */
  readonly steadyPoissonMean: number;

  /**
   * `spec` must be valid (see parseGeneratorSpec) and `start` is its first slot's time. With
   * `state` (taken from a program of the same spec and start) it continues from there.
   */
  constructor(spec: GeneratorSpec, start: number, state?: ProgramState) {
    const resolution = spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
    const hoursPerSlot = resolution / SECONDS_PER_HOUR;
    const constantTerms = new Map<string, RateTerm>();
    const poissonTerms = new Map<string, RateTerm>();
    let modifierCount = 0;
    let nodeIndex = 0;
    const addTerm = (terms: Map<string, RateTerm>, perHour: number, modifiers: number[]): void => {
      const key = modifiers.join(',');
      const term = terms.get(key);
      if (term) term.unitsPerSlot += perHour * hoursPerSlot;
      else terms.set(key, new RateTerm(perHour * hoursPerSlot, Int32Array.from(modifiers)));
    };
    // Each random process draws from its own stream, seeded by its place in the spec (the final
    // draw's is 0), so that editing a rate leaves the bursts and seat walks as they were.
    const newStream = (): Sfc32 => {
      const index = this.streams.length;
      const rng = state
        ? restoreStream(state.rng.slice(4 * index, 4 * index + 4))
        : seededStream(spec.seed, nodeIndex);
      this.streams.push(rng);
      return rng;
    };
    this.sampler = new PoissonSampler(newStream());

    const compile = (pattern: PatternSpec, modifiers: number[]): void => {
      nodeIndex += 1;
      switch (pattern.kind) {
        case 'constant':
          addTerm(constantTerms, pattern.perHour, modifiers);
          return;
        case 'poisson':
          addTerm(poissonTerms, pattern.meanPerHour, modifiers);
          return;
        case 'seats':
          this.seatWalks.push(
            new SeatWalk(
              pattern.initial,
              newStream(),
              pattern.min ?? 0,
              pattern.max ?? Number.POSITIVE_INFINITY,
              chancePerSlot(pattern.stepProbabilityPerHour, hoursPerSlot),
              pattern.maxStep,
            ),
          );
          return;
        case 'sum':
          for (const component of pattern.components) compile(component, modifiers);
          return;
        case 'growth': {
          const modifier = modifierCount++;
          const exponential = pattern.mode === 'exponential';
          const perDay = exponential ? Math.log1p(pattern.ratePerDay) : pattern.ratePerDay;
          const perSlot = (perDay * resolution) / SECONDS_PER_DAY;
          this.growths.push(new Growth(modifier, exponential, perSlot));
          compile(pattern.base, [...modifiers, modifier]);
          return;
        }
        case 'seasonality': {
          const modifier = modifierCount++;
          this.seasonalities.push(new Seasonality(modifier, pattern, start, resolution));
          compile(pattern.base, [...modifiers, modifier]);
          return;
        }
        case 'bursts': {
          const modifier = modifierCount++;
          this.bursts.push(
            new Bursts(
              modifier,
              newStream(),
              chancePerSlot(pattern.probabilityPerHour, hoursPerSlot),
              Math.max(1, Math.ceil(pattern.durationHours / hoursPerSlot)),
              pattern.multiplier,
            ),
          );
          compile(pattern.base, [...modifiers, modifier]);
          return;
        }
      }
    };
    compile(spec.pattern, []);

    this.factors = new Float64Array(modifierCount);
    this.constantTerms = [...constantTerms.values()];
    this.poissonTerms = [...poissonTerms.values()];
    const steady =
      modifierCount === 0 &&
      this.seatWalks.length === 0 &&
      this.constantTerms.length === 0 &&
      this.poissonTerms.length === 1;
    this.steadyPoissonMean = steady ? this.expectedUnits(this.poissonTerms) : Number.NaN;
    if (state) {
      if (
        state.bursts.length !== this.bursts.length ||
        state.seats.length !== this.seatWalks.length ||
        state.rng.length !== 4 * this.streams.length
      ) {
        throw invalidRequest(
          'generator_state_mismatch',
          'state',
          'This generator state was saved for a different spec: restore it with the spec it came from, or start a new cursor.',
        );
      }
      this.carry = state.carry;
      this.bursts.forEach((bursts, index) => (bursts.remainingSlots = state.bursts[index]!));
      this.seatWalks.forEach((walk, index) => (walk.count = state.seats[index]!));
    }
  }

  /** The quantity of slot number `slot` (0 at start); advances the state by one slot. */
  nextQuantity(slot: number): number {
    // Hot path: indexed loops (no iterators), and factors pass through a typed array rather
    // than as return values, which V8 boxes when a call is not inlined.
    const factors = this.factors;
    const growths = this.growths;
    for (let i = 0; i < growths.length; i += 1) growths[i]!.applyAt(slot, factors);
    const seasonalities = this.seasonalities;
    for (let i = 0; i < seasonalities.length; i += 1) seasonalities[i]!.applyAt(slot, factors);
    const bursts = this.bursts;
    for (let i = 0; i < bursts.length; i += 1) bursts[i]!.applyNext(factors);

    let quantity = 0;
    if (this.constantTerms.length > 0) {
      const due = this.carry + this.expectedUnits(this.constantTerms);
      const whole = Math.floor(due + CARRY_EPSILON);
      this.carry = due - whole;
      quantity += whole;
    }
    if (this.poissonTerms.length > 0) {
      quantity += this.sampler.draw(this.expectedUnits(this.poissonTerms));
    }
    const seatWalks = this.seatWalks;
    for (let i = 0; i < seatWalks.length; i += 1) quantity += seatWalks[i]!.countThenStep();
    return quantity;
  }

  /**
   * The quantities of the next `count` slots into `out` (from index 0) for a program with a
   * steadyPoissonMean: the same as `count` calls of nextQuantity.
   */
  nextQuantities(count: number, out: Float64Array): void {
    this.sampler.drawMany(this.steadyPoissonMean, count, out);
  }

  private expectedUnits(terms: RateTerm[]): number {
    const factors = this.factors;
    let expected = 0;
    for (let t = 0; t < terms.length; t += 1) {
      const term = terms[t]!;
      let units = term.unitsPerSlot;
      const modifiers = term.modifiers;
      for (let i = 0; i < modifiers.length; i += 1) units *= factors[modifiers[i]!]!;
      expected += units;
    }
    // NaN comes from 0 x Infinity, a zero factor beside an overflowed growth: no usage.
    return Math.min(expected, MAX_EXPECTED_PER_SLOT) || 0;
  }

  get state(): ProgramState {
    return {
      carry: this.carry,
      bursts: this.bursts.map((bursts) => bursts.remainingSlots),
      seats: this.seatWalks.map((walk) => walk.count),
      rng: this.streams.flatMap((rng) => rng.words),
    };
  }
}
