// One error type for every rejected call: type, a stable code, the offending param and a message
// that says how to fix the call; and a rejected call changes nothing.
import { describe, expect, it } from 'vitest';
import { MeterlabError, toErrorEnvelope } from '../../../core';
import type { PriceCreateArgs } from '../../../core/simulator/api';
import {
  GUIDE_PRICE,
  expectRejectedUnchanged,
  licensedPrice,
  meteredPrice,
  scenario,
} from './fixtures';

describe('MeterlabError', () => {
  it('is an Error with type, code, param and message, and a plain envelope', () => {
    const { sim } = scenario();
    let caught: unknown;
    try {
      sim.products.retrieve('prod_nope');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MeterlabError);
    expect(caught).toBeInstanceOf(Error);
    const error = caught as MeterlabError;
    expect(error.name).toBe('MeterlabError');
    const envelope = toErrorEnvelope(error);
    expect(envelope).toEqual({
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'id',
      message: expect.stringContaining('prod_nope'),
    });
    expect(JSON.parse(JSON.stringify(envelope))).toEqual(envelope);
  });
});

describe('rejected calls name the param, say how to fix it and change nothing', () => {
  const setup = () => {
    const built = scenario({ prices: [GUIDE_PRICE, licensedPrice(1000)] });
    const dollars = built.sim.prices.create({
      ...meteredPrice('1', { currency: 'USD' }),
      product: built.productId,
    });
    // The item holds usage already (a first record's rejection is tested in usage-records).
    built.sim.usageRecords.create({ subscriptionItem: built.item, quantity: 1 });
    return { ...built, dollars };
  };
  type Setup = ReturnType<typeof setup>;
  const price = (setupResult: Setup, changes: Partial<PriceCreateArgs>) =>
    setupResult.sim.prices.create({ ...GUIDE_PRICE, product: setupResult.productId, ...changes });

  const cases: {
    name: string;
    call: (s: Setup) => unknown;
    code: string;
    param: string;
    hint: RegExp;
  }[] = [
    {
      name: 'aggregateUsage on a licensed price',
      call: (s) =>
        price(s, {
          recurring: { interval: 'month', usageType: 'licensed', aggregateUsage: 'max' },
        }),
      code: 'aggregate_usage_requires_metered',
      param: 'recurring.aggregateUsage',
      hint: /metered/,
    },
    {
      name: 'an unknown aggregateUsage',
      call: (s) =>
        price(s, {
          recurring: {
            interval: 'month',
            usageType: 'metered',
            aggregateUsage: 'average' as 'sum',
          },
        }),
      code: 'parameter_invalid',
      param: 'recurring.aggregateUsage',
      hint: /last_during_period/,
    },
    {
      name: 'a tier bound out of order',
      call: (s) =>
        price(s, {
          billingScheme: 'tiered',
          unitAmountDecimal: undefined,
          tiersMode: 'graduated',
          tiers: [
            { upTo: 10, unitAmount: 1 },
            { upTo: 20, unitAmount: 1 },
            { upTo: 15, unitAmount: 1 },
            { upTo: 'inf', unitAmount: 1 },
          ],
        }),
      code: 'tiers_not_increasing',
      param: 'tiers[2].upTo',
      hint: /upTo/,
    },
    {
      name: 'an unknown price on a new subscription',
      call: (s) =>
        s.sim.subscriptions.create({ customer: s.customerId, items: [{ price: 'price_nope' }] }),
      code: 'resource_missing',
      param: 'items[0].price',
      hint: /price_nope/,
    },
    {
      name: 'an unknown customer',
      call: (s) =>
        s.sim.subscriptions.create({ customer: 'cust_nope', items: [{ price: s.price.id }] }),
      code: 'resource_missing',
      param: 'customer',
      hint: /cust_nope/,
    },
    {
      name: 'two currencies on one subscription',
      call: (s) =>
        s.sim.subscriptions.create({
          customer: s.customerId,
          items: [{ price: s.price.id }, { price: s.dollars.id }],
        }),
      code: 'currency_mismatch',
      param: 'items[1].price',
      hint: /one currency/,
    },
    {
      name: 'a quantity on a metered item',
      call: (s) =>
        s.sim.subscriptions.create({
          customer: s.customerId,
          items: [{ price: s.price.id, quantity: 3 }],
        }),
      code: 'quantity_not_allowed',
      param: 'items[0].quantity',
      hint: /Remove quantity/,
    },
    {
      name: 'a batch record in the future',
      call: (s) =>
        s.sim.usageRecords.createBatch({
          subscriptionItem: s.item,
          records: [{ quantity: 1 }, { quantity: 1 }, { quantity: 1, timestamp: 4_000_000_000 }],
        }),
      code: 'timestamp_in_future',
      param: 'records[2].timestamp',
      hint: /advance the clock/,
    },
    {
      name: 'a customer id taken',
      call: (s) => s.sim.customers.create({ id: s.customerId, name: 'Again' }),
      code: 'resource_already_exists',
      param: 'id',
      hint: /another id/,
    },
    {
      name: 'an unknown test card',
      call: (s) =>
        s.sim.customers.update(s.customerId, { paymentMethod: 'pm_card_amex' as 'pm_card_visa' }),
      code: 'parameter_invalid',
      param: 'paymentMethod',
      hint: /pm_card_visa/,
    },
    {
      name: 'a webhook url that is not http',
      call: (s) => s.sim.webhookEndpoints.create({ url: 'ftp://example.com/hooks' }),
      code: 'parameter_invalid',
      param: 'url',
      hint: /url/,
    },
    {
      name: 'a negative finalization delay',
      call: (s) => s.sim.settings.update({ finalizationDelaySeconds: -1 }),
      code: 'parameter_invalid',
      param: 'finalizationDelaySeconds',
      hint: /at least 0/,
    },
    {
      name: 'a quote of a fractional quantity',
      call: (s) => s.sim.quote(s.price.id, 1.5),
      code: 'parameter_invalid',
      param: 'quantity',
      hint: /whole number/,
    },
  ];

  it.each(cases)('$name -> $code on $param', ({ call, code, param, hint }) => {
    const built = setup();
    const error = expectRejectedUnchanged(built.sim, () => call(built), {
      type: 'invalid_request_error',
      code,
      param,
    });
    expect(error.message).toMatch(hint);
    expect(error.code).toMatch(/^[a-z][a-z_]*$/);
  });
});
