// Invoices and payments through the API: what each invoice bills, rounding and currencies, pricing
// models over a whole invoice, the draft -> open -> paid life, failed payments and retries.
import { describe, expect, it } from 'vitest';
import type { Invoice, Subscription } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  HOUR,
  MAR_1_2025,
  MAY_1_2025,
  eventsOf,
  expectRejectedUnchanged,
  invoicesOf,
  latestInvoice,
  licensedPrice,
  meteredPrice,
  scenario,
  sumOfLines,
} from './fixtures';
import type { PriceSpec, ScenarioOptions } from './fixtures';

/** Reports `quantities` (one per metered item) on day 10 of March and closes March. */
function billMarch(options: ScenarioOptions, quantities: (number | undefined)[]) {
  const built = scenario(options);
  built.sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
  quantities.forEach((quantity, index) => {
    if (quantity !== undefined)
      built.sim.usageRecords.create({ subscriptionItem: built.items[index]!, quantity });
  });
  built.sim.testClock.advance({ frozenTime: APR_1_2025 + HOUR });
  const invoice = latestInvoice(built.sim, built.subscription.id);
  expect(invoice.periodEnd).toBe(APR_1_2025);
  expect(invoice.total).toBe(sumOfLines(invoice));
  return { ...built, invoice };
}

describe('what invoices bill', () => {
  it('invoices licensed items for the first period at once, in advance', () => {
    const { sim, subscription } = scenario({ prices: [licensedPrice(1000)], quantities: [3] });
    const [created] = invoicesOf(sim, subscription.id);
    // 3 seats × 1000 = 3000
    expect(created).toMatchObject({
      billingReason: 'subscription_create',
      status: 'paid',
      total: 3000,
      amountPaid: 3000,
      periodStart: MAR_1_2025,
      periodEnd: APR_1_2025,
    });
    expect(created!.lines.data[0]).toMatchObject({
      quantity: 3,
      amount: 3000,
      period: { start: MAR_1_2025, end: APR_1_2025 },
    });
  });

  it("groups the digits of a line's quantity in its description and summary", () => {
    const { invoice, items } = billMarch(
      { prices: [licensedPrice(1), meteredPrice('0.2')], quantities: [1500] },
      [undefined, 10_000_000],
    );
    const licensed = invoice.lines.data.find((line) => line.subscriptionItem === items[0])!;
    const metered = invoice.lines.data.find((line) => line.subscriptionItem === items[1])!;
    expect(licensed.description).toMatch(/^1,500 × /);
    expect(licensed.explanation.summary).toMatch(/^Licensed: 1,500 × /);
    // 10,000,000 × 0.2 = 2,000,000 minor units = EUR 20,000.00
    expect(metered.amount).toBe(2_000_000);
    expect(metered.description).toMatch(/ \(10,000,000 units, sum\)$/);
    expect(metered.explanation.summary).toMatch(
      /^Metered \(sum\): 10,000,000 units over .*, EUR 20,000\.00\.$/,
    );
    expect(metered.quantity).toBe(10_000_000);
  });

  it('bills licensed items for the coming period and metered items for the ended one', () => {
    const { invoice, items } = billMarch(
      { prices: [licensedPrice(1000), meteredPrice('0.2')], quantities: [2] },
      [undefined, 18420],
    );
    const licensed = invoice.lines.data.find((line) => line.subscriptionItem === items[0]);
    const metered = invoice.lines.data.find((line) => line.subscriptionItem === items[1]);
    // In advance for April: 2 × 1000 = 2000
    expect(licensed).toMatchObject({
      amount: 2000,
      period: { start: APR_1_2025, end: MAY_1_2025 },
    });
    // In arrears for March: 18420 × 0.2 = 3684
    expect(metered).toMatchObject({
      amount: 3684,
      period: { start: MAR_1_2025, end: APR_1_2025 },
    });
    // 2000 + 3684 = 5684
    expect(invoice).toMatchObject({
      total: 5684,
      status: 'paid',
      billingReason: 'subscription_cycle',
    });
  });

  it('an invoice of 0 is paid at once without charging the card', () => {
    const { invoice } = billMarch({ paymentMethod: 'pm_card_chargeDeclined' }, [0]);
    expect(invoice).toMatchObject({ total: 0, status: 'paid', attemptCount: 0 });
  });

  it('finalizes at once with a finalization delay of 0', () => {
    const { sim, subscription } = scenario({ settings: { finalizationDelaySeconds: 0 } });
    sim.testClock.advance({ frozenTime: APR_1_2025 });
    expect(latestInvoice(sim, subscription.id)).toMatchObject({
      status: 'paid',
      finalizedAt: APR_1_2025,
    });
  });

  it('lists invoices newest first and filters them', () => {
    const { sim, subscription } = scenario();
    sim.testClock.advance({ frozenTime: APR_1_2025 + 30 * 60 });
    const all = sim.invoices.list({ subscription: subscription.id }).data;
    expect(all.map((invoice) => invoice.billingReason)).toEqual([
      'subscription_cycle',
      'subscription_create',
    ]);
    expect(sim.invoices.list({ status: 'draft' }).data.map((invoice) => invoice.id)).toEqual([
      all[0]!.id,
    ]);
    expect(sim.invoices.retrieve(all[1]!.id)).toEqual(all[1]);
  });
});

describe('rounding and currencies', () => {
  it('rounds a sub-cent line half up, not to even', () => {
    // 10 × 0.25 = 2.5 cents -> 3 (banker's rounding would give 2)
    expect(billMarch({ prices: [meteredPrice('0.25')] }, [10]).invoice.total).toBe(3);
    // 18421 × 0.2 = 3684.2 -> 3684
    expect(billMarch({ prices: [meteredPrice('0.2')] }, [18421]).invoice.total).toBe(3684);
    // 7 × 0.35 = 2.45 -> 2 (one rounding of the exact amount, never 2.45 -> 2.5 -> 3)
    expect(billMarch({ prices: [meteredPrice('0.35')] }, [7]).invoice.total).toBe(2);
  });

  it('rounds each line once, then sums the rounded lines', () => {
    const { invoice } = billMarch(
      { prices: [meteredPrice('0.25'), meteredPrice('0.25', { nickname: 'second' })] },
      [2, 2],
    );
    // Each line: 2 × 0.25 = 0.5 -> 1; total 1 + 1 = 2 (rounding the exact 1.0 sum would give 1)
    expect(invoice.lines.data.map((line) => [line.amountExact, line.amount])).toEqual([
      ['0.5', 1],
      ['0.5', 1],
    ]);
    expect(invoice.total).toBe(2);
  });

  it('bills JPY in whole yen (exponent 0)', () => {
    const yen: PriceSpec = { ...meteredPrice('0'), unitAmountDecimal: undefined, unitAmount: 3 };
    const { invoice, price } = billMarch({ prices: [{ ...yen, currency: 'JPY' }] }, [1234]);
    expect([price.currency, price.unitAmount]).toEqual(['JPY', 3]);
    // 1234 × ¥3 = ¥3702
    expect(invoice).toMatchObject({ currency: 'JPY', total: 3702 });
    // 5 × ¥0.5 = ¥2.5 -> ¥3
    const half = billMarch({ prices: [meteredPrice('0.5', { currency: 'JPY' })] }, [5]).invoice;
    expect(half).toMatchObject({ currency: 'JPY', total: 3 });
  });

  it('bills KWD in fils (exponent 3)', () => {
    const { invoice } = billMarch({ prices: [meteredPrice('1.25', { currency: 'KWD' })] }, [1001]);
    // 1001 × 1.25 fils = 1251.25 fils -> 1251 fils = KWD 1.251
    expect(invoice).toMatchObject({ currency: 'KWD', total: 1251 });
    expect(invoice.lines.data[0]).toMatchObject({ amountExact: '1251.25', amount: 1251 });
    // 3 × 0.5 fils = 1.5 -> 2 fils
    expect(
      billMarch({ prices: [meteredPrice('0.5', { currency: 'KWD' })] }, [3]).invoice.total,
    ).toBe(2);
  });
});

describe('pricing models over a whole invoice', () => {
  const tiers = [
    { upTo: 100, unitAmount: 10, flatAmount: 500 },
    { upTo: 1000, unitAmountDecimal: '5.5' },
    { upTo: 'inf' as const, unitAmount: 1, flatAmount: 200 },
  ];
  const tiered = (tiersMode: 'graduated' | 'volume'): PriceSpec => ({
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode,
    tiers,
    recurring: { interval: 'month', usageType: 'metered' },
  });

  it.each([
    // 0 falls in the first tier: its flat 500
    [0, 500],
    // 100 × 10 + 500 = 1500 (upTo 100 is inclusive)
    [100, 1500],
    // 1500 + 1 × 5.5 = 1505.5 -> 1506
    [101, 1506],
    // 1500 + 900 × 5.5 = 1500 + 4950 = 6450
    [1000, 6450],
    // 6450 + 500 × 1 + 200 = 7150
    [1500, 7150],
  ])('graduated: %i units bill %i', (quantity, total) => {
    const { invoice } = billMarch({ prices: [tiered('graduated')] }, [quantity]);
    expect(invoice.total).toBe(total);
    expect(invoice.lines.data[0]!.explanation.pricing.model).toBe('graduated');
  });

  it.each([
    // 0 in tier 1: 0 × 10 + 500 = 500
    [0, 500],
    // 100 in tier 1: 100 × 10 + 500 = 1500
    [100, 1500],
    // 101 in tier 2: 101 × 5.5 = 555.5 -> 556
    [101, 556],
    // 1000 in tier 2 (inclusive): 1000 × 5.5 = 5500
    [1000, 5500],
    // 1001 in tier 3: 1001 × 1 + 200 = 1201, less than 1000 units cost
    [1001, 1201],
  ])('volume: %i units bill %i', (quantity, total) => {
    const { invoice } = billMarch({ prices: [tiered('volume')] }, [quantity]);
    expect(invoice.total).toBe(total);
    expect(invoice.lines.data[0]!.explanation.pricing.model).toBe('volume');
  });

  it.each([
    // 250 / 100 = 2.5 packages: up -> 3 × 500 = 1500, down -> 2 × 500 = 1000
    ['up', 250, 1500],
    ['down', 250, 1000],
    // 200 / 100 = 2 packages either way: 1000
    ['up', 200, 1000],
    ['down', 200, 1000],
    // 1 / 100 = 0.01: up -> 1 package (500), down -> 0
    ['up', 1, 500],
    ['down', 1, 0],
  ] as const)('package of 100 rounded %s: %i units bill %i', (round, quantity, total) => {
    const price: PriceSpec = {
      ...meteredPrice('500'),
      transformQuantity: { divideBy: 100, round },
    };
    const { invoice } = billMarch({ prices: [price] }, [quantity]);
    expect(invoice.total).toBe(total);
    expect(invoice.lines.data[0]).toMatchObject({ quantity });
  });
});

describe('failed payments and retries', () => {
  /** A declined card on March's usage of 1000 × 0.2 = 200 cents; returns the first failure time. */
  function declined(options: ScenarioOptions = {}) {
    const built = billMarch({ paymentMethod: 'pm_card_chargeDeclined', ...options }, [1000]);
    return { ...built, firstFailure: APR_1_2025 + HOUR };
  }
  const status = (sim: ReturnType<typeof scenario>['sim'], subscription: Subscription) =>
    sim.subscriptions.retrieve(subscription.id).status;

  it('a declined card fails the invoice and makes the subscription past_due', () => {
    const { sim, subscription, invoice, firstFailure } = declined();
    expect(invoice).toMatchObject({
      status: 'open',
      total: 200,
      amountRemaining: 200,
      attemptCount: 1,
      nextPaymentAttempt: firstFailure + DAY,
    });
    expect(status(sim, subscription)).toBe('past_due');
    const failed = eventsOf(sim, 'invoice.payment_failed');
    expect(failed.map((event) => [event.data.id, event.created])).toEqual([
      [invoice.id, firstFailure],
    ]);
    const updates = eventsOf(sim, 'customer.subscription.updated');
    expect((updates.at(-1)!.data as Subscription).status).toBe('past_due');
  });

  it('retries 1, 3, 5 and 7 days after the first failure, then gives up and cancels', () => {
    const { sim, subscription, invoice, firstFailure } = declined();
    const nextAttempts: (number | null)[] = [invoice.nextPaymentAttempt];
    for (const day of [1, 3, 5]) {
      sim.testClock.advance({ frozenTime: firstFailure + day * DAY });
      nextAttempts.push(sim.invoices.retrieve(invoice.id).nextPaymentAttempt);
      expect(status(sim, subscription)).toBe('past_due');
    }
    expect(nextAttempts).toEqual([1, 3, 5, 7].map((day) => firstFailure + day * DAY));

    // The day before the last retry nothing happens.
    sim.testClock.advance({ frozenTime: firstFailure + 7 * DAY - 1 });
    expect(sim.invoices.retrieve(invoice.id).attemptCount).toBe(4);

    sim.testClock.advance({ frozenTime: firstFailure + 7 * DAY });
    const final = sim.invoices.retrieve(invoice.id);
    expect(final).toMatchObject({
      status: 'uncollectible',
      attemptCount: 5,
      nextPaymentAttempt: null,
    });
    expect(final.attempts.map((attempt) => [attempt.at, attempt.outcome])).toEqual(
      [0, 1, 3, 5, 7].map((day) => [firstFailure + day * DAY, 'failed']),
    );
    expect(sim.subscriptions.retrieve(subscription.id)).toMatchObject({
      status: 'canceled',
      endedAt: firstFailure + 7 * DAY,
    });
    expect(eventsOf(sim, 'invoice.payment_failed')).toHaveLength(5);
    expect(eventsOf(sim, 'invoice.marked_uncollectible').map((e) => e.data.id)).toEqual([
      invoice.id,
    ]);
    expect(eventsOf(sim, 'customer.subscription.deleted').map((e) => e.data.id)).toEqual([
      subscription.id,
    ]);
    // Nothing more happens to it.
    sim.testClock.advance({ frozenTime: MAY_1_2025 + DAY });
    expect(invoicesOf(sim, subscription.id).at(-1)!.id).toBe(invoice.id);
  });

  it("with whenRetriesExhausted 'unpaid' the subscription becomes unpaid instead", () => {
    const { sim, subscription, invoice, firstFailure } = declined({
      settings: { whenRetriesExhausted: 'unpaid' },
    });
    sim.testClock.advance({ frozenTime: firstFailure + 7 * DAY });
    expect(sim.invoices.retrieve(invoice.id).status).toBe('uncollectible');
    expect(sim.subscriptions.retrieve(subscription.id)).toMatchObject({
      status: 'unpaid',
      endedAt: null,
    });
  });

  it('the retry schedule is a setting', () => {
    const { sim, invoice, firstFailure } = declined({ settings: { retryScheduleDays: [2] } });
    expect(invoice.nextPaymentAttempt).toBe(firstFailure + 2 * DAY);
    sim.testClock.advance({ frozenTime: firstFailure + 2 * DAY });
    expect(sim.invoices.retrieve(invoice.id)).toMatchObject({
      status: 'uncollectible',
      attemptCount: 2,
    });
  });

  it('changing the card to pm_card_visa before a retry pays the invoice and reactivates', () => {
    const { sim, subscription, invoice, firstFailure, customerId } = declined();
    sim.testClock.advance({ frozenTime: firstFailure + DAY });
    expect(sim.invoices.retrieve(invoice.id).attemptCount).toBe(2);
    sim.customers.update(customerId, { paymentMethod: 'pm_card_visa' });
    sim.testClock.advance({ frozenTime: firstFailure + 3 * DAY });
    const paid = sim.invoices.retrieve(invoice.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amountPaid: 200,
      amountRemaining: 0,
      attemptCount: 3,
      nextPaymentAttempt: null,
      paidAt: firstFailure + 3 * DAY,
    });
    expect(paid.attempts.at(-1)).toMatchObject({
      outcome: 'succeeded',
      paymentMethod: 'pm_card_visa',
    });
    expect(status(sim, subscription)).toBe('active');
    expect(eventsOf(sim, 'invoice.paid').at(-1)!.data.id).toBe(invoice.id);
  });

  it('insufficient funds fail with their own code', () => {
    const { invoice } = declined({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    expect(invoice.attempts[0]).toMatchObject({
      outcome: 'failed',
      failureCode: 'insufficient_funds',
    });
  });

  it('a customer without a card fails the payment too', () => {
    const { invoice } = declined({ paymentMethod: null });
    expect(invoice).toMatchObject({ status: 'open', attemptCount: 1 });
    expect(invoice.attempts[0]!.outcome).toBe('failed');
  });
});

describe('invoice actions', () => {
  it('pays an open invoice by hand after the card changed', () => {
    const { sim, subscription, invoice, customerId } = billMarch(
      { paymentMethod: 'pm_card_chargeDeclined' },
      [1000],
    );
    sim.customers.update(customerId, { paymentMethod: 'pm_card_visa' });
    const paid = sim.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amountPaid: 200, nextPaymentAttempt: null });
    expect(sim.subscriptions.retrieve(subscription.id).status).toBe('active');
  });

  it('marks an open invoice uncollectible and voids another', () => {
    const { sim, invoice } = billMarch({ paymentMethod: 'pm_card_chargeDeclined' }, [1000]);
    const marked = sim.invoices.markUncollectible(invoice.id);
    expect(marked).toMatchObject({ status: 'uncollectible', nextPaymentAttempt: null });
    const voided = sim.invoices.voidInvoice(invoice.id);
    expect(voided.status).toBe('void');
    expect(eventsOf(sim, 'invoice.voided').map((event) => event.data.id)).toEqual([invoice.id]);
  });

  it('refuses to pay, void or mark a paid invoice, naming the id', () => {
    const { sim, invoice } = billMarch({}, [1000]);
    const expected = { type: 'invalid_request_error', param: 'id' } as const;
    expectRejectedUnchanged(sim, () => sim.invoices.pay(invoice.id), expected);
    expectRejectedUnchanged(sim, () => sim.invoices.voidInvoice(invoice.id), expected);
    expectRejectedUnchanged(sim, () => sim.invoices.markUncollectible(invoice.id), expected);
    expectRejectedUnchanged(sim, () => sim.invoices.retrieve('inv_nope'), {
      code: 'resource_missing',
      param: 'id',
    });
  });

  it('keeps every invoice total equal to the sum of its lines', () => {
    const { sim, subscription } = billMarch(
      { prices: [licensedPrice(999), meteredPrice('0.35')], quantities: [3] },
      [undefined, 12345],
    );
    sim.testClock.advance({ frozenTime: MAY_1_2025 + HOUR });
    const all: Invoice[] = invoicesOf(sim, subscription.id);
    expect(all.length).toBe(3);
    for (const invoice of all) expect(invoice.total).toBe(sumOfLines(invoice));
  });
});
