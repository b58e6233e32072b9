// Seeded synthetic usage: a plain JSON spec per subscription item, generated in chunks as the
// test clock moves, previewed without state for the UI.
import type { PatternKind, PatternSpec } from './spec';

export {
  DEFAULT_RESOLUTION_SECONDS,
  MAX_GENERATED_TIMESTAMP,
  MAX_PATTERN_NODES,
  generatorSpecSchema,
  parseGeneratorSpec,
  patternKinds,
  patternSchema,
} from './spec';
export type {
  BurstsPattern,
  ConstantPattern,
  GeneratorSpec,
  GrowthPattern,
  PatternKind,
  PatternSpec,
  PoissonPattern,
  SeasonalityPattern,
  SeatsPattern,
  SumPattern,
} from './spec';
export { RecordCollector, createCursor, restoreCursor } from './cursor';
export type {
  CursorOptions,
  GeneratorCursor,
  GeneratorCursorState,
  RecordColumns,
  RecordSink,
} from './cursor';
export { MAX_EXPECTED_PER_SLOT } from './program';
export {
  MAX_PREVIEW_DAYS,
  MAX_PREVIEW_RECORDS,
  MAX_PREVIEW_SLOTS,
  dailySeries,
  previewRecords,
} from './preview';
export type { DailyLevel, DailySeries, DailyTotal, GeneratedRecord } from './preview';

export interface PatternInfo<K extends PatternKind> {
  title: string;
  description: string;
  defaults: Extract<PatternSpec, { kind: K }>;
}

/** What the UI shows for each pattern, and the spec a new one starts from. */
export const generatorPatterns: { [K in PatternKind]: PatternInfo<K> } = {
  constant: {
    title: 'Constant rate',
    description:
      'The same number of units every hour. Fractions carry over, so 0.5 per hour reports 1 unit every other hour.',
    defaults: { kind: 'constant', perHour: 100 },
  },
  poisson: {
    title: 'Random arrivals',
    description:
      'Units arrive at random (a Poisson process) with the given mean per hour, so hours vary around the mean.',
    defaults: { kind: 'poisson', meanPerHour: 100 },
  },
  growth: {
    title: 'Growth',
    description:
      'Scales the rate of the pattern inside it over time since the start: linear adds ratePerDay of the starting rate each day, exponential compounds it daily.',
    defaults: {
      kind: 'growth',
      base: { kind: 'poisson', meanPerHour: 100 },
      mode: 'exponential',
      ratePerDay: 0.01,
    },
  },
  seasonality: {
    title: 'Daily and weekly cycles',
    description:
      'Scales the rate of the pattern inside it by time of day (highest at the peak hour, UTC) and by weekday (Monday first). Both average 1, so the mean rate stays the same.',
    defaults: {
      kind: 'seasonality',
      base: { kind: 'poisson', meanPerHour: 100 },
      daily: { peakHourUtc: 14, amplitude: 0.6 },
      weekly: { weights: [1.2, 1.2, 1.2, 1.2, 1.1, 0.5, 0.6] },
    },
  },
  bursts: {
    title: 'Bursts',
    description:
      'Rare spikes: in any hour a burst may start with the given probability, multiplying the rate of the pattern inside it for its duration.',
    defaults: {
      kind: 'bursts',
      base: { kind: 'poisson', meanPerHour: 100 },
      probabilityPerHour: 0.005,
      multiplier: 10,
      durationHours: 3,
    },
  },
  seats: {
    title: 'Seats',
    description:
      "A seat count that moves up or down at random, kept between min and max. Use it with action 'set' (and last_during_period or max): a record is reported at the start and whenever the count changes.",
    defaults: {
      kind: 'seats',
      initial: 10,
      min: 1,
      max: 50,
      stepProbabilityPerHour: 0.02,
      maxStep: 2,
    },
  },
  sum: {
    title: 'Combination',
    description:
      'Adds the patterns inside it: for example a steady base plus random arrivals, or several seat pools.',
    defaults: {
      kind: 'sum',
      components: [
        { kind: 'constant', perHour: 20 },
        { kind: 'poisson', meanPerHour: 80 },
      ],
    },
  },
};
