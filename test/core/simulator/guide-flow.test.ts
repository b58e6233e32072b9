// The "Bill for usage" guide end to end, through the public API only.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import type { Invoice } from '../../../core/public/types';
import {
  APR_1_2025,
  DAY,
  GUIDE_PRICE,
  HOUR,
  MAR_1_2025,
  eventsOf,
  invoicesOf,
  latestInvoice,
  scenario,
} from './fixtures';

/** Reports the guide's 18420 API calls over March as 10 keyed records of 1842 calls. */
function reportMarchUsage(sim: ReturnType<typeof scenario>['sim'], item: string): void {
  for (let day = 0; day < 10; day++) {
    const timestamp = MAR_1_2025 + day * 3 * DAY + HOUR;
    sim.testClock.advance({ frozenTime: timestamp });
    const record = sim.usageRecords.create(
      { subscriptionItem: item, quantity: 1842, timestamp, action: 'increment' },
      { idempotencyKey: `usage-req-${day}` },
    );
    expect(record.id).toMatch(/^mbu_/);
  }
}

describe('the guide flow', () => {
  it('follows the issue example to the letter, under await', async () => {
    const sim = createSimulator({ startTime: 1740787200, seed: 42 });
    const product = await sim.products.create({ name: 'API access' });
    const price = await sim.prices.create({ product: product.id, ...GUIDE_PRICE });
    await sim.customers.create({ id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
    const sub = await sim.subscriptions.create({
      customer: 'cust_8aZ2',
      items: [{ price: price.id }],
    });
    const si = sub.items.data[0]!.id;
    expect([product.id, price.id, sub.id, si]).toEqual([
      expect.stringMatching(/^prod_/),
      expect.stringMatching(/^price_/),
      expect.stringMatching(/^sub_/),
      expect.stringMatching(/^si_/),
    ]);
    const record = await sim.usageRecords.create(
      { subscriptionItem: si, quantity: 3, action: 'increment' },
      { idempotencyKey: 'usage-req-1' },
    );
    expect(record).toMatchObject({ quantity: 3, timestamp: 1740787200, action: 'increment' });
    await sim.testClock.advance({ frozenTime: 1740787200 + DAY });
    await sim.usageRecords.createBatch({
      subscriptionItem: si,
      records: [
        { quantity: 1200, timestamp: 1740787200 + HOUR, action: 'increment' },
        { quantity: 980, timestamp: 1740787200 + 2 * HOUR, action: 'increment' },
      ],
    });
    // 3 + 1200 + 980 = 2183
    expect((await sim.usageRecords.summaries({ subscriptionItem: si })).data[0]!.totalUsage).toBe(
      2183,
    );
    await sim.testClock.advance({ frozenTime: 1743465600 });
    expect((await sim.testClock.retrieve()).frozenTime).toBe(1743465600);
    await sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    const invoices = (await sim.invoices.list({ subscription: sub.id })).data;
    // Newest first: April's invoice (closed May 1, finalized at May 1 + 1 h), March's, creation.
    expect(invoices.map((invoice) => invoice.billingReason)).toEqual([
      'subscription_cycle',
      'subscription_cycle',
      'subscription_create',
    ]);
    // March: 2183 × 0.2 = 436.6 minor units -> 437 (half up) = EUR 4.37
    expect(invoices[1]).toMatchObject({ total: 437, status: 'paid' });
    expect(invoices[0]).toMatchObject({ total: 0, status: 'paid', periodStart: 1743465600 });
  });

  it('bills 18420 API calls at EUR 0.002 as EUR 36.84 and emits invoice.paid', () => {
    const { sim, subscription, item } = scenario();
    reportMarchUsage(sim, item);
    expect(sim.usageRecords.summaries({ subscriptionItem: item }).data[0]!.totalUsage).toBe(18420);

    const clock = sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    // The period ends April 1; "advance billing period" adds the 1 h finalization delay.
    expect(clock.frozenTime).toBe(APR_1_2025 + HOUR);

    const invoice = latestInvoice(sim, subscription.id);
    // 18420 × 0.2 minor units = 3684 cents = EUR 36.84
    expect(invoice).toMatchObject({
      status: 'paid',
      customer: 'cust_8aZ2',
      subscription: subscription.id,
      currency: 'EUR',
      billingReason: 'subscription_cycle',
      periodStart: MAR_1_2025,
      periodEnd: APR_1_2025,
      subtotal: 3684,
      total: 3684,
      amountDue: 3684,
      amountPaid: 3684,
      attemptCount: 1,
    });
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({
      subscriptionItem: item,
      quantity: 18420,
      amount: 3684,
      amountExact: '3684',
      proration: false,
      period: { start: MAR_1_2025, end: APR_1_2025 },
    });
    expect(invoice.lines.data[0]!.explanation.aggregation).toMatchObject({
      strategy: 'sum',
      quantity: 18420,
      timestampCount: 10,
    });

    const paid = eventsOf(sim, 'invoice.paid').filter((event) => event.data.id === invoice.id);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.created).toBe(APR_1_2025 + HOUR);
    expect(paid[0]!.data).toMatchObject({ status: 'paid', total: 3684, periodEnd: APR_1_2025 });
  });

  it('creates the period invoice as a draft, finalizes it an hour later and charges it', () => {
    const { sim, subscription, item } = scenario();
    reportMarchUsage(sim, item);
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const invoice = latestInvoice(sim, subscription.id);
    const about = eventsOf(sim)
      .filter((event) => event.type.startsWith('invoice.') && event.data.id === invoice.id)
      .map((event) => [event.type, event.created]);
    expect(about).toEqual([
      ['invoice.created', APR_1_2025],
      ['invoice.finalized', APR_1_2025 + HOUR],
      ['invoice.paid', APR_1_2025 + HOUR],
    ]);
    expect(invoice.finalizedAt).toBe(APR_1_2025 + HOUR);
    expect(invoice.paidAt).toBe(APR_1_2025 + HOUR);
  });

  it('shows the open period as the upcoming invoice before it closes', () => {
    const { sim, subscription, item } = scenario();
    reportMarchUsage(sim, item);
    const upcoming = sim.invoices.upcoming({ subscription: subscription.id });
    // 18420 × 0.2 = 3684
    expect(upcoming).toMatchObject({
      id: null,
      status: 'upcoming',
      total: 3684,
      periodStart: MAR_1_2025,
      periodEnd: APR_1_2025,
    });
    // A preview stores nothing: the only invoice is still the creation invoice.
    expect(invoicesOf(sim, subscription.id).map((i) => i.billingReason)).toEqual([
      'subscription_create',
    ]);
  });

  it('gives a metered-only subscription a creation invoice of 0, paid at once', () => {
    const { sim, subscription } = scenario();
    const [created] = invoicesOf(sim, subscription.id);
    expect(created).toMatchObject({
      billingReason: 'subscription_create',
      total: 0,
      status: 'paid',
      attemptCount: 0,
      paidAt: MAR_1_2025,
    });
  });

  it('signs the invoice.paid delivery so the guide handler can verify it', () => {
    const { sim, subscription, item } = scenario();
    const endpoint = sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
    expect(endpoint.secret).toMatch(/^whsec_/);
    reportMarchUsage(sim, item);
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const paid = sim.events.list({ type: 'invoice.paid' }).data[0]!;
    const [delivery] = sim.webhookEndpoints.deliveries({ event: paid.id });
    const event = sim.webhooks.verify(delivery!.payload, delivery!.signatureHeader);
    expect(event.type).toBe('invoice.paid');
    const data = event.data as Invoice;
    expect([data.subscription, data.periodEnd, data.total]).toEqual([
      subscription.id,
      APR_1_2025,
      3684,
    ]);
  });

  it('with pm_card_chargeDeclined emits invoice.payment_failed for the same invoice', () => {
    const { sim, subscription, item } = scenario({ paymentMethod: 'pm_card_chargeDeclined' });
    reportMarchUsage(sim, item);
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const invoice = latestInvoice(sim, subscription.id);
    expect(invoice).toMatchObject({
      status: 'open',
      total: 3684,
      amountPaid: 0,
      amountRemaining: 3684,
      attemptCount: 1,
    });
    expect(invoice.attempts[0]).toMatchObject({
      outcome: 'failed',
      failureCode: 'card_declined',
      paymentMethod: 'pm_card_chargeDeclined',
    });
    const failed = sim.events.list({ type: 'invoice.payment_failed' }).data;
    expect(failed.map((event) => event.data.id)).toEqual([invoice.id]);
    expect((failed[0]!.data as Invoice).customer).toBe('cust_8aZ2');
    expect(sim.events.list({ type: 'invoice.paid' }).data.map((e) => e.data.id)).not.toContain(
      invoice.id,
    );
    expect(sim.subscriptions.retrieve(subscription.id).status).toBe('past_due');
  });

  it('runs the same scenario twice with one seed to the same ids and invoices', () => {
    const run = () => {
      const { sim, subscription, item } = scenario({ seed: 7 });
      reportMarchUsage(sim, item);
      sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
      return { invoices: invoicesOf(sim, subscription.id), events: eventsOf(sim) };
    };
    expect(run()).toEqual(run());
  });
});
