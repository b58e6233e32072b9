// Billing periods. NOTE: periods are half-open [start, end); monthly and yearly periods keep the
// anchor's day of month, clamped to the month's last day (Jan 31 -> Feb 28/29 -> Mar 31), and the
// anchor's time of day. All arithmetic is in UTC.
import type { Interval } from '../public/types';
import { compactInteger } from '../values/integers';

const DAY = 86_400;

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

function addMonths(anchor: number, months: number): number {
  const date = new Date(anchor * 1000);
  const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  const timeOfDay = anchor - Math.floor(anchor / DAY) * DAY;
  return compactInteger(Date.UTC(year, month, day) / 1000 + timeOfDay);
}

/** The anchor moved forward by `count` intervals (computed from the anchor, so clamping never drifts). */
export function addIntervals(anchor: number, interval: Interval, count: number): number {
  switch (interval) {
    case 'day':
      return anchor + count * DAY;
    case 'week':
      return anchor + count * 7 * DAY;
    case 'month':
      return addMonths(anchor, count);
    case 'year':
      return addMonths(anchor, count * 12);
  }
}

export interface PeriodRule {
  anchor: number;
  interval: Interval;
  intervalCount: number;
}

/** Period number `index` (0 = the first) of a billing cycle. */
export function periodAt(rule: PeriodRule, index: number): { start: number; end: number } {
  return {
    start: addIntervals(rule.anchor, rule.interval, index * rule.intervalCount),
    end: addIntervals(rule.anchor, rule.interval, (index + 1) * rule.intervalCount),
  };
}

/** The index of the period holding `time` (time >= anchor). */
export function periodIndexAt(rule: PeriodRule, time: number): number {
  const approxLength =
    { day: 1, week: 7, month: 28, year: 365 }[rule.interval] * DAY * rule.intervalCount;
  let index = Math.max(0, Math.floor((time - rule.anchor) / approxLength) - 1);
  while (periodAt(rule, index).start > time) index--;
  while (periodAt(rule, index).end <= time) index++;
  return index;
}
