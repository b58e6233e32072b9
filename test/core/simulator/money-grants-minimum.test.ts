// Credit grants and the minimum commitment through the public API: worked examples N-X9, N-X10,
// N-X15 and N-X21 (the whole pipeline), the grant lifecycle, and refused grants.
import { describe, expect, it } from 'vitest';
import { expectRejectedUnchanged } from './fixtures';
import { FEB_1, FEB_15, HOUR, JAN_1, MAR_1, MAR_15, moneyWorld, use } from './money-fixtures';
import type { MoneyWorld } from './money-fixtures';

function grant(
  w: MoneyWorld,
  value: number,
  extra: {
    priority?: number;
    category?: 'paid' | 'promotional';
    expiresAt?: number;
    effectiveAt?: number;
    name?: string;
  } = {},
) {
  return w.sim.billing.creditGrants.create({
    customer: w.customer,
    amount: { type: 'monetary', monetary: { value, currency: 'USD' } },
    applicabilityConfig: { scope: { priceType: 'metered' } },
    ...extra,
  });
}

function available(w: MoneyWorld): number {
  const [balance] = w.sim.billing.creditBalanceSummary.retrieve({ customer: w.customer }).balances;
  return balance?.availableBalance.monetary.value ?? 0;
}

describe('credit grants', () => {
  it('N-X9: grants pay metered lines in priority, expiry and category order', () => {
    const w = moneyWorld();
    const a = grant(w, 1000, { priority: 50, category: 'paid', expiresAt: MAR_1, name: 'A' });
    const b = grant(w, 500, { priority: 10, category: 'promotional', name: 'B' });
    const c = grant(w, 400, { priority: 50, category: 'paid', expiresAt: FEB_15, name: 'C' });
    expect(a).toMatchObject({ object: 'billing.credit_grant', priority: 50, voidedAt: null });
    const sub = w.subscribe([w.licensed(2000), w.metered(1), w.metered(1)]);
    const [, l1, l2] = sub.items.data.map((item) => item.id);
    use(w, l1!, 800);
    use(w, l2!, 900);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const invoice = w.invoices(sub.id)[1]!;
    expect(invoice.lines.data.map((line) => [line.amount, line.creditGrantAmounts])).toEqual([
      [
        800,
        [
          { creditGrant: b.id, amount: 500 },
          { creditGrant: c.id, amount: 300 },
        ],
      ],
      [
        900,
        [
          { creditGrant: c.id, amount: 100 },
          { creditGrant: a.id, amount: 800 },
        ],
      ],
      [2000, []],
    ]);
    expect(invoice).toMatchObject({ subtotal: 3700, total: 2000, status: 'paid' });
    expect(invoice.totalCreditGrantAmounts.reduce((sum, entry) => sum + entry.amount, 0)).toBe(
      1700,
    );
    expect(available(w)).toBe(200);
  });

  it('N-X10: a grant expiring at the period end, or effective after it, does not pay that period', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    use(w, sub.items.data[0]!.id, 300);
    const expiring = grant(w, 1000, { expiresAt: FEB_1 });
    w.sim.testClock.advance({ frozenTime: FEB_1 + 1800 });
    const late = grant(w, 1000);
    expect(late.effectiveAt).toBe(FEB_1 + 1800);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const january = w.invoices(sub.id)[1]!;
    expect(january).toMatchObject({ total: 300, totalCreditGrantAmounts: [] });
    use(w, sub.items.data[0]!.id, 250);
    w.sim.testClock.advance({ frozenTime: MAR_1 + HOUR });
    const february = w.invoices(sub.id)[2]!;
    expect(february.totalCreditGrantAmounts).toEqual([{ creditGrant: late.id, amount: 250 }]);
    expect(february.total).toBe(0);
    expect(w.sim.billing.creditGrants.retrieve(expiring.id).expiresAt).toBe(FEB_1);
  });

  it('a draft estimates credits; finalization binds them; voiding gives them back', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    use(w, sub.items.data[0]!.id, 300);
    const g = grant(w, 1000);
    w.sim.testClock.advance({ frozenTime: FEB_1 });
    const draft = w.invoices(sub.id)[1]!;
    expect(draft).toMatchObject({ status: 'draft', total: 0 });
    const summary = w.sim.billing.creditBalanceSummary.retrieve({ customer: w.customer });
    expect(summary.balances).toEqual([
      {
        availableBalance: { type: 'monetary', monetary: { value: 700, currency: 'USD' } },
        ledgerBalance: { type: 'monetary', monetary: { value: 1000, currency: 'USD' } },
      },
    ]);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(available(w)).toBe(700);
    expectRejectedUnchanged(w.sim, () => w.sim.billing.creditGrants.voidGrant(g.id), {
      code: 'credit_grant_already_applied',
      param: 'id',
    });
    // A paid invoice can't be voided; one left open by a declined card can.
    const w2 = moneyWorld();
    w2.sim.customers.update(w2.customer, { paymentMethod: 'pm_card_chargeDeclined' });
    const sub2 = w2.subscribe([w2.metered(1)]);
    use(w2, sub2.items.data[0]!.id, 1300);
    grant(w2, 1000);
    w2.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const open = w2.invoices(sub2.id)[1]!;
    expect(open).toMatchObject({ status: 'open', total: 300 });
    expect(available(w2)).toBe(0);
    w2.sim.invoices.voidInvoice(open.id);
    expect(available(w2)).toBe(1000);
  });

  it('expire ends a grant now and what is left of it expires; at expiresAt it expires by itself', () => {
    const w = moneyWorld();
    const g = grant(w, 1000);
    const later = grant(w, 500, { expiresAt: FEB_15 });
    w.sim.testClock.advance({ frozenTime: JAN_1 + HOUR });
    expect(w.sim.billing.creditGrants.expire(g.id).expiresAt).toBe(JAN_1 + HOUR);
    expect(available(w)).toBe(500);
    expectRejectedUnchanged(w.sim, () => w.sim.billing.creditGrants.expire(g.id), {
      code: 'credit_grant_not_active',
      param: 'id',
    });
    w.sim.testClock.advance({ frozenTime: FEB_15 });
    expect(available(w)).toBe(0);
    expectRejectedUnchanged(w.sim, () => w.sim.billing.creditGrants.voidGrant(later.id), {
      code: 'credit_grant_not_active',
    });
    const fresh = grant(w, 300);
    expect(w.sim.billing.creditGrants.voidGrant(fresh.id).voidedAt).toBe(FEB_15);
    expect(available(w)).toBe(0);
    expect(w.sim.billing.creditGrants.list({ customer: w.customer }).data).toHaveLength(3);
  });

  it("the summary lists each grant's ledger: applied, expired, pending on drafts, left", () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    const item = sub.items.data[0]!.id;
    use(w, item, 300);
    const a = grant(w, 1000, { name: 'A' });
    // January's 3.00 is billed at FEB_1 and bound to A when it finalizes an hour later.
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const b = grant(w, 500, { expiresAt: FEB_15, name: 'B' });
    use(w, item, 150);
    const c = grant(w, 200, { effectiveAt: MAR_15, name: 'C' });
    const d = grant(w, 100, { name: 'D' });
    w.sim.billing.creditGrants.voidGrant(d.id);
    // At MAR_1 February's draft estimates 1.50 from A (B expired at FEB_15 with 5.00 unused).
    w.sim.testClock.advance({ frozenTime: MAR_1 });
    const summary = w.sim.billing.creditBalanceSummary.retrieve({ customer: w.customer });
    const ledger = (
      status: string,
      applied: number,
      expired: number,
      pending: number,
      remaining: number,
    ) => ({ status, applied, expired, pending, remaining, currency: 'USD' });
    expect(summary.grants).toEqual([
      { creditGrant: d.id, ...ledger('voided', 0, 0, 0, 0) },
      { creditGrant: c.id, ...ledger('scheduled', 0, 0, 0, 200) },
      { creditGrant: b.id, ...ledger('expired', 0, 500, 0, 0) },
      { creditGrant: a.id, ...ledger('active', 300, 0, 150, 700) },
    ]);
    // Only effective grants make the ledger (7.00); drafts take 1.50 of it.
    expect(summary.balances).toEqual([
      {
        availableBalance: { type: 'monetary', monetary: { value: 550, currency: 'USD' } },
        ledgerBalance: { type: 'monetary', monetary: { value: 700, currency: 'USD' } },
      },
    ]);
    // A grant whose whole value paid finalized invoices is used up.
    const w2 = moneyWorld();
    const sub2 = w2.subscribe([w2.metered(1)]);
    use(w2, sub2.items.data[0]!.id, 400);
    const e = grant(w2, 300);
    w2.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(w2.sim.billing.creditBalanceSummary.retrieve({ customer: w2.customer }).grants).toEqual([
      { creditGrant: e.id, ...ledger('used_up', 300, 0, 0, 0) },
    ]);
  });

  it("a grant made while a draft waits updates the draft's estimate", () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)]);
    use(w, sub.items.data[0]!.id, 300);
    w.sim.testClock.advance({ frozenTime: FEB_1 });
    const draftId = w.invoices(sub.id)[1]!.id;
    expect(w.sim.invoices.retrieve(draftId).total).toBe(300);
    const g = grant(w, 120);
    expect(w.sim.invoices.retrieve(draftId)).toMatchObject({ status: 'draft', total: 180 });
    w.sim.billing.creditGrants.voidGrant(g.id);
    expect(w.sim.invoices.retrieve(draftId).total).toBe(300);
  });

  it('a grant never pays licensed lines', () => {
    const w = moneyWorld();
    grant(w, 1000);
    const sub = w.subscribe([w.licensed(700)]);
    expect(w.invoices(sub.id)[0]).toMatchObject({ total: 700, totalCreditGrantAmounts: [] });
  });

  it('refuses bad grants naming the field, changing nothing', () => {
    const w = moneyWorld();
    w.sim.testClock.advance({ frozenTime: JAN_1 + HOUR });
    const refuse = (
      extra: Parameters<typeof grant>[2],
      expected: { code: string; param: string },
    ) => expectRejectedUnchanged(w.sim, () => grant(w, 100, extra), expected);
    refuse(
      { effectiveAt: JAN_1 + 2 * HOUR, expiresAt: JAN_1 + 2 * HOUR },
      { code: 'credit_grant_invalid', param: 'expiresAt' },
    );
    refuse({ expiresAt: JAN_1 }, { code: 'credit_grant_invalid', param: 'expiresAt' });
    refuse({ effectiveAt: JAN_1 }, { code: 'credit_grant_invalid', param: 'effectiveAt' });
    refuse({ priority: 101 }, { code: 'parameter_invalid', param: 'priority' });
    expectRejectedUnchanged(
      w.sim,
      () =>
        w.sim.billing.creditGrants.create({
          customer: w.customer,
          amount: { type: 'monetary', monetary: { value: 0, currency: 'USD' } },
          applicabilityConfig: { scope: { priceType: 'metered' } },
        }),
      { code: 'parameter_invalid', param: 'amount.monetary.value' },
    );
    w.subscribe([w.metered(1)]);
    expectRejectedUnchanged(
      w.sim,
      () =>
        w.sim.billing.creditGrants.create({
          customer: w.customer,
          amount: { type: 'monetary', monetary: { value: 10, currency: 'EUR' } },
          applicabilityConfig: { scope: { priceType: 'metered' } },
        }),
      { code: 'currency_mismatch', param: 'amount.monetary.currency' },
    );
  });
});

describe('minimum commitment', () => {
  it('N-X15: a period billed below the minimum gets a true-up, taxed, undiscounted', () => {
    const w = moneyWorld();
    const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false });
    const coupon = w.sim.coupons.create({ percentOff: 10, duration: 'forever' });
    const sub = w.subscribe([w.licensed(3000), w.metered(1)], {
      minimumCommitment: { amount: 10000, currency: 'USD' },
      discounts: [{ coupon: coupon.id }],
      defaultTaxRates: [vat.id],
    });
    expect(w.invoices(sub.id)[0]).toMatchObject({ total: 3240 });
    use(w, sub.items.data[1]!.id, 4000);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const invoice = w.invoices(sub.id)[1]!;
    const trueUp = invoice.lines.data.find((line) => line.type === 'minimum_commitment_true_up');
    expect(trueUp).toMatchObject({
      amount: 3700,
      price: null,
      discountAmounts: [],
      creditGrantAmounts: [],
      period: { start: JAN_1, end: FEB_1 },
    });
    expect(trueUp!.taxAmounts[0]!.amount).toBe(740);
    expect(invoice).toMatchObject({ subtotal: 10700, tax: 2000, total: 12000 });
    expect(invoice.totalDiscountAmounts[0]!.amount).toBe(700);
    expect(invoice.steps.find((step) => step.step === 'minimum_commitment')!.amount).toBe(3700);
  });

  it('no true-up when the period reaches the minimum; a cancel commits its share', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)], {
      minimumCommitment: { amount: 3100, currency: 'USD' },
    });
    use(w, sub.items.data[0]!.id, 5000);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    expect(w.invoices(sub.id)[1]!.lines.data).toHaveLength(1);
    // February has 28 days; cancelled after 7 of them: 3100 × 7 / 28 = 775.
    w.sim.testClock.advance({ frozenTime: FEB_1 + 7 * 86_400 });
    use(w, sub.items.data[0]!.id, 75);
    w.sim.subscriptions.cancel(sub.id, { invoiceNow: true });
    const last = w.invoices(sub.id)[2]!;
    expect(last.lines.data.map((line) => [line.type, line.amount])).toEqual([
      ['subscription', 75],
      ['minimum_commitment_true_up', 700],
    ]);
  });

  it('the upcoming invoice previews the true-up without taking ids', () => {
    const w = moneyWorld();
    const sub = w.subscribe([w.metered(1)], {
      minimumCommitment: { amount: 1000, currency: 'USD' },
    });
    const before = JSON.stringify(w.sim.snapshot());
    const upcoming = w.sim.invoices.upcoming({ subscription: sub.id });
    expect(upcoming.lines.data.at(-1)).toMatchObject({ id: 'il_upcoming_minimum', amount: 1000 });
    expect(JSON.stringify(w.sim.snapshot())).toBe(before);
  });

  it('refuses a commitment in another currency', () => {
    const w = moneyWorld();
    const price = w.metered(1);
    expectRejectedUnchanged(
      w.sim,
      () => w.subscribe([price], { minimumCommitment: { amount: 100, currency: 'EUR' } }),
      { code: 'currency_mismatch', param: 'minimumCommitment.currency' },
    );
  });
});

describe('the whole pipeline', () => {
  it('N-X21: discount, grant, tax and balance on one invoice', () => {
    const w = moneyWorld();
    const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false });
    const coupon = w.sim.coupons.create({ percentOff: 10, duration: 'forever' });
    const sub = w.subscribe([w.metered(1), w.licensed(5000)], {
      discounts: [{ coupon: coupon.id }],
      defaultTaxRates: [vat.id],
    });
    grant(w, 1000, { category: 'promotional' });
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -500, currency: 'USD' });
    use(w, sub.items.data[0]!.id, 3000);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const invoice = w.invoices(sub.id)[1]!;
    expect(invoice.lines.data.map((line) => line.discountAmounts[0]!.amount)).toEqual([300, 500]);
    expect(invoice.lines.data[0]!.creditGrantAmounts[0]!.amount).toBe(1000);
    expect(invoice.lines.data.map((line) => line.taxAmounts[0]!.amount)).toEqual([340, 900]);
    expect(invoice).toMatchObject({
      subtotal: 8000,
      tax: 1240,
      totalExcludingTax: 6200,
      total: 7440,
      startingBalance: -500,
      amountDue: 6940,
      endingBalance: 0,
      amountPaid: 6940,
      status: 'paid',
    });
    expect(invoice.steps.map((step) => [step.step, step.amount])).toEqual([
      ['lines', 8000],
      ['discounts', -800],
      ['credit_grants', -1000],
      ['minimum_commitment', 0],
      ['tax', 1240],
      ['total', 7440],
      ['customer_balance', -500],
      ['amount_due', 6940],
      ['payment', 6940],
    ]);
  });
});
