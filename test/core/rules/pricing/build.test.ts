import { describe, expect, it } from 'vitest';
import type { PriceCreateArgs } from '../../../../core/simulator/api';
import { MeterlabError } from '../../../../core/values/errors';
import { buildPriceFields, maxIntervalCount } from '../../../../core/rules/pricing/build';

const guidePrice: PriceCreateArgs = {
  product: 'prod_1',
  currency: 'EUR',
  billingScheme: 'usage',
  unitAmountDecimal: '0.2',
  recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
};
const tieredPrice: PriceCreateArgs = {
  product: 'prod_1',
  currency: 'EUR',
  billingScheme: 'tiered',
  tiersMode: 'graduated',
  tiers: [
    { upTo: 100, unitAmount: 10, flatAmount: 500 },
    { upTo: 1000, unitAmountDecimal: '0.50' },
    { upTo: 'inf', flatAmountDecimal: '2500.0' },
  ],
  recurring: { interval: 'month', usageType: 'metered' },
};

/** `base` with `changes` applied; a value of undefined removes the key. */
function withArgs(base: PriceCreateArgs, changes: Record<string, unknown>): unknown {
  const args: Record<string, unknown> = { ...base, ...changes };
  for (const key of Object.keys(changes)) if (changes[key] === undefined) delete args[key];
  return args;
}

function rejection(args: unknown): MeterlabError {
  try {
    buildPriceFields(args);
  } catch (error) {
    if (error instanceof MeterlabError) return error;
    throw error;
  }
  throw new Error('expected the price to be rejected');
}

describe('buildPriceFields: accepted prices', () => {
  it("stores the guide's metered price", () => {
    expect(buildPriceFields(guidePrice)).toEqual({
      product: 'prod_1',
      currency: 'EUR',
      nickname: null,
      billingScheme: 'per_unit', // 'usage' is the guide's word for per_unit
      unitAmount: null, // 0.2 is not a whole number of cents
      unitAmountDecimal: '0.2',
      tiers: null,
      tiersMode: null,
      transformQuantity: null,
      recurring: {
        interval: 'month',
        intervalCount: 1,
        usageType: 'metered',
        aggregateUsage: 'sum',
        meter: null,
      },
    });
  });

  it('stores unitAmountDecimal for every per_unit price, and unitAmount when whole', () => {
    const fromInteger = buildPriceFields(
      withArgs(guidePrice, { unitAmountDecimal: undefined, unitAmount: 5 }),
    );
    expect([fromInteger.unitAmount, fromInteger.unitAmountDecimal]).toEqual([5, '5']);
    const fromWholeDecimal = buildPriceFields(withArgs(guidePrice, { unitAmountDecimal: '5.0' }));
    expect([fromWholeDecimal.unitAmount, fromWholeDecimal.unitAmountDecimal]).toEqual([5, '5']);
    const free = buildPriceFields(
      withArgs(guidePrice, { unitAmountDecimal: undefined, unitAmount: 0 }),
    );
    expect([free.unitAmount, free.unitAmountDecimal]).toEqual([0, '0']);
  });

  it('defaults to per_unit, one interval, licensed, no aggregation', () => {
    const fields = buildPriceFields({
      product: 'prod_1',
      currency: 'jpy',
      nickname: 'Seats',
      unitAmount: 1000,
      recurring: { interval: 'year' },
    });
    expect(fields.billingScheme).toBe('per_unit');
    expect(fields.currency).toBe('JPY');
    expect(fields.nickname).toBe('Seats');
    expect(fields.recurring).toEqual({
      interval: 'year',
      intervalCount: 1,
      usageType: 'licensed',
      aggregateUsage: null,
      meter: null,
    });
  });

  it('defaults metered prices to sum and keeps the other strategies', () => {
    const metered = { interval: 'month', usageType: 'metered' };
    expect(
      buildPriceFields(withArgs(guidePrice, { recurring: metered })).recurring.aggregateUsage,
    ).toBe('sum');
    for (const aggregateUsage of ['max', 'last_during_period', 'last_ever'] as const) {
      const fields = buildPriceFields(
        withArgs(guidePrice, { recurring: { ...metered, aggregateUsage } }),
      );
      expect(fields.recurring.aggregateUsage).toBe(aggregateUsage);
    }
  });

  it('normalizes tiers to decimal strings', () => {
    const fields = buildPriceFields(tieredPrice);
    expect(fields).toMatchObject({
      billingScheme: 'tiered',
      tiersMode: 'graduated',
      unitAmount: null,
      unitAmountDecimal: null,
      transformQuantity: null,
    });
    expect(fields.tiers).toEqual([
      { upTo: 100, unitAmountDecimal: '10', flatAmountDecimal: '500' },
      { upTo: 1000, unitAmountDecimal: '0.5', flatAmountDecimal: null },
      { upTo: 'inf', unitAmountDecimal: null, flatAmountDecimal: '2500' },
    ]);
  });

  it('accepts a single inf tier and package pricing', () => {
    const single = withArgs(tieredPrice, {
      tiers: [{ upTo: 'inf', unitAmount: 3 }],
      tiersMode: 'volume',
    });
    expect(buildPriceFields(single).tiers).toEqual([
      { upTo: 'inf', unitAmountDecimal: '3', flatAmountDecimal: null },
    ]);
    const packaged = withArgs(guidePrice, { transformQuantity: { divideBy: 1000, round: 'up' } });
    expect(buildPriceFields(packaged).transformQuantity).toEqual({ divideBy: 1000, round: 'up' });
  });

  it('accepts periods of up to one year', () => {
    for (const [interval, intervalCount] of Object.entries(maxIntervalCount)) {
      const fields = buildPriceFields(
        withArgs(guidePrice, { recurring: { interval, intervalCount } }),
      );
      expect(fields.recurring.intervalCount).toBe(intervalCount);
    }
  });

  it('keeps the product id as given (the engine checks it exists)', () => {
    expect(buildPriceFields(withArgs(guidePrice, { product: 'prod_missing' })).product).toBe(
      'prod_missing',
    );
  });
});

describe('buildPriceFields: rejections name the param', () => {
  const cases: [string, unknown, string | null, string][] = [
    ['not an object', null, null, 'parameter_invalid'],
    [
      'missing product',
      withArgs(guidePrice, { product: undefined }),
      'product',
      'parameter_missing',
    ],
    ['empty product', withArgs(guidePrice, { product: '' }), 'product', 'parameter_invalid'],
    [
      'snake_case key',
      withArgs(guidePrice, { unit_amount: 5 }),
      'unit_amount',
      'parameter_invalid',
    ],
    [
      'missing currency',
      withArgs(guidePrice, { currency: undefined }),
      'currency',
      'parameter_missing',
    ],
    ['unknown currency', withArgs(guidePrice, { currency: 'EUX' }), 'currency', 'currency_invalid'],
    [
      'nickname not a string',
      withArgs(guidePrice, { nickname: 5 }),
      'nickname',
      'parameter_invalid',
    ],
    [
      'unknown billingScheme',
      withArgs(guidePrice, { billingScheme: 'flat' }),
      'billingScheme',
      'parameter_invalid',
    ],
    // per_unit
    [
      'negative unitAmount',
      withArgs(guidePrice, { unitAmountDecimal: undefined, unitAmount: -1 }),
      'unitAmount',
      'parameter_invalid',
    ],
    [
      'fractional unitAmount',
      withArgs(guidePrice, { unitAmountDecimal: undefined, unitAmount: 1.5 }),
      'unitAmount',
      'parameter_invalid',
    ],
    [
      'unitAmountDecimal as number',
      withArgs(guidePrice, { unitAmountDecimal: 0.2 }),
      'unitAmountDecimal',
      'parameter_invalid',
    ],
    [
      'too many decimals',
      withArgs(guidePrice, { unitAmountDecimal: '0.1234567890123' }),
      'unitAmountDecimal',
      'amount_invalid',
    ],
    [
      'negative decimal',
      withArgs(guidePrice, { unitAmountDecimal: '-0.2' }),
      'unitAmountDecimal',
      'amount_invalid',
    ],
    [
      'both unit amounts',
      withArgs(guidePrice, { unitAmount: 1 }),
      'unitAmountDecimal',
      'parameter_conflict',
    ],
    [
      'no unit amount',
      withArgs(guidePrice, { unitAmountDecimal: undefined }),
      'unitAmount',
      'parameter_missing',
    ],
    [
      'tiers on per_unit',
      withArgs(guidePrice, { tiers: tieredPrice.tiers }),
      'tiers',
      'parameter_not_allowed',
    ],
    [
      'tiersMode on per_unit',
      withArgs(guidePrice, { tiersMode: 'volume' }),
      'tiersMode',
      'parameter_not_allowed',
    ],
    [
      'divideBy 0',
      withArgs(guidePrice, { transformQuantity: { divideBy: 0, round: 'up' } }),
      'transformQuantity.divideBy',
      'parameter_invalid',
    ],
    [
      'divideBy fraction',
      withArgs(guidePrice, { transformQuantity: { divideBy: 2.5, round: 'up' } }),
      'transformQuantity.divideBy',
      'parameter_invalid',
    ],
    [
      'round nearest',
      withArgs(guidePrice, { transformQuantity: { divideBy: 10, round: 'nearest' } }),
      'transformQuantity.round',
      'parameter_invalid',
    ],
    [
      'missing divideBy',
      withArgs(guidePrice, { transformQuantity: { round: 'up' } }),
      'transformQuantity.divideBy',
      'parameter_missing',
    ],
    // tiered
    [
      'unitAmount on tiered',
      withArgs(tieredPrice, { unitAmount: 5 }),
      'unitAmount',
      'parameter_not_allowed',
    ],
    [
      'unitAmountDecimal on tiered',
      withArgs(tieredPrice, { unitAmountDecimal: '5' }),
      'unitAmountDecimal',
      'parameter_not_allowed',
    ],
    [
      'transformQuantity on tiered',
      withArgs(tieredPrice, { transformQuantity: { divideBy: 10, round: 'up' } }),
      'transformQuantity',
      'parameter_not_allowed',
    ],
    ['missing tiers', withArgs(tieredPrice, { tiers: undefined }), 'tiers', 'parameter_missing'],
    [
      'missing tiersMode',
      withArgs(tieredPrice, { tiersMode: undefined }),
      'tiersMode',
      'parameter_missing',
    ],
    [
      'unknown tiersMode',
      withArgs(tieredPrice, { tiersMode: 'stairstep' }),
      'tiersMode',
      'parameter_invalid',
    ],
    ['no tiers', withArgs(tieredPrice, { tiers: [] }), 'tiers', 'parameter_invalid'],
    [
      'last tier bounded',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 100, unitAmount: 1 },
          { upTo: 200, unitAmount: 1 },
        ],
      }),
      'tiers[1].upTo',
      'tiers_last_not_inf',
    ],
    [
      'inf before the last',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 'inf', unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[0].upTo',
      'tiers_inf_not_last',
    ],
    [
      'upTo 0',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 0, unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[0].upTo',
      'parameter_invalid',
    ],
    [
      'upTo fraction',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 1.5, unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[0].upTo',
      'parameter_invalid',
    ],
    [
      'upTo other word',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 'infinity', unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[0].upTo',
      'parameter_invalid',
    ],
    [
      'upTo boolean',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: true, unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[0].upTo',
      'parameter_invalid',
    ],
    [
      'missing upTo',
      withArgs(tieredPrice, { tiers: [{ unitAmount: 1 }] }),
      'tiers[0].upTo',
      'parameter_missing',
    ],
    [
      'upTo equal to the previous',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 100, unitAmount: 1 },
          { upTo: 100, unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[1].upTo',
      'tiers_not_increasing',
    ],
    [
      'upTo decreasing',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 100, unitAmount: 1 },
          { upTo: 50, unitAmount: 1 },
          { upTo: 'inf', unitAmount: 1 },
        ],
      }),
      'tiers[1].upTo',
      'tiers_not_increasing',
    ],
    [
      'tier without amount',
      withArgs(tieredPrice, { tiers: [{ upTo: 100, unitAmount: 1 }, { upTo: 'inf' }] }),
      'tiers[1].unitAmount',
      'parameter_missing',
    ],
    [
      'tier with both unit amounts',
      withArgs(tieredPrice, { tiers: [{ upTo: 'inf', unitAmount: 1, unitAmountDecimal: '1' }] }),
      'tiers[0].unitAmountDecimal',
      'parameter_conflict',
    ],
    [
      'tier with both flat amounts',
      withArgs(tieredPrice, { tiers: [{ upTo: 'inf', flatAmount: 1, flatAmountDecimal: '1' }] }),
      'tiers[0].flatAmountDecimal',
      'parameter_conflict',
    ],
    [
      'tier bad flat decimal',
      withArgs(tieredPrice, {
        tiers: [
          { upTo: 10, unitAmount: 1 },
          { upTo: 'inf', flatAmountDecimal: '1e3' },
        ],
      }),
      'tiers[1].flatAmountDecimal',
      'amount_invalid',
    ],
    [
      'tier negative flat',
      withArgs(tieredPrice, { tiers: [{ upTo: 'inf', flatAmount: -5 }] }),
      'tiers[0].flatAmount',
      'parameter_invalid',
    ],
    [
      'tier unknown key',
      withArgs(tieredPrice, { tiers: [{ up_to: 10, upTo: 'inf', unitAmount: 1 }] }),
      'tiers[0].up_to',
      'parameter_invalid',
    ],
    // recurring
    [
      'missing recurring',
      withArgs(guidePrice, { recurring: undefined }),
      'recurring',
      'parameter_missing',
    ],
    [
      'missing interval',
      withArgs(guidePrice, { recurring: { usageType: 'metered' } }),
      'recurring.interval',
      // Missing, and the message lists the values to use.
      'parameter_missing',
    ],
    [
      'interval hour',
      withArgs(guidePrice, { recurring: { interval: 'hour' } }),
      'recurring.interval',
      'parameter_invalid',
    ],
    [
      'intervalCount 0',
      withArgs(guidePrice, { recurring: { interval: 'month', intervalCount: 0 } }),
      'recurring.intervalCount',
      'parameter_invalid',
    ],
    [
      'intervalCount fraction',
      withArgs(guidePrice, { recurring: { interval: 'month', intervalCount: 1.5 } }),
      'recurring.intervalCount',
      'parameter_invalid',
    ],
    [
      '366 days',
      withArgs(guidePrice, { recurring: { interval: 'day', intervalCount: 366 } }),
      'recurring.intervalCount',
      'interval_count_too_large',
    ],
    [
      '53 weeks',
      withArgs(guidePrice, { recurring: { interval: 'week', intervalCount: 53 } }),
      'recurring.intervalCount',
      'interval_count_too_large',
    ],
    [
      '13 months',
      withArgs(guidePrice, { recurring: { interval: 'month', intervalCount: 13 } }),
      'recurring.intervalCount',
      'interval_count_too_large',
    ],
    [
      '2 years',
      withArgs(guidePrice, { recurring: { interval: 'year', intervalCount: 2 } }),
      'recurring.intervalCount',
      'interval_count_too_large',
    ],
    [
      'unknown usageType',
      withArgs(guidePrice, { recurring: { interval: 'month', usageType: 'seats' } }),
      'recurring.usageType',
      'parameter_invalid',
    ],
    [
      'unknown aggregateUsage',
      withArgs(guidePrice, {
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'avg' },
      }),
      'recurring.aggregateUsage',
      'parameter_invalid',
    ],
    [
      'aggregateUsage without metered',
      withArgs(guidePrice, { recurring: { interval: 'month', aggregateUsage: 'max' } }),
      'recurring.aggregateUsage',
      'aggregate_usage_requires_metered',
    ],
    [
      'aggregateUsage on licensed',
      withArgs(guidePrice, {
        recurring: { interval: 'month', usageType: 'licensed', aggregateUsage: 'sum' },
      }),
      'recurring.aggregateUsage',
      'aggregate_usage_requires_metered',
    ],
    [
      'unknown recurring key',
      withArgs(guidePrice, { recurring: { interval: 'month', interval_count: 2 } }),
      'recurring.interval_count',
      'parameter_invalid',
    ],
  ];

  it.each(cases)('%s', (_name, args, param, code) => {
    const error = rejection(args);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    // The message names the param and says what to do.
    if (param !== null) expect(error.message).toContain(param.split('.').at(-1)!.split('[')[0]!);
  });

  it('explains how to fix the messages users hit most', () => {
    expect(rejection(withArgs(guidePrice, { unitAmountDecimal: undefined })).message).toBe(
      "Missing unit amount: pass unitAmount (whole minor units, e.g. 5) or unitAmountDecimal (e.g. '0.2' for EUR 0.002) for a 'usage' price.",
    );
    expect(
      rejection(
        withArgs(tieredPrice, {
          tiers: [
            { upTo: 100, unitAmount: 1 },
            { upTo: 200, unitAmount: 1 },
          ],
        }),
      ).message,
    ).toBe(
      "Invalid tiers[1].upTo: the last tier must have upTo 'inf' so that every quantity has a tier.",
    );
    expect(
      rejection(withArgs(guidePrice, { recurring: { interval: 'month', intervalCount: 13 } }))
        .message,
    ).toBe(
      "Invalid recurring.intervalCount 13: a period is at most one year, so use at most 12 with interval 'month'.",
    );
  });
});
