// Scenario files carry the money adjustments: coupons, tax rates, credit grants, balance
// transactions and minimum commitments replay to the same invoices, to the cent.
import { describe, expect, it } from 'vitest';
import { importScenario } from '../../../core/scenario/replay';
import { FEB_1, HOUR, MAR_1, moneyWorld } from '../simulator/money-fixtures';
import { billingState, exportAsJson, roundTrip } from './helpers';

function moneyScenario() {
  const w = moneyWorld();
  const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 19, inclusive: false });
  const coupon = w.sim.coupons.create({
    percentOff: 15,
    duration: 'repeating',
    durationInMonths: 2,
  });
  const high = w.licensed(4000);
  const sub = w.subscribe([high, w.metered(3)], {
    discounts: [{ coupon: coupon.id }],
    defaultTaxRates: [vat.id],
    minimumCommitment: { amount: 9000, currency: 'USD' },
  });
  const grant = w.sim.billing.creditGrants.create({
    customer: w.customer,
    amount: { type: 'monetary', monetary: { value: 700, currency: 'USD' } },
    applicabilityConfig: { scope: { priceType: 'metered' } },
    expiresAt: MAR_1 + 10 * 86_400,
  });
  w.sim.usageRecords.create({ subscriptionItem: sub.items.data[1]!.id, quantity: 420 });
  w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
  w.sim.customers.createBalanceTransaction(w.customer, { amount: -1200, currency: 'USD' });
  w.sim.testClock.advance({ frozenTime: FEB_1 + 14 * 86_400 });
  w.sim.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0]!.id, price: w.licensed(1000).id }],
    prorationBehavior: 'always_invoice',
  });
  w.sim.billing.creditGrants.expire(grant.id);
  w.sim.testClock.advance({ frozenTime: MAR_1 + 2 * HOUR });
  return w;
}

describe('scenario files with money adjustments', () => {
  it('replay to the same invoices, balances and grants', () => {
    const w = moneyScenario();
    const invoices = w.sim.invoices.list({ limit: 100 }).data;
    expect(invoices.some((invoice) => invoice.total < 0)).toBe(true);
    expect(invoices.some((invoice) => invoice.totalCreditGrantAmounts.length > 0)).toBe(true);
    const back = roundTrip(w.sim);
    expect(billingState(back)).toEqual(billingState(w.sim));
    const snapshot = back.snapshot();
    const original = w.sim.snapshot();
    for (const key of [
      'coupons',
      'taxRates',
      'creditGrants',
      'creditBalanceTransactions',
      'balanceTransactions',
    ] as const)
      expect(snapshot[key], key).toEqual(original[key]);
    const methods = exportAsJson(w.sim).calls.map((call) => call.method);
    expect(methods).toEqual(
      expect.arrayContaining([
        'taxRates.create',
        'coupons.create',
        'billing.creditGrants.create',
        'billing.creditGrants.expire',
        'customers.createBalanceTransaction',
      ]),
    );
  });

  it('names the argument of a refused money call in the file', () => {
    const w = moneyWorld();
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -5, currency: 'USD' });
    const file = exportAsJson(w.sim);
    const call = file.calls.findIndex((c) => c.method === 'customers.createBalanceTransaction');
    (file.calls[call]!.args[1] as { amount: number }).amount = 0;
    const { problems } = importScenario(file);
    expect(problems[0]).toMatchObject({
      path: `calls[${call}].args[1].amount`,
      code: 'balance_transaction_invalid',
    });
  });
});
