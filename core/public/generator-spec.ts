// A generator spec is plain JSON attached to a subscription item. Rate patterns (constant,
// poisson) give an expected number of units per hour; modifiers (growth, seasonality, bursts)
// multiply the expected rate of everything under them; seats is a count, not a rate; sum adds.
import type { UnixSeconds, UsageAction } from './types';

export interface ConstantPattern {
  kind: 'constant';
  /** Units per hour, fractions carried so the running total stays exact. */
  perHour: number;
}

export interface PoissonPattern {
  kind: 'poisson';
  /** Mean units per hour of random arrivals. */
  meanPerHour: number;
}

export interface GrowthPattern {
  kind: 'growth';
  base: PatternSpec;
  /** linear: rate x (1 + ratePerDay * days); exponential: rate x (1 + ratePerDay) ^ days. */
  mode: 'linear' | 'exponential';
  ratePerDay: number;
}

export interface SeasonalityPattern {
  kind: 'seasonality';
  base: PatternSpec;
  /** rate x (1 + amplitude * cos(hours from the peak)), averaging 1 over a day. */
  daily?: { peakHourUtc: number; amplitude: number };
  /** Relative weights of the UTC weekdays, Monday first, scaled to average 1 over a week. */
  weekly?: { weights: number[] };
}

export interface BurstsPattern {
  kind: 'bursts';
  base: PatternSpec;
  /** Chance that a burst starts in any hour outside a burst. */
  probabilityPerHour: number;
  /** Rate factor during a burst. */
  multiplier: number;
  durationHours: number;
}

export interface SeatsPattern {
  kind: 'seats';
  initial: number;
  /** Default 0. */
  min?: number;
  /** Default: no upper bound. */
  max?: number;
  /** Chance per hour that the count moves, by 1..maxStep up or down. */
  stepProbabilityPerHour: number;
  maxStep: number;
}

export interface SumPattern {
  kind: 'sum';
  components: PatternSpec[];
}

export type PatternSpec =
  | ConstantPattern
  | PoissonPattern
  | GrowthPattern
  | SeasonalityPattern
  | BurstsPattern
  | SeatsPattern
  | SumPattern;

export type PatternKind = PatternSpec['kind'];

export interface GeneratorSpec {
  pattern: PatternSpec;
  /** uint32. The same spec always produces the same records. */
  seed: number;
  action: UsageAction;
  /** First slot; defaults to the start the host passes (the item's creation). */
  start?: UnixSeconds;
  /** Exclusive: slots starting at or after `end` are not generated. */
  end?: UnixSeconds;
  /** Slot length, dividing a day; at most one record per slot, stamped at its start. Default 3600. */
  resolutionSeconds?: number;
  /**
   * Set specs only: also re-report the value held, every this many seconds from the start, even
   * when it did not change (default a day; 0 reports changes only). Under last_during_period and
   * max a period without a record bills 0, so a count that held still all month needs this.
   */
  repeatEverySeconds?: number;
}

export interface GeneratedRecord {
  timestamp: UnixSeconds;
  quantity: number;
}

export interface DailyTotal {
  /** Start of the day: the spec's start plus whole days. */
  start: UnixSeconds;
  /** The units reported during the day. */
  total: number;
}

export interface DailyLevel {
  start: UnixSeconds;
  /** The value in effect at the end of the day (0 before the first record). */
  last: number;
  /** The highest value in effect during the day. */
  peak: number;
}

export type DailySeries =
  { action: 'increment'; days: DailyTotal[] } | { action: 'set'; days: DailyLevel[] };
