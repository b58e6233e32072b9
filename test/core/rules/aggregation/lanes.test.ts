// sum and max read four lanes at a time: for any values and any range they must give what one
// plain pass gives, including the first index of a repeated peak.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateMax } from '../../../../core/rules/aggregation/max';
import { aggregateSum } from '../../../../core/rules/aggregation/sum';

const usage = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }).chain((values) =>
  fc.record({
    values: fc.constant(values),
    lo: fc.nat(values.length),
    hi: fc.nat(values.length),
  }),
);

describe('four-lane aggregation', () => {
  it('sum equals one plain pass', () => {
    fc.assert(
      fc.property(usage, ({ values, lo, hi }) => {
        const plain = values.slice(lo, hi).reduce((a, b) => a + b, 0);
        expect(aggregateSum({ values } as never, lo, hi)).toEqual({
          quantity: plain,
          decidingIndex: -1,
        });
      }),
    );
  });

  it('max equals one plain pass: the peak and the first index holding it', () => {
    fc.assert(
      fc.property(usage, ({ values, lo, hi }) => {
        const span = values.slice(lo, hi);
        const expected =
          span.length === 0
            ? { quantity: 0, decidingIndex: -1 }
            : { quantity: Math.max(...span), decidingIndex: lo + span.indexOf(Math.max(...span)) };
        expect(aggregateMax({ values } as never, lo, hi)).toEqual(expected);
      }),
    );
  });
});
