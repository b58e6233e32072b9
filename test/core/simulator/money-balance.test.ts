// The customer credit balance through the public API: worked examples N-X1 to N-X3, voiding,
// and refused adjustments.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, HOUR, JAN_1, moneyWorld } from './money-fixtures';

describe('customer credit balance', () => {
  it('N-X1: a balance of −500 covers part of a 2000 invoice', () => {
    const w = moneyWorld();
    const tx = w.sim.customers.createBalanceTransaction(w.customer, {
      amount: -500,
      currency: 'usd',
    });
    expect(tx).toMatchObject({
      type: 'adjustment',
      amount: -500,
      currency: 'USD',
      endingBalance: -500,
    });
    expect(tx.id).toMatch(/^cbtxn_/);
    const sub = w.subscribe([w.licensed(2000)]);
    const [invoice] = w.invoices(sub.id);
    expect(invoice).toMatchObject({
      total: 2000,
      startingBalance: -500,
      amountDue: 1500,
      amountPaid: 1500,
      endingBalance: 0,
      status: 'paid',
    });
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(0);
    const applied = w.sim.customers.listBalanceTransactions(w.customer).data[0]!;
    expect(applied).toMatchObject({
      type: 'applied_to_invoice',
      amount: 500,
      invoice: invoice!.id,
    });
  });

  it('N-X2: a balance of −3000 pays a 2000 invoice whole and keeps −1000', () => {
    const w = moneyWorld();
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -3000, currency: 'USD' });
    const sub = w.subscribe([w.licensed(2000)]);
    const [invoice] = w.invoices(sub.id);
    expect(invoice).toMatchObject({ amountDue: 0, endingBalance: -1000, status: 'paid' });
    expect(invoice!.attempts).toEqual([]);
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(-1000);
  });

  it('N-X3: a negative total (a downgrade invoiced at once) becomes credit the next invoice uses', () => {
    const w = moneyWorld();
    const high = w.licensed(10000);
    const low = w.licensed(1000);
    const sub = w.subscribe([high]);
    // Exactly half of January (31 days): 2025-01-16 12:00.
    w.sim.testClock.advance({ frozenTime: JAN_1 + 1_339_200 });
    w.sim.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: low.id }],
      prorationBehavior: 'always_invoice',
    });
    const downgrade = w.invoices(sub.id)[1]!;
    expect(downgrade.lines.data.map((line) => line.amount)).toEqual([-5000, 500]);
    expect(downgrade).toMatchObject({
      total: -4500,
      amountDue: 0,
      endingBalance: -4500,
      status: 'paid',
    });
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(-4500);

    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const next = w.invoices(sub.id)[2]!;
    expect(next).toMatchObject({
      total: 1000,
      startingBalance: -4500,
      amountDue: 0,
      endingBalance: -3500,
      status: 'paid',
    });
    expect(next.steps.map((step) => step.step)).toEqual([
      'lines',
      'discounts',
      'credit_grants',
      'minimum_commitment',
      'tax',
      'total',
      'customer_balance',
      'amount_due',
      'payment',
    ]);
  });

  it('a draft shows the balance now and binds it only when finalized', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    w.sim.usageRecords.create({ subscriptionItem: sub.items.data[0]!.id, quantity: 700 });
    w.sim.testClock.advance({ frozenTime: FEB_1 });
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -200, currency: 'USD' });
    const draft = w.invoices(sub.id)[1]!;
    expect(draft).toMatchObject({
      status: 'draft',
      startingBalance: -200,
      endingBalance: null,
      amountDue: 500,
    });
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(-200);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(w.sim.invoices.retrieve(draft.id)).toMatchObject({ amountDue: 500, endingBalance: 0 });
  });

  it('voiding an invoice gives back the balance it used', () => {
    const w = moneyWorld();
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -500, currency: 'USD' });
    w.sim.customers.update(w.customer, { paymentMethod: 'pm_card_chargeDeclined' });
    const sub = w.subscribe([w.licensed(2000)]);
    const [invoice] = w.invoices(sub.id);
    expect(invoice).toMatchObject({ status: 'open', amountDue: 1500 });
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(0);
    w.sim.invoices.voidInvoice(invoice!.id);
    expect(w.sim.customers.retrieve(w.customer).balance).toBe(-500);
    expect(w.sim.customers.listBalanceTransactions(w.customer).data[0]).toMatchObject({
      type: 'unapplied_from_invoice',
      amount: -500,
      invoice: invoice!.id,
    });
  });

  it('refuses a zero amount and a second currency, changing nothing', () => {
    const w = moneyWorld();
    w.subscribe([w.licensed(100)]);
    expectRejectedUnchanged(
      w.sim,
      () => w.sim.customers.createBalanceTransaction(w.customer, { amount: 0, currency: 'USD' }),
      { code: 'balance_transaction_invalid', param: 'amount' },
    );
    expectRejectedUnchanged(
      w.sim,
      () => w.sim.customers.createBalanceTransaction(w.customer, { amount: -5, currency: 'EUR' }),
      { code: 'currency_mismatch', param: 'currency' },
    );
    expectRejectedUnchanged(
      w.sim,
      () => w.sim.customers.createBalanceTransaction(w.customer, { amount: 1.5, currency: 'USD' }),
      { code: 'parameter_invalid', param: 'amount' },
    );
  });
});
