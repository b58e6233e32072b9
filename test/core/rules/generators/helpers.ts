// Shared by the generator tests: run a spec over a window and get its records as columns.
import { expect } from 'vitest';
import { RecordCollector, createCursor } from '../../../../core/rules/generators';
import type { GeneratorSpec, RecordColumns } from '../../../../core/rules/generators';

/** 2024-01-01T00:00:00Z, a Monday. */
export const MONDAY = Date.UTC(2024, 0, 1) / 1000;
export const HOUR = 3600;
export const DAY = 86400;

export function generate(spec: GeneratorSpec, untilExclusive: number): RecordColumns {
  const collector = new RecordCollector();
  createCursor(spec).next(untilExclusive, collector);
  return collector.toColumns();
}

export function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i += 1) total += values[i]!;
  return total;
}

/**
 * Fails at the first record where two runs differ. (Vitest's deep equality takes milliseconds
 * per thousand typed-array elements, too slow inside a property.)
 */
export function expectSameRecords(actual: RecordColumns, expected: RecordColumns): void {
  const length = Math.max(actual.timestamps.length, expected.timestamps.length);
  for (let i = 0; i < length; i += 1) {
    const record = (columns: RecordColumns) => ({
      index: i,
      timestamp: columns.timestamps[i],
      quantity: columns.quantities[i],
    });
    if (
      actual.timestamps[i] !== expected.timestamps[i] ||
      actual.quantities[i] !== expected.quantities[i]
    ) {
      expect(record(actual)).toEqual(record(expected));
    }
  }
}

/** A 32-bit FNV-1a digest of every timestamp and quantity, to pin a long output in one number. */
export function digest({ timestamps, quantities }: RecordColumns): number {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash = Math.imul(hash ^ (value >>> 0), 0x01000193);
    hash = Math.imul(hash ^ Math.floor(value / 2 ** 32), 0x01000193);
  };
  for (let i = 0; i < timestamps.length; i += 1) {
    mix(timestamps[i]!);
    mix(quantities[i]!);
  }
  return hash >>> 0;
}
