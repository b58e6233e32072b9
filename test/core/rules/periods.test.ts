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

describe('month arithmetic on integers', () => {
  // The former Date-based arithmetic, kept here as the reference the integer version must match.
  // Date.UTC reads years 0-99 as 1900-1999, so inputs whose result falls there are left out.
  const dateDaysInMonth = (year: number, monthIndex: number) =>
    new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  function dateAddMonths(anchor: number, months: number): number {
    const date = new Date(anchor * 1000);
    const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
    const year = Math.floor(totalMonths / 12);
    const month = totalMonths - year * 12;
    const day = Math.min(date.getUTCDate(), dateDaysInMonth(year, month));
    const timeOfDay = anchor - Math.floor(anchor / DAY) * DAY;
    return Date.UTC(year, month, day) / 1000 + timeOfDay;
  }
  const targetYear = (anchor: number, months: number) => {
    const date = new Date(anchor * 1000);
    return Math.floor((date.getUTCFullYear() * 12 + date.getUTCMonth() + months) / 12);
  };
  /** Inputs the reference computes: a result within Date's range and not in years 0-99. */
  const comparable = (anchor: number, months: number) => {
    const year = targetYear(anchor, months);
    return (year < 0 || year > 99) && Math.abs(year) < 271_000;
  };
  // Date's range is +-8.64e15 ms: about years -271,821 to 275,760.
  const dateLimit = 8.64e12 - 400 * 366 * DAY;

  it('matches Date over any timestamp and month count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -dateLimit, max: dateLimit }),
        fc.integer({ min: -12_000, max: 12_000 }),
        (anchor, months) => {
          fc.pre(comparable(anchor, months) && comparable(anchor, months * 12));
          expect(addIntervals(anchor, 'month', months)).toBe(dateAddMonths(anchor, months));
          expect(addIntervals(anchor, 'year', months)).toBe(dateAddMonths(anchor, months * 12));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('matches Date at month ends and leap days, any time of day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3000, max: 5000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 26, max: 31 }),
        fc.integer({ min: 0, max: DAY - 1 }),
        fc.integer({ min: -1300, max: 1300 }),
        (year, month, anchorDay, second, months) => {
          const date = new Date(0);
          date.setUTCFullYear(year, month - 1, 1);
          // The anchor day, clamped to its month (the 31st of April is the 30th).
          const lastDay = dateDaysInMonth(year < 0 || year > 99 ? year : 2000 + year, month - 1);
          const anchor = date.getTime() / 1000 + (Math.min(anchorDay, lastDay) - 1) * DAY + second;
          fc.pre(comparable(anchor, months));
          expect(addIntervals(anchor, 'month', months)).toBe(dateAddMonths(anchor, months));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('matches Date on every day from 1896 to 2404 (1900 and 2100 not leap, 2000 and 2400 leap)', () => {
    const first = utc(1896, 1, 1);
    const last = utc(2404, 12, 31);
    for (let anchor = first + 3_600 * 7 + 59; anchor <= last; anchor += DAY) {
      for (const months of [-13, -1, 1, 11, 48]) {
        if (addIntervals(anchor, 'month', months) !== dateAddMonths(anchor, months)) {
          expect([anchor, months, addIntervals(anchor, 'month', months)]).toEqual([
            anchor,
            months,
            dateAddMonths(anchor, months),
          ]);
        }
      }
    }
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
