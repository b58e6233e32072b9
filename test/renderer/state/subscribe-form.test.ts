import { describe, expect, it } from 'vitest';
import type { Price, Subscription } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CustomersState } from '../../../renderer/state/customers.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

const metered = {
  id: 'price_calls',
  currency: 'EUR',
  recurring: { usageType: 'metered' },
} as Price;
const seats = { id: 'price_seats', currency: 'EUR', recurring: { usageType: 'licensed' } } as Price;
const created = { id: 'sub_1', items: { data: [{ id: 'si_1' }] } } as unknown as Subscription;

async function setup(create: () => Subscription = () => created) {
  const transport = new FakeTransport()
    .on('prices.list', () => ({ object: 'list', data: [metered, seats], hasMore: false }))
    .on('subscriptions.create', create)
    .on('workspace.current', () => null);
  const people = new CustomersState(new AppState(createApiClient(transport)));
  await people.prices.load();
  people.selected = 'cust_1';
  return { transport, people, form: people.subscribeForm };
}

describe('the subscribe form', () => {
  it('sends only the customer and items when no option is set', async () => {
    const { transport, people } = await setup();
    people.toggle('price_calls');
    people.toggle('price_seats');
    people.subscribeForm.lines[1]!.quantity = '3';
    await people.subscribe();
    expect(transport.callsOf('subscriptions.create')).toEqual([
      [
        {
          customer: 'cust_1',
          items: [{ price: 'price_calls' }, { price: 'price_seats', quantity: 3 }],
        },
      ],
    ]);
    expect(people.subscribeForm.lines).toEqual([]);
  });

  it('sends a 14-day trial, coupons in order, tax rates, a minimum and billing thresholds', async () => {
    const { transport, people, form } = await setup();
    people.toggle('price_calls');
    form.lines[0]!.usageGte = '5000';
    form.trial = 'days';
    form.trialDays = '14';
    form.toggleCoupon('cpn_b');
    form.toggleCoupon('cpn_a');
    form.toggleTaxRate('txr_vat');
    form.minimum = '20.00';
    form.amountGte = '100';
    await people.subscribe();
    expect(transport.callsOf('subscriptions.create')).toEqual([
      [
        {
          customer: 'cust_1',
          items: [{ price: 'price_calls', billingThresholds: { usageGte: 5000 } }],
          trialPeriodDays: 14,
          discounts: [{ coupon: 'cpn_b' }, { coupon: 'cpn_a' }],
          defaultTaxRates: ['txr_vat'],
          minimumCommitment: { amount: 2000, currency: 'EUR' },
          billingThresholds: { amountGte: 10000 },
        },
      ],
    ]);
  });

  it('sends a trial end, an anchor and a backdated start as unix seconds (UTC)', async () => {
    const { transport, people, form } = await setup();
    people.toggle('price_calls');
    form.trial = 'end';
    form.trialEnd = '2025-04-01T00:00';
    form.anchor = '2025-04-15T12:00';
    form.backdate = '2025-03-01T00:00:30';
    await people.subscribe();
    expect(transport.callsOf('subscriptions.create')[0]).toEqual([
      {
        customer: 'cust_1',
        items: [{ price: 'price_calls' }],
        trialEnd: 1_743_465_600,
        billingCycleAnchor: 1_744_718_400,
        backdateStartDate: 1_740_787_230,
      },
    ]);
  });

  it('names a trial end and a minimum it cannot read before asking the engine', async () => {
    const { transport, people, form } = await setup();
    people.toggle('price_calls');
    form.trial = 'end';
    form.minimum = '20.001';
    await people.subscribe();
    expect(transport.callsOf('subscriptions.create')).toEqual([]);
    expect(form.issueFor('trialEnd')).toBe('Trial ends: enter the end of the trial.');
    expect(form.issueFor('minimumCommitment')).toMatch(/^Minimum per period: enter an amount/);
    expect(form.optionsInUse).toBe(true);
  });

  it("shows the engine's refusals at the field they name", async () => {
    let refusal = new EngineRefusal(
      'invalid_trial_end',
      'trialEnd',
      'trialEnd 1740787200 is not after the clock (1740790800): pass a later time, or trialPeriodDays.',
    );
    const { people, form } = await setup(() => {
      throw refusal;
    });
    people.toggle('price_calls');
    form.trial = 'end';
    form.trialEnd = '2025-03-01T00:00';
    await people.subscribe();
    expect(form.issueFor('trialEnd')).toBe(
      '“Trial ends” 2025-03-01 00:00 UTC is not after the clock (2025-03-01 01:00 UTC): pass a later time, or “Trial days”.',
    );
    expect(form.unplacedError).toBeNull();

    refusal = new EngineRefusal(
      'currency_mismatch',
      'discounts[0].coupon',
      'Coupon cpn_1 takes USD off but the subscription bills in EUR: use a percentOff coupon or one in EUR.',
    );
    await people.subscribe();
    expect(form.issueFor('discounts')).toMatch(/^Coupon cpn_1 takes USD off/);
    expect(form.issueFor('trialEnd')).toBeNull();

    // A metered item's threshold shows beside that price, not on the prices as a whole.
    refusal = new EngineRefusal(
      'parameter_invalid',
      'items[0].billingThresholds.usageGte',
      'Invalid items[0].billingThresholds.usageGte: must be at least 1 (got 0).',
    );
    await people.subscribe();
    expect(form.issueFor('items[0].billingThresholds')).toMatch(/must be at least 1/);
    expect(form.pricesIssue).toBeNull();
  });
});
