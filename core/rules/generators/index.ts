// Seeded synthetic usage: a plain JSON spec per subscription item, generated in chunks as the
// test clock moves, previewed without state for the UI.
export {
  DEFAULT_RESOLUTION_SECONDS,
  MAX_GENERATED_TIMESTAMP,
  MAX_PATTERN_NODES,
  generatorSpecSchema,
  parseGeneratorSpec,
  patternKinds,
  patternSchema,
  slotsBetween,
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
} from '../../public/types';
export { RecordCollector, createCursor, restoreCursor } from './cursor';
export type {
  AppendRoom,
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
export type { DailyLevel, DailySeries, DailyTotal, GeneratedRecord } from '../../public/types';
