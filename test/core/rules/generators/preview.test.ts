import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../../core/values/errors';
import { MAX_PREVIEW_SLOTS, dailySeries, previewRecords } from '../../../../core/rules/generators';
import type { GeneratorSpec } from '../../../../core/rules/generators';
import { DAY, HOUR, MONDAY, generate } from './helpers';

const arrivals: GeneratorSpec = {
  pattern: {
    kind: 'seasonality',
    base: { kind: 'poisson', meanPerHour: 2 },
    daily: { peakHourUtc: 12, amplitude: 0.9 },
  },
  seed: 8,
  action: 'increment',
  start: MONDAY,
};

const seats: GeneratorSpec = {
  pattern: { kind: 'seats', initial: 10, min: 0, max: 40, stepProbabilityPerHour: 0.2, maxStep: 3 },
  seed: 8,
  action: 'set',
  repeatEverySeconds: 0,
  start: MONDAY,
};

describe('previewRecords', () => {
  it('returns the first records the cursor would emit, the same each time', () => {
    const { timestamps, quantities } = generate(arrivals, MONDAY + 30 * DAY);
    const expected = Array.from(timestamps.slice(0, 500), (timestamp, i) => ({
      timestamp,
      quantity: quantities[i]!,
    }));
    expect(previewRecords(arrivals, 500)).toEqual(expected);
    expect(previewRecords(arrivals, 500)).toEqual(expected);
    expect(previewRecords(arrivals, 3)).toEqual(expected.slice(0, 3));
  });

  it('stops at the end of the window or after MAX_PREVIEW_SLOTS', () => {
    const hourly = { ...arrivals, pattern: { kind: 'constant', perHour: 1 } } as const;
    expect(previewRecords({ ...hourly, end: MONDAY + 5 * HOUR }, 100)).toHaveLength(5);
    // A level that never changes reports once; the preview does not search forever.
    const steady: GeneratorSpec = { ...hourly, action: 'set', repeatEverySeconds: 0 };
    expect(previewRecords(steady, 2)).toEqual([{ timestamp: MONDAY, quantity: 1 }]);
    // One unit per 2 x MAX_PREVIEW_SLOTS hours: the first is past the preview's horizon.
    const rare = {
      ...hourly,
      pattern: { kind: 'constant', perHour: 0.5 / MAX_PREVIEW_SLOTS },
    } as const;
    expect(previewRecords(rare, 2)).toEqual([]);
  });

  it('uses the default start for a spec without one', () => {
    const { start: _start, ...noStart } = arrivals;
    expect(previewRecords(noStart, 20, { defaultStart: MONDAY })).toEqual(
      previewRecords(arrivals, 20),
    );
  });

  it('names a bad count', () => {
    expect(() => previewRecords(arrivals, 0)).toThrow(MeterlabError);
    try {
      previewRecords(arrivals, 1.5);
    } catch (error) {
      expect((error as MeterlabError).param).toBe('count');
    }
  });
});

describe('dailySeries', () => {
  it('totals an increment spec per day from its start', () => {
    const series = dailySeries(arrivals, 10);
    expect(series.action).toBe('increment');
    const { timestamps, quantities } = generate(arrivals, MONDAY + 10 * DAY);
    const totals = new Array<number>(10).fill(0);
    timestamps.forEach((timestamp, i) => {
      totals[Math.floor((timestamp - MONDAY) / DAY)]! += quantities[i]!;
    });
    expect(series.days).toEqual(totals.map((total, day) => ({ start: MONDAY + day * DAY, total })));
  });

  it('gives a set spec the value in effect at the end of each day and its peak', () => {
    const series = dailySeries(seats, 30);
    if (series.action !== 'set') throw new Error('expected a set series');
    const { timestamps, quantities } = generate(seats, MONDAY + 30 * DAY);
    // Replay the level hour by hour, holding each value until the next record.
    let index = 0;
    let level = 0;
    for (let day = 0; day < 30; day += 1) {
      let peak = level;
      for (let hour = 0; hour < 24; hour += 1) {
        const time = MONDAY + day * DAY + hour * HOUR;
        if (index < timestamps.length && timestamps[index] === time) level = quantities[index++]!;
        peak = Math.max(peak, level);
      }
      expect(series.days[day]).toEqual({ start: MONDAY + day * DAY, last: level, peak });
    }
    expect(series.days[0]!.peak).toBeGreaterThanOrEqual(10);
  });

  it('names a bad number of days', () => {
    try {
      dailySeries(arrivals, 0);
      throw new Error('expected a rejection');
    } catch (error) {
      expect((error as MeterlabError).param).toBe('days');
    }
  });
});
