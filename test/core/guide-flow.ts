// The guide's flow over the contract, for tests of any transport (in-process dispatch, HTTP).
export type ContractCall = (method: string, ...args: unknown[]) => Promise<Record<string, unknown>>;

export interface BilledInvoice {
  total: number;
  status: string;
  billingReason: string;
}

/**
 * Product, metered price EUR 0.002 (unitAmountDecimal '0.2', sum), customer cust_8aZ2 with
 * pm_card_visa, a subscription, 18420 calls, "advance billing period". Returns the period's
 * invoice (the subscription_cycle one).
 */
export async function runGuideFlow(call: ContractCall): Promise<BilledInvoice | undefined> {
  const product = await call('products.create', { name: 'API access' });
  const price = await call('prices.create', {
    product: product.id,
    currency: 'EUR',
    billingScheme: 'usage',
    unitAmountDecimal: '0.2',
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
  });
  await call('customers.create', { id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
  const sub = await call('subscriptions.create', {
    customer: 'cust_8aZ2',
    items: [{ price: price.id }],
  });
  const item = (sub.items as { data: { id: string }[] }).data[0]!.id;
  await call(
    'usageRecords.create',
    { subscriptionItem: item, quantity: 18420 },
    { idempotencyKey: 'usage-req-1' },
  );
  await call('testClock.advanceBillingPeriod', { subscription: sub.id });
  const invoices = (await call('invoices.list', { subscription: sub.id })).data as BilledInvoice[];
  return invoices.find((invoice) => invoice.billingReason === 'subscription_cycle');
}
