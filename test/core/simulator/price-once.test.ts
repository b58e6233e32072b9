// An invoice is priced once: finalizing a draft nothing touched during its grace reuses the lines
// and totals closing the period priced; a change in between is still priced at finalization.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulator } from '../../../core/simulator';
import { priceLines } from '../../../core/rules/pipeline';
import type * as Pipeline from '../../../core/rules/pipeline';
import { APR_1_2025, DAY, GUIDE_PRICE, HOUR, MAR_1_2025, latestInvoice } from './fixtures';

vi.mock('../../../core/rules/pipeline', async (importOriginal) => {
  const actual = await importOriginal<typeof Pipeline>();
  return { ...actual, priceLines: vi.fn(actual.priceLines) };
});

const pricings = vi.mocked(priceLines);

/** March's usage of 18420 on the guide price with 19% VAT, closed at April 1 (a draft). */
function marchDraft() {
  const sim = createSimulator({ startTime: MAR_1_2025, seed: 42 });
  const product = sim.products.create({ name: 'API access' });
  const price = sim.prices.create({ ...GUIDE_PRICE, product: product.id });
  const vat = sim.taxRates.create({ displayName: 'VAT', percentage: 19, inclusive: false });
  sim.customers.create({ id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
  const subscription = sim.subscriptions.create({
    customer: 'cust_8aZ2',
    items: [{ price: price.id }],
    defaultTaxRates: [vat.id],
  });
  sim.testClock.advance({ frozenTime: MAR_1_2025 + 10 * DAY });
  sim.usageRecords.create({ subscriptionItem: subscription.items.data[0]!.id, quantity: 18420 });
  sim.testClock.advance({ frozenTime: APR_1_2025 });
  const draft = latestInvoice(sim, subscription.id);
  expect(draft).toMatchObject({ status: 'draft', periodEnd: APR_1_2025 });
  const finalize = () => {
    sim.testClock.advance({ frozenTime: APR_1_2025 + 2 * HOUR });
    return sim.invoices.retrieve(draft.id);
  };
  return { sim, vat, draft, finalize };
}

describe('pricing an invoice once', () => {
  beforeEach(() => {
    pricings.mockClear();
  });

  it('finalizes an untouched draft with the lines and totals its period close priced', () => {
    const { draft, finalize } = marchDraft();
    const atClose = pricings.mock.calls.length;
    const invoice = finalize();
    expect(pricings.mock.calls.length).toBe(atClose);
    // 18420 × 0.2 = 3684; VAT 19% of 3684 = 699.96 -> 700; 3684 + 700 = 4384
    expect(invoice).toMatchObject({ status: 'paid', subtotal: 3684, tax: 700, total: 4384 });
    expect(invoice.lines).toEqual(draft.lines);
    expect(invoice.steps.slice(0, 6)).toEqual(draft.steps.slice(0, 6));
    // Only the balance steps read the finalization: the balance is bound now.
    expect(draft.steps[7]!.summary).toBe('EUR 43.84 + EUR 0.00 = EUR 43.84 due.');
    expect(invoice.steps[7]!.summary).toBe(
      'EUR 43.84 + EUR 0.00 = EUR 43.84 due; the balance becomes EUR 0.00.',
    );
  });

  it('prices again at finalization what changed during the grace', () => {
    const { sim, vat, draft, finalize } = marchDraft();
    expect(draft.steps[4]!.summary).toMatch(/^VAT 19% exclusive/);
    sim.taxRates.update(vat.id, { displayName: 'MwSt' });
    const atChange = pricings.mock.calls.length;
    const invoice = finalize();
    expect(pricings.mock.calls.length).toBe(atChange + 1);
    expect(invoice.steps[4]!.summary).toBe(
      'MwSt 19% exclusive (added): EUR 7.00 on EUR 36.84. Rounded per line, after discounts and credits.',
    );
    expect(invoice).toMatchObject({ status: 'paid', subtotal: 3684, tax: 700, total: 4384 });
  });

  it('keeps the lines priced when only the balance changed, and bills the new balance', () => {
    const { sim, draft, finalize } = marchDraft();
    const atClose = pricings.mock.calls.length;
    // A credit of EUR 10.00 during the grace: the draft is shown again with it.
    sim.customers.createBalanceTransaction('cust_8aZ2', { amount: -1000, currency: 'EUR' });
    const repriced = sim.invoices.retrieve(draft.id);
    expect(repriced).toMatchObject({ status: 'draft', startingBalance: -1000, amountDue: 3384 });
    const invoice = finalize();
    expect(pricings.mock.calls.length).toBe(atClose);
    // 4384 − 1000 = 3384 due; the balance becomes 0
    expect(invoice).toMatchObject({
      status: 'paid',
      total: 4384,
      amountDue: 3384,
      endingBalance: 0,
    });
    expect(invoice.lines).toEqual(draft.lines);
  });
});
