// Calendar periods of a backtest, in UTC. Usage aggregates are grouped by a period key that SQL
// computes (DuckDB and ClickHouse alike) and that these functions turn into [start, end).
// NOTE: backtest periods are calendar-aligned (a month starts on the 1st at 00:00 UTC, a week on
// Monday), half-open like billing periods: a record stamped at a period's end belongs to the next.
import type { Interval } from '../../public/types';

const DAY = 86_400;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday: weeks are counted from Monday 1969-12-29. */
const WEEK_OFFSET = 3 * DAY;

/** The key of the calendar period holding `time`: what the SQL of a source computes too. */
export function periodKeyAt(grain: Interval, time: number): number {
  if (grain === 'day') return Math.floor(time / DAY);
  if (grain === 'week') return Math.floor((time + WEEK_OFFSET) / WEEK);
  const date = new Date(time * 1000);
  const year = date.getUTCFullYear();
  return grain === 'year' ? year : year * 100 + date.getUTCMonth() + 1;
}

/** The calendar period a key names. */
export function periodOfKey(grain: Interval, key: number): { start: number; end: number } {
  switch (grain) {
    case 'day':
      return { start: key * DAY, end: (key + 1) * DAY };
    case 'week':
      return { start: key * WEEK - WEEK_OFFSET, end: (key + 1) * WEEK - WEEK_OFFSET };
    case 'month': {
      const year = Math.floor(key / 100);
      const month = (key % 100) - 1;
      return { start: Date.UTC(year, month, 1) / 1000, end: Date.UTC(year, month + 1, 1) / 1000 };
    }
    case 'year':
      return { start: Date.UTC(key, 0, 1) / 1000, end: Date.UTC(key + 1, 0, 1) / 1000 };
  }
}

/** The keys of every calendar period from the one holding `start` to the one holding `end - 1`. */
export function periodKeysBetween(grain: Interval, start: number, end: number): number[] {
  const keys: number[] = [];
  let time = start;
  while (time < end) {
    const key = periodKeyAt(grain, time);
    keys.push(key);
    time = periodOfKey(grain, key).end;
  }
  return keys;
}
