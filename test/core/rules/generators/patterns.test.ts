import { describe, expect, it } from 'vitest';
import { MAX_EXPECTED_PER_SLOT } from '../../../../core/rules/generators';
import type { GeneratorSpec, PatternSpec } from '../../../../core/rules/generators';
import { DAY, HOUR, MONDAY, generate, sum } from './helpers';

const YEAR = 365 * DAY;

function increment(pattern: PatternSpec, extra: Partial<GeneratorSpec> = {}): GeneratorSpec {
  return { pattern, seed: 2024, action: 'increment', start: MONDAY, ...extra };
}

/** Quantity per slot over [start, start + slots * resolution), 0 where nothing was reported. */
function perSlot(spec: GeneratorSpec, slots: number): Float64Array {
  const resolution = spec.resolutionSeconds ?? HOUR;
  const { timestamps, quantities } = generate(spec, spec.start! + slots * resolution);
  const out = new Float64Array(slots);
  timestamps.forEach((timestamp, i) => {
    out[(timestamp - spec.start!) / resolution] = quantities[i]!;
  });
  return out;
}

/** Totals per group of slots, `group(slotIndex)` naming the group. */
function totalsBy(values: Float64Array, groups: number, group: (slot: number) => number): number[] {
  const totals = new Array<number>(groups).fill(0);
  values.forEach((value, slot) => {
    totals[group(slot)]! += value;
  });
  return totals;
}

describe('constant', () => {
  it.each([
    // perHour, resolution, slots, exact total = perHour * hours
    [0.1, HOUR, 8760, 876], // 0.1 x 8760 h
    [2.5, HOUR, 8760, 21900], // 2.5 x 8760 h
    [1 / 3, 900, 2880, 240], // 1/3 x 720 h in quarter hours
    [7, DAY, 365, 61320], // 7 x 24 x 365
  ])('reports %d per hour exactly (%is slots)', (perHour, resolutionSeconds, slots, total) => {
    const values = perSlot(increment({ kind: 'constant', perHour }, { resolutionSeconds }), slots);
    expect(sum(values)).toBe(total);
    // The carry never owes or runs ahead by a whole unit.
    let running = 0;
    let worst = 0;
    values.forEach((value, slot) => {
      running += value;
      const expected = (perHour * (slot + 1) * resolutionSeconds) / HOUR;
      worst = Math.max(worst, Math.abs(running - expected));
    });
    expect(worst).toBeLessThan(1);
  });

  it('adds constants before carrying, so two halves make one unit every hour', () => {
    const half = { kind: 'constant', perHour: 0.5 } as const;
    const values = perSlot(increment({ kind: 'sum', components: [half, half] }), 48);
    expect(Array.from(values)).toEqual(new Array(48).fill(1));
  });

  it('reports a steady value once for a set spec', () => {
    const { timestamps, quantities } = generate(
      {
        pattern: { kind: 'constant', perHour: 3 },
        seed: 1,
        action: 'set',
        repeatEverySeconds: 0,
        start: MONDAY,
      },
      MONDAY + 30 * DAY,
    );
    expect(Array.from(timestamps)).toEqual([MONDAY]);
    expect(Array.from(quantities)).toEqual([3]);
  });
});

describe('poisson', () => {
  // Tolerances are 5 standard errors over a year of hours (n = 8760): the mean's is
  // sqrt(mean / n), the sample variance's sqrt((mean + 2 mean^2) / n).
  it.each([0.5, 4, 250])('has mean and variance %d per hour over a year', (mean) => {
    const values = perSlot(increment({ kind: 'poisson', meanPerHour: mean }), 8760);
    const sampleMean = sum(values) / values.length;
    const variance = sum(values.map((value) => (value - sampleMean) ** 2)) / values.length;
    expect(Math.abs(sampleMean - mean)).toBeLessThan(5 * Math.sqrt(mean / 8760));
    expect(Math.abs(variance - mean)).toBeLessThan(5 * Math.sqrt((mean + 2 * mean * mean) / 8760));
  });

  it('leaves empty slots out, as often as Poisson says', () => {
    // P(0) = e^-0.5 = 0.6065; its standard error over 8760 hours is 0.0052.
    const { timestamps } = generate(
      increment({ kind: 'poisson', meanPerHour: 0.5 }),
      MONDAY + YEAR,
    );
    expect(Math.abs(1 - timestamps.length / 8760 - Math.exp(-0.5))).toBeLessThan(0.026);
  });

  it('scales the mean with the slot length', () => {
    // 12 per hour in 15-minute slots: 3 per slot, 12 per hour still.
    const values = perSlot(
      increment({ kind: 'poisson', meanPerHour: 12 }, { resolutionSeconds: 900 }),
      4 * 2000,
    );
    expect(Math.abs(sum(values) / 2000 - 12)).toBeLessThan(5 * Math.sqrt(12 / 2000));
  });
});

describe('seasonality', () => {
  it('peaks at the configured hour of the day and dips twelve hours later', () => {
    const spec = increment({
      kind: 'seasonality',
      base: { kind: 'poisson', meanPerHour: 50 },
      daily: { peakHourUtc: 15, amplitude: 0.8 },
    });
    const byHour = totalsBy(perSlot(spec, 90 * 24), 24, (slot) => slot % 24);
    expect(byHour.indexOf(Math.max(...byHour))).toBe(15);
    expect(byHour.indexOf(Math.min(...byHour))).toBe(3);
    // 1 + 0.8 cos(0) against 1 - 0.8: nine times as much, give or take noise.
    expect(byHour[15]! / byHour[3]!).toBeGreaterThan(7);
  });

  it('follows the weekday weights, Monday first, keeping the mean rate', () => {
    const weights = [1, 2, 3, 4, 5, 6, 7];
    const spec = increment({
      kind: 'seasonality',
      base: { kind: 'poisson', meanPerHour: 20 },
      weekly: { weights },
    });
    const weeks = 52;
    const values = perSlot(spec, weeks * 7 * 24);
    // MONDAY is a Monday, so slot / 24 counts days from a Monday.
    const byWeekday = totalsBy(values, 7, (slot) => Math.floor(slot / 24) % 7);
    for (let day = 1; day < 7; day += 1)
      expect(byWeekday[day]).toBeGreaterThan(byWeekday[day - 1]!);
    // Weights average 4, so Sunday runs at 7/4 of the base: 20 x 7/4 x 24 h x 52 weeks = 43,680.
    expect(Math.abs(byWeekday[6]! / 43_680 - 1)).toBeLessThan(0.03);
    expect(Math.abs(sum(values) / (20 * weeks * 7 * 24) - 1)).toBeLessThan(0.01);
  });

  it('places weekdays by UTC date whatever the start', () => {
    // Start on a Saturday at 13:00: weekend-only weights report for the 35 hours to Monday, and
    // again from the next Saturday's midnight (slot 155) to the end of the week (slot 167).
    const saturday = MONDAY + 5 * DAY + 13 * HOUR;
    const spec = increment(
      {
        kind: 'seasonality',
        base: { kind: 'constant', perHour: 1 },
        weekly: { weights: [0, 0, 0, 0, 0, 1, 1] },
      },
      { start: saturday },
    );
    const values = perSlot(spec, 7 * 24);
    const reported = Array.from(values.keys()).filter((slot) => values[slot]! > 0);
    const weekend = (from: number, to: number): number[] =>
      Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(reported).toEqual([...weekend(0, 34), ...weekend(155, 167)]);
  });

  it('keeps a constant base exact over whole weeks', () => {
    // The factors average exactly 1 over a week: 10 per hour x 168 h x 4 weeks = 6,720.
    const spec = increment({
      kind: 'seasonality',
      base: { kind: 'constant', perHour: 10 },
      daily: { peakHourUtc: 9, amplitude: 0.5 },
      weekly: { weights: [3, 3, 3, 3, 3, 1, 1] },
    });
    expect(Math.abs(sum(perSlot(spec, 4 * 168)) - 6720)).toBeLessThanOrEqual(1);
  });
});

describe('growth', () => {
  it('grows linearly from the start', () => {
    // Day d: sum over h = 0..23 of 10 x (1 + 0.1 (d + h/24)) = 240 + 24 d + 11.5.
    const spec = increment({
      kind: 'growth',
      mode: 'linear',
      ratePerDay: 0.1,
      base: { kind: 'constant', perHour: 10 },
    });
    const byDay = totalsBy(perSlot(spec, 30 * 24), 30, (slot) => Math.floor(slot / 24));
    expect(Math.abs(byDay[0]! - 251.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(byDay[29]! - (251.5 + 24 * 29))).toBeLessThanOrEqual(1);
  });

  it('compounds exponentially, and a decline stops at zero', () => {
    const exponential = increment({
      kind: 'growth',
      mode: 'exponential',
      ratePerDay: 0.05,
      base: { kind: 'constant', perHour: 100 },
    });
    const byDay = totalsBy(perSlot(exponential, 21 * 24), 21, (slot) => Math.floor(slot / 24));
    // Ten days apart: 1.05^10 = 1.6289 times as much.
    expect(Math.abs(byDay[20]! / byDay[10]! - 1.05 ** 10)).toBeLessThan(0.005);

    const decline = increment({
      kind: 'growth',
      mode: 'linear',
      ratePerDay: -0.25,
      base: { kind: 'poisson', meanPerHour: 100 },
    });
    // 1 - 0.25 x days reaches 0 after 4 days.
    const { timestamps } = generate(decline, MONDAY + 10 * DAY);
    expect(timestamps.at(-1)).toBeLessThan(MONDAY + 4 * DAY);
  });

  it('saturates a runaway rate at safe whole numbers', () => {
    const spec = increment({
      kind: 'growth',
      mode: 'exponential',
      ratePerDay: 10,
      base: { kind: 'constant', perHour: 1e9 },
    });
    const { quantities } = generate(spec, MONDAY + 60 * DAY);
    expect(Math.max(...quantities)).toBe(MAX_EXPECTED_PER_SLOT);
    expect(quantities.every((quantity) => Number.isSafeInteger(quantity))).toBe(true);
  });

  it('reports nothing, not NaN, where a zero factor meets an overflowed growth', () => {
    // (1 + 10)^days overflows to Infinity after about 300 days; the bursts multiply by 0.
    const spec: GeneratorSpec = {
      pattern: {
        kind: 'growth',
        mode: 'exponential',
        ratePerDay: 10,
        base: {
          kind: 'bursts',
          base: { kind: 'constant', perHour: 1 },
          probabilityPerHour: 0.5,
          multiplier: 0,
          durationHours: 1,
        },
      },
      seed: 3,
      action: 'set',
      repeatEverySeconds: 0,
      start: MONDAY,
    };
    const { quantities } = generate(spec, MONDAY + YEAR);
    expect(quantities.every((quantity) => Number.isSafeInteger(quantity))).toBe(true);
    expect(new Set(quantities.slice(-10))).toEqual(new Set([0, MAX_EXPECTED_PER_SLOT]));
  });
});

describe('bursts', () => {
  const bursty = (perHour: number): GeneratorSpec =>
    increment({
      kind: 'bursts',
      base: { kind: 'constant', perHour },
      probabilityPerHour: 0.01,
      multiplier: 10,
      durationHours: 3,
    });

  it('are rare, last their duration, and multiply the rate', () => {
    const values = perSlot(bursty(10), 8760);
    expect(new Set(values)).toEqual(new Set([10, 100]));
    const runs: number[] = [];
    let run = 0;
    for (const value of [...values, 10]) {
      if (value === 100) run += 1;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    // Back-to-back bursts join into one run, so runs are whole bursts of 3 hours.
    expect(runs.every((length) => length % 3 === 0)).toBe(true);
    // About 0.01 x 8760 / 1.03 = 85 onsets; 3 hours each: 2.9% of the hours.
    const burstHours = values.filter((value) => value === 100).length;
    expect(burstHours / 8760).toBeGreaterThan(0.015);
    expect(burstHours / 8760).toBeLessThan(0.045);
  });

  it('happen at the same hours when only the rate under them changes', () => {
    const burstHours = (values: Float64Array, base: number): number[] =>
      Array.from(values.keys()).filter((slot) => values[slot]! > base);
    const slow = burstHours(perSlot(bursty(10), 2000), 10);
    const fast = burstHours(perSlot(bursty(20), 2000), 20);
    expect(slow.length).toBeGreaterThan(0);
    expect(fast).toEqual(slow);
  });
});

describe('seats', () => {
  function seatValues(pattern: PatternSpec, days: number): Float64Array {
    const spec: GeneratorSpec = {
      pattern,
      seed: 99,
      action: 'set',
      repeatEverySeconds: 0,
      start: MONDAY,
    };
    return generate(spec, MONDAY + days * DAY).quantities;
  }

  it('walk up and down by at most maxStep, never below min or above max', () => {
    const values = seatValues(
      { kind: 'seats', initial: 5, min: 2, max: 12, stepProbabilityPerHour: 0.3, maxStep: 3 },
      365,
    );
    expect(values[0]).toBe(5);
    expect(Math.min(...values)).toBe(2);
    expect(Math.max(...values)).toBe(12);
    const steps = new Set(values.slice(1).map((value, i) => Math.abs(value - values[i]!)));
    expect([...steps].sort()).toEqual([1, 2, 3]);
  });

  it('never go negative with the default minimum', () => {
    const values = seatValues(
      { kind: 'seats', initial: 0, stepProbabilityPerHour: 0.9, maxStep: 5 },
      365,
    );
    expect(values.length).toBeGreaterThan(1000);
    expect(Math.min(...values)).toBe(0);
  });

  it('step about as often as asked', () => {
    // Unbounded, every step is a change: 0.05 x 8760 = 438 steps, standard error ~20.
    const values = seatValues(
      { kind: 'seats', initial: 10_000, stepProbabilityPerHour: 0.05, maxStep: 1 },
      365,
    );
    expect(Math.abs(values.length - 1 - 438)).toBeLessThan(100);
  });

  it('add up inside a sum, with rates too', () => {
    const fixed = { stepProbabilityPerHour: 0, maxStep: 1 };
    const values = seatValues(
      {
        kind: 'sum',
        components: [
          { kind: 'seats', initial: 4, ...fixed },
          { kind: 'seats', initial: 6, ...fixed },
          { kind: 'constant', perHour: 2 },
        ],
      },
      30,
    );
    expect(Array.from(values)).toEqual([12]);
  });
});
