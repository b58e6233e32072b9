// Billing periods. NOTE: periods are half-open [start, end); monthly and yearly periods keep the
// anchor's day of month, clamped to the month's last day (Jan 31 -> Feb 28/29 -> Mar 31), and the
// anchor's time of day. All arithmetic is in UTC.
import type { Interval } from '../public/types';
import { compactInteger } from '../values/integers';

const DAY = 86_400;

// Civil dates (proleptic Gregorian, UTC) from and to days since 1970-01-01, with integers only:
// invoices move anchors by months many times, and a Date object per move is the costlier way.
// Years count from March so that the leap day is the last day of its "year" (H. Hinnant's
// days_from_civil / civil_from_days); an era is 400 years, 146,097 days.

/** Days since 1970-01-01 of year-month(0-11)-day. */
function daysFromCivil(year: number, monthIndex: number, day: number): number {
  const y = monthIndex < 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = monthIndex < 2 ? monthIndex + 10 : monthIndex - 2;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, monthIndex: number): number {
  return monthIndex === 1 && isLeapYear(year) ? 29 : monthLengths[monthIndex]!;
}

function addMonths(anchor: number, months: number): number {
  const days = Math.floor(anchor / DAY);
  const timeOfDay = anchor - days * DAY;
  // civil_from_days: the anchor's year, month and day.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const monthIndex = monthFromMarch < 10 ? monthFromMarch + 2 : monthFromMarch - 10;
  const anchorYear = yearOfEra + era * 400 + (monthIndex < 2 ? 1 : 0);
  const totalMonths = anchorYear * 12 + monthIndex + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const clampedDay = Math.min(day, daysInMonth(year, month));
  return compactInteger(daysFromCivil(year, month, clampedDay) * DAY + timeOfDay);
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
