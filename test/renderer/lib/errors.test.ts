import { describe, expect, it } from 'vitest';
import { humanMessage, labelOf } from '../../../renderer/lib/errors';

describe('humanMessage', () => {
  it('names API params by the labels of the form', () => {
    expect(
      humanMessage({
        param: 'unitAmountDecimal',
        message: 'Invalid unitAmountDecimal: pass a non-negative decimal of minor units.',
      }),
    ).toBe(
      'Invalid “Unit amount (decimal minor units)”: pass a non-negative decimal of minor units.',
    );
    expect(
      humanMessage({
        param: 'recurring.aggregateUsage',
        message: 'Invalid recurring.aggregateUsage: it applies to metered prices only.',
      }),
    ).toBe('Invalid “Aggregation”: it applies to metered prices only.');
  });

  it("names the form's own params wherever the message mentions them", () => {
    expect(
      humanMessage(
        {
          param: 'trialPeriodDays',
          message: 'Pass either trialEnd or trialPeriodDays, not both.',
        },
        { trialEnd: 'Trial ends', trialPeriodDays: 'Trial days' },
      ),
    ).toBe('Pass either “Trial ends” or “Trial days”, not both.');
  });

  it('turns batch indices into the lines a person typed, counted from 1', () => {
    expect(
      humanMessage({
        param: 'records[1].quantity',
        message:
          '2 of 3 records are invalid, so none was stored (bad indices: 1, 2): records[1].quantity must be a whole number, records[2] is not an object.',
      }),
    ).toBe(
      "2 of 3 records are invalid, so none was stored (bad lines: 2, 3): “Line 2's quantity” must be a whole number, “Line 3” is not an object.",
    );
    expect(labelOf('tiers[0].upTo')).toBe('Tier 1 up to');
  });

  it('shows unix seconds as UTC dates and leaves plain words alone', () => {
    // 1794736800 = 2026-11-15 10:00:00 UTC
    expect(
      humanMessage({
        param: 'timestamp',
        message: 'Timestamp 1794736800 is backdated: the quantity falls before the open period.',
      }),
    ).toBe(
      'Timestamp 2026-11-15 10:00 UTC is backdated: the quantity falls before the open period.',
    );
  });
});
