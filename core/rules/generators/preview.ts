// Previews for the UI's chart: each runs a fresh cursor, so no engine state is read or changed.
import { z } from 'zod';
import type { DailyLevel, DailySeries, GeneratedRecord } from '../../public/types';
import type { UnixSeconds } from '../../public/types';
import { parseArgs } from '../../values/validation';
import { createCursor } from './cursor';
import type { CursorOptions } from './cursor';
import { DEFAULT_RESOLUTION_SECONDS, MAX_GENERATED_TIMESTAMP } from './spec';
import type { GeneratorSpec } from '../../public/types';

export const MAX_PREVIEW_RECORDS = 10_000;
export const MAX_PREVIEW_DAYS = 3660;
/** A preview looks this many slots ahead at most, so a spec that rarely reports answers at once. */
export const MAX_PREVIEW_SLOTS = 200_000;
const PREVIEW_CHUNK_SLOTS = 1024;
const countSchema = z.number().int().min(1).max(MAX_PREVIEW_RECORDS);
const daysSchema = z.number().int().min(1).max(MAX_PREVIEW_DAYS);
const SECONDS_PER_DAY = 86400;

/** The spec's first `count` records (fewer if its window ends or MAX_PREVIEW_SLOTS pass). */
export function previewRecords(
  spec: GeneratorSpec,
  count: number,
  options: CursorOptions = {},
): GeneratedRecord[] {
  const wanted = parseArgs(countSchema, count, 'count');
  const cursor = createCursor(spec, options);
  const resolution = spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
  const horizon = Math.min(
    cursor.start + MAX_PREVIEW_SLOTS * resolution,
    spec.end ?? Number.POSITIVE_INFINITY,
    MAX_GENERATED_TIMESTAMP + 1,
  );
  const records: GeneratedRecord[] = [];
  const sink = {
    push(timestamp: UnixSeconds, quantity: number): void {
      if (records.length < wanted) records.push({ timestamp, quantity });
    },
  };
  for (let until = cursor.start; records.length < wanted && until < horizon;) {
    until = Math.min(until + PREVIEW_CHUNK_SLOTS * resolution, horizon);
    cursor.next(until, sink);
  }
  return records;
}

/**
 * Per-day figures over the first `days` days from the spec's start: totals for an increment spec;
 * for a set spec the value in effect, which persists between records.
 */
export function dailySeries(
  spec: GeneratorSpec,
  days: number,
  options: CursorOptions = {},
): DailySeries {
  const dayCount = parseArgs(daysSchema, days, 'days');
  const cursor = createCursor(spec, options);
  const start = cursor.start;
  const dayOf = (timestamp: UnixSeconds): number =>
    Math.floor((timestamp - start) / SECONDS_PER_DAY);
  const until = start + dayCount * SECONDS_PER_DAY;

  if (spec.action === 'increment') {
    const totals = new Float64Array(dayCount);
    cursor.next(until, {
      push(timestamp, quantity) {
        totals[dayOf(timestamp)]! += quantity;
      },
    });
    const series = Array.from(totals, (total, day) => ({
      start: start + day * SECONDS_PER_DAY,
      total,
    }));
    return { action: 'increment', days: series };
  }

  const lastSet = new Float64Array(dayCount).fill(Number.NaN);
  const peakSet = new Float64Array(dayCount);
  cursor.next(until, {
    push(timestamp, quantity) {
      const day = dayOf(timestamp);
      lastSet[day] = quantity;
      peakSet[day] = Math.max(peakSet[day]!, quantity);
    },
  });
  const series: DailyLevel[] = [];
  let inEffect = 0;
  for (let day = 0; day < dayCount; day += 1) {
    const peak = Math.max(inEffect, peakSet[day]!);
    const last = lastSet[day]!;
    if (!Number.isNaN(last)) inEffect = last;
    series.push({ start: start + day * SECONDS_PER_DAY, last: inEffect, peak });
  }
  return { action: 'set', days: series };
}
