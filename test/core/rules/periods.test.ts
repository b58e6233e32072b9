// Billing periods (core/periods.ts): half-open, anchored, month-end clamped, time of day kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addIntervals, periodAt, periodIndexAt } from '../../../core/rules/periods';
import type { PeriodRule } from '../../../core/rules/periods';
import type { Interval } from '../../../core/public/types';

const DAY = 86_400;
const utc = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) =>
  Date.UTC(year, month - 1, day, hour, minute, second) / 1000;

describe('addIntervals', () => {
  it('adds days and weeks as fixed seconds', () => {
    const anchor = utc(2025, 3, 1, 7);
    expect(addIntervals(anchor, 'day', 3)).toBe(anchor + 3 * DAY);
    expect(addIntervals(anchor, 'week', 2)).toBe(anchor + 14 * DAY);
  });

  it('keeps the day of month, clamped to the month end, and the time of day', () => {
    const jan31 = utc(2025, 1, 31, 10, 30, 15);
    expect([1, 2, 3, 4, 5].map((months) => addIntervals(jan31, 'month', months))).toEqual([
      utc(2025, 2, 28, 10, 30, 15),
      utc(2025, 3, 31, 10, 30, 15),
      utc(2025, 4, 30, 10, 30, 15),
      utc(2025, 5, 31, 10, 30, 15),
      utc(2025, 6, 30, 10, 30, 15),
    ]);
    expect(addIntervals(utc(2024, 1, 31), 'month', 1)).toBe(utc(2024, 2, 29));
  });

  it('counts from the anchor, so clamping never drifts', () => {
    // Not Jan 31 -> Feb 28 -> Mar 28: the anchor's 31st comes back.
    expect(addIntervals(utc(2025, 1, 31), 'month', 2)).toBe(utc(2025, 3, 31));
    expect(addIntervals(utc(2024, 2, 29), 'year', 1)).toBe(utc(2025, 2, 28));
    expect(addIntervals(utc(2024, 2, 29), 'year', 4)).toBe(utc(2028, 2, 29));
  });

  it('crosses year ends', () => {
    expect(addIntervals(utc(2024, 12, 31), 'month', 2)).toBe(utc(2025, 2, 28));
    expect(addIntervals(utc(2024, 11, 15, 23, 59, 59), 'month', 14)).toBe(
      utc(2026, 1, 15, 23, 59, 59),
    );
    expect(addIntervals(utc(2025, 3, 1), 'month', 120)).toBe(utc(2035, 3, 1));
  });
});

describe('periodAt', () => {
  it('numbers periods from the anchor', () => {
    const rule: PeriodRule = { anchor: utc(2025, 1, 31, 12), interval: 'month', intervalCount: 1 };
    expect(periodAt(rule, 0)).toEqual({ start: utc(2025, 1, 31, 12), end: utc(2025, 2, 28, 12) });
    expect(periodAt(rule, 1)).toEqual({ start: utc(2025, 2, 28, 12), end: utc(2025, 3, 31, 12) });
  });

  it('takes intervalCount intervals per period', () => {
    const rule: PeriodRule = { anchor: utc(2024, 11, 30), interval: 'month', intervalCount: 3 };
    expect(periodAt(rule, 1)).toEqual({ start: utc(2025, 2, 28), end: utc(2025, 5, 30) });
  });

  it('tiles time: each period starts where the previous one ended', () => {
    const intervals: Interval[] = ['day', 'week', 'month', 'year'];
    for (const interval of intervals) {
      const rule: PeriodRule = { anchor: utc(2024, 1, 31, 23, 59), interval, intervalCount: 2 };
      for (let index = 0; index < 40; index++) {
        const period = periodAt(rule, index);
        expect(period.end).toBeGreaterThan(period.start);
        expect(periodAt(rule, index + 1).start).toBe(period.end);
      }
    }
  });
});

describe('periodIndexAt', () => {
  const rule: PeriodRule = { anchor: utc(2025, 3, 1), interval: 'month', intervalCount: 1 };

  it('is half-open: the period end belongs to the next period', () => {
    expect(periodIndexAt(rule, utc(2025, 3, 1))).toBe(0);
    expect(periodIndexAt(rule, utc(2025, 4, 1) - 1)).toBe(0);
    expect(periodIndexAt(rule, utc(2025, 4, 1))).toBe(1);
    expect(periodIndexAt(rule, utc(2026, 3, 1))).toBe(12);
  });

  it('finds the period that holds any time after the anchor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc(2000, 1, 1), max: utc(2090, 1, 1) }),
        fc.constantFrom<Interval>('day', 'week', 'month', 'year'),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 * 365 * DAY }),
        (anchor, interval, intervalCount, offset) => {
          const given: PeriodRule = { anchor, interval, intervalCount };
          const time = anchor + offset;
          const index = periodIndexAt(given, time);
          const period = periodAt(given, index);
          expect(period.start).toBeLessThanOrEqual(time);
          expect(time).toBeLessThan(period.end);
        },
      ),
      { numRuns: 300 },
    );
  });
});
