// Invariants of the invoice pipeline over random scenarios: coupons, tax rates, credit grants,
// balance adjustments, a minimum commitment, downgrades invoiced at once, declined cards, voids.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../core/values/errors';
import type { Invoice } from '../../../core/public/types';
import { moneyWorld } from './money-fixtures';

const DAY = 86_400;

const couponArb = fc.oneof(
  fc.record({
    percentOff: fc.integer({ min: 1, max: 10_000 }).map((p) => p / 100),
    duration: fc.constantFrom('once' as const, 'forever' as const),
  }),
  fc.record({
    amountOff: fc.integer({ min: 1, max: 5000 }),
    currency: fc.constant('USD'),
    duration: fc.constantFrom('once' as const, 'forever' as const),
  }),
  fc.record({
    percentOff: fc.integer({ min: 1, max: 100 }),
    duration: fc.constant('repeating' as const),
    durationInMonths: fc.integer({ min: 1, max: 3 }),
  }),
);

const setupArb = fc.record({
  licensed: fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20_000 })),
  unitAmountDecimal: fc.constantFrom('0.5', '1', '3.3', '12'),
  coupons: fc.array(couponArb, { maxLength: 2 }),
  inclusive: fc.option(fc.integer({ min: 0, max: 300_000 }).map((p) => p / 10_000)),
  exclusive: fc.array(
    fc.integer({ min: 0, max: 2_500 }).map((p) => p / 100),
    { maxLength: 2 },
  ),
  minimum: fc.option(fc.integer({ min: 1, max: 30_000 })),
  trialDays: fc.option(fc.integer({ min: 1, max: 40 })),
});

type Op =
  | { kind: 'usage'; quantity: number }
  | { kind: 'advance'; days: number }
  | { kind: 'grant'; value: number; priority: number; promotional: boolean; days: number | null }
  | { kind: 'balance'; amount: number }
  | { kind: 'swap' }
  | { kind: 'card'; declined: boolean }
  | { kind: 'void' }
  | { kind: 'expire'; which: number }
  | { kind: 'voidGrant'; which: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('usage' as const),
      quantity: fc.integer({ min: 0, max: 5000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      days: fc.integer({ min: 1, max: 25 }),
    }),
  },
  fc.record({
    kind: fc.constant('grant' as const),
    value: fc.integer({ min: 1, max: 5000 }),
    priority: fc.integer({ min: 0, max: 100 }),
    promotional: fc.boolean(),
    days: fc.option(fc.integer({ min: 1, max: 60 })),
  }),
  fc.record({
    kind: fc.constant('balance' as const),
    amount: fc.integer({ min: -5000, max: 5000 }).filter((a) => a !== 0),
  }),
  fc.record({ kind: fc.constant('swap' as const) }),
  fc.record({ kind: fc.constant('card' as const), declined: fc.boolean() }),
  fc.record({ kind: fc.constant('void' as const) }),
  fc.record({ kind: fc.constant('expire' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('voidGrant' as const), which: fc.nat() }),
);

type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

function run(setup: Setup, ops: Op[]) {
  const w = moneyWorld();
  const [a, b] = setup.licensed.map((amount) => w.licensed(amount));
  const metered = w.sim.prices.create({
    product: a!.product,
    currency: 'USD',
    unitAmountDecimal: setup.unitAmountDecimal,
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
  });
  const coupons = setup.coupons.map((args) => w.sim.coupons.create(args).id);
  const rates = [
    ...(setup.inclusive === null
      ? []
      : [
          w.sim.taxRates.create({
            displayName: 'In',
            percentage: setup.inclusive,
            inclusive: true,
          }),
        ]),
    ...setup.exclusive.map((percentage) =>
      w.sim.taxRates.create({ displayName: 'Ex', percentage, inclusive: false }),
    ),
  ].map((rate) => rate.id);
  const sub = w.subscribe([a!, metered], {
    discounts: coupons.map((coupon) => ({ coupon })),
    defaultTaxRates: rates,
    ...(setup.minimum === null
      ? {}
      : { minimumCommitment: { amount: setup.minimum, currency: 'USD' } }),
    ...(setup.trialDays === null ? {} : { trialPeriodDays: setup.trialDays }),
  });
  const [licensedItem, meteredItem] = sub.items.data.map((item) => item.id);
  let current = a!;
  const adjustments: number[] = [];
  for (const op of ops) {
    try {
      switch (op.kind) {
        case 'usage':
          w.sim.usageRecords.create({ subscriptionItem: meteredItem!, quantity: op.quantity });
          break;
        case 'advance':
          w.sim.testClock.advance({
            frozenTime: w.sim.testClock.retrieve().frozenTime + op.days * DAY,
          });
          break;
        case 'grant': {
          const now = w.sim.testClock.retrieve().frozenTime;
          w.sim.billing.creditGrants.create({
            customer: w.customer,
            amount: { type: 'monetary', monetary: { value: op.value, currency: 'USD' } },
            applicabilityConfig: { scope: { priceType: 'metered' } },
            priority: op.priority,
            category: op.promotional ? 'promotional' : 'paid',
            ...(op.days === null ? {} : { expiresAt: now + op.days * DAY }),
          });
          break;
        }
        case 'balance':
          w.sim.customers.createBalanceTransaction(w.customer, {
            amount: op.amount,
            currency: 'USD',
          });
          adjustments.push(op.amount);
          break;
        case 'swap':
          current = current === a ? b! : a!;
          w.sim.subscriptions.update(sub.id, {
            items: [{ id: licensedItem!, price: current.id }],
            prorationBehavior: 'always_invoice',
          });
          break;
        case 'card':
          w.sim.customers.update(w.customer, {
            paymentMethod: op.declined ? 'pm_card_chargeDeclined' : 'pm_card_visa',
          });
          break;
        case 'void': {
          const open = w.sim.invoices.list({ status: 'open', limit: 1 }).data[0];
          if (open) w.sim.invoices.voidInvoice(open.id);
          break;
        }
        case 'expire':
        case 'voidGrant': {
          const grants = w.sim.billing.creditGrants.list().data;
          const grant = grants[op.which % Math.max(1, grants.length)];
          if (!grant) break;
          if (op.kind === 'expire') w.sim.billing.creditGrants.expire(grant.id);
          else w.sim.billing.creditGrants.voidGrant(grant.id);
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof MeterlabError)) throw error;
    }
  }
  return { w, sub, adjustments };
}

const sum = (entries: { amount: number }[]) => entries.reduce((t, e) => t + e.amount, 0);

function checkInvoice(invoice: Omit<Invoice, 'id' | 'status'>, trialEnd: number | null = null) {
  const lines = invoice.lines.data;
  const discounts = sum(lines.flatMap((line) => line.discountAmounts));
  const credits = sum(lines.flatMap((line) => line.creditGrantAmounts));
  const taxes = lines.flatMap((line) => line.taxAmounts);
  const exclusive = sum(taxes.filter((tax) => !tax.inclusive));
  const inclusive = sum(taxes.filter((tax) => tax.inclusive));
  expect(invoice.subtotal).toBe(sum(lines));
  expect(invoice.total).toBe(sum(lines) - discounts - credits + exclusive);
  expect(invoice.totalExcludingTax).toBe(sum(lines) - discounts - credits - inclusive);
  expect(sum(invoice.totalDiscountAmounts)).toBe(discounts);
  expect(sum(invoice.totalCreditGrantAmounts)).toBe(credits);
  expect(invoice.tax).toBe(inclusive + exclusive);
  expect(sum(invoice.totalTaxAmounts)).toBe(invoice.tax);
  for (const line of lines) {
    const afterDiscounts = line.amount - sum(line.discountAmounts);
    const base = afterDiscounts - sum(line.creditGrantAmounts);
    // Discounts and credits never take a line below zero, nor take from a line that isn't theirs.
    if (line.discountAmounts.length > 0) expect(line.discountable).toBe(true);
    if (line.amount > 0) expect(base).toBeGreaterThanOrEqual(0);
    if (line.creditGrantAmounts.length > 0) expect(line.explanation.aggregation).not.toBeNull();
    if (line.period.start < (trialEnd ?? -Infinity)) expect(line.amount).toBe(0);
    if (line.type === 'minimum_commitment_true_up') {
      expect(line.discountAmounts).toEqual([]);
      expect(line.creditGrantAmounts).toEqual([]);
    }
    // Inclusive tax is recovered exactly: taxable amount + inclusive tax = the line's base.
    const lineInclusive = sum(line.taxAmounts.filter((tax) => tax.inclusive));
    for (const tax of line.taxAmounts) expect(tax.taxableAmount + lineInclusive).toBe(base);
  }
  expect(invoice.amountDue).toBe(Math.max(0, invoice.total + invoice.startingBalance));
  if (invoice.endingBalance !== null)
    expect(invoice.endingBalance).toBe(Math.min(0, invoice.total + invoice.startingBalance));
}

describe('invoice pipeline properties', () => {
  it('totals add up exactly, credit never goes below zero, grants are used only while live, the balance is conserved', () => {
    fc.assert(
      fc.property(
        setupArb,
        fc.array(opArb, { minLength: 10, maxLength: 30, size: 'max' }),
        (setup, ops) => {
          const { w, sub, adjustments } = run(setup, ops);
          const invoices = w.sim.invoices.list({ limit: 10_000 }).data;
          const { trialEnd } = w.sim.subscriptions.retrieve(sub.id);
          for (const invoice of invoices) checkInvoice(invoice, trialEnd);
          const customer = w.sim.customers.retrieve(w.customer);
          // The balance is conserved: adjustments plus what finalized, non-void invoices moved.
          const moved = invoices
            .filter((invoice) => invoice.status !== 'draft' && invoice.status !== 'void')
            .reduce(
              (total, invoice) => total + invoice.endingBalance! - invoice.startingBalance,
              0,
            );
          expect(customer.balance).toBe(sum(adjustments.map((amount) => ({ amount }))) + moved);
          const transactions = w.sim.customers.listBalanceTransactions(w.customer, {
            limit: 10_000,
          }).data;
          expect(sum(transactions)).toBe(customer.balance);
          // Grants: never used after their expiry or void, never more than their value.
          const grants = w.sim.billing.creditGrants.list({ limit: 10_000 }).data;
          for (const grant of grants) {
            const uses = invoices
              .filter((invoice) => invoice.status !== 'draft' && invoice.status !== 'void')
              .flatMap((invoice) =>
                invoice.totalCreditGrantAmounts
                  .filter((entry) => entry.creditGrant === grant.id)
                  .map((entry) => ({ at: invoice.finalizedAt!, amount: entry.amount })),
              );
            expect(sum(uses)).toBeLessThanOrEqual(grant.amount.monetary.value);
            for (const use of uses) {
              if (grant.expiresAt !== null) expect(use.at).toBeLessThan(grant.expiresAt);
              if (grant.voidedAt !== null) expect(use.at).toBeLessThan(grant.voidedAt);
              expect(use.at).toBeGreaterThanOrEqual(grant.effectiveAt);
            }
          }
          const [summary] = w.sim.billing.creditBalanceSummary.retrieve({
            customer: w.customer,
          }).balances;
          if (summary) {
            expect(summary.ledgerBalance.monetary.value).toBeGreaterThanOrEqual(0);
            expect(summary.availableBalance.monetary.value).toBeGreaterThanOrEqual(0);
          }
          if (w.sim.subscriptions.retrieve(sub.id).endedAt === null)
            checkInvoice(w.sim.invoices.upcoming({ subscription: sub.id }));
        },
      ),
      { numRuns: 100 },
    );
  });
});
