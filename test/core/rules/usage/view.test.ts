// indexRange finds a span's records by binary search: for any ascending timestamps and any span it
// must give what one plain pass gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexRange } from '../../../../core/rules/usage/view';

const timestamps = fc
  .uniqueArray(fc.integer({ min: 0, max: 3_000 }), { maxLength: 1_500 })
  .map((times) => Uint32Array.from(times.sort((a, b) => a - b)));

describe('indexRange', () => {
  it('holds exactly the timestamps in [start, end): a record at end belongs to the next span', () => {
    fc.assert(
      fc.property(
        timestamps,
        fc.integer({ min: -10, max: 3_010 }),
        fc.integer({ min: -10, max: 3_010 }),
        (times, start, end) => {
          const usage = { length: times.length, timestamps: times, values: times };
          const lo = times.findIndex((time) => time >= start);
          const first = lo === -1 ? times.length : lo;
          const inSpan = times.filter((time) => time >= start && time < end).length;
          expect(indexRange(usage, start, end)).toEqual([first, first + inSpan]);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
