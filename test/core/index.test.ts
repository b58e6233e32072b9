// README's first example, through the public entry point core/index.ts, with `await` as the
// guide's SDK is used (the engine's methods are synchronous; awaiting them works the same).
import { describe, expect, it } from 'vitest';
import { createSimulator, formatMoney } from '../../core';

describe('core/index.ts', () => {
  it("runs the guide's flow as README shows it", async () => {
    const sim = createSimulator({ startTime: 1740787200, seed: 42 });
    const product = await sim.products.create({ name: 'API access' });
    const price = await sim.prices.create({
      product: product.id,
      currency: 'EUR',
      billingScheme: 'usage',
      unitAmountDecimal: '0.2',
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
    });
    await sim.customers.create({ id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
    const sub = await sim.subscriptions.create({
      customer: 'cust_8aZ2',
      items: [{ price: price.id }],
    });
    const si = sub.items.data[0]!.id;

    await sim.testClock.advance({ frozenTime: 1740794400 });
    await sim.usageRecords.create(
      { subscriptionItem: si, quantity: 18000, action: 'increment' },
      { idempotencyKey: 'usage-req-1' },
    );
    await sim.usageRecords.create(
      { subscriptionItem: si, quantity: 18000, action: 'increment' },
      { idempotencyKey: 'usage-req-1' },
    );
    await sim.usageRecords.createBatch({
      subscriptionItem: si,
      records: [{ quantity: 420, timestamp: 1740790800, action: 'increment' }],
    });
    expect((await sim.usageRecords.summaries({ subscriptionItem: si })).data[0]!.totalUsage).toBe(
      18420,
    );

    await sim.testClock.advanceBillingPeriod({ subscription: sub.id });
    const [invoice] = (await sim.invoices.list({ subscription: sub.id })).data;
    // 18420 × 0.2 = 3684 minor units = EUR 36.84
    expect([invoice!.total, invoice!.status]).toEqual([3684, 'paid']);
    expect(formatMoney(invoice!.total, invoice!.currency)).toBe('EUR 36.84');
    const paid = (await sim.events.list({ type: 'invoice.paid' })).data[0]!;
    expect(paid.data.id).toBe(invoice!.id);

    await sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
    const [delivery] = await sim.webhookEndpoints.deliveries({ event: paid.id });
    expect(sim.webhooks.verify(delivery!.payload, delivery!.signatureHeader).id).toBe(paid.id);
    expect(() =>
      sim.webhooks.verify(delivery!.payload.replace('3684', '4684'), delivery!.signatureHeader),
    ).toThrow(/signature/i);
  });
});
