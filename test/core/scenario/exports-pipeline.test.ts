// The invoice CSV's "how the total was reached" columns: each invoice's pipeline amounts, on every
// row of the invoice, after the columns the CSV had before (worked examples N-X21 and N-X15).
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { INVOICE_CSV_COLUMNS, invoiceLinesCsv } from '../../../core/scenario/exports';
import { FEB_1, HOUR, moneyWorld, use } from '../simulator/money-fixtures';
import type { MoneyWorld } from '../simulator/money-fixtures';

const PIPELINE_COLUMNS = [
  'invoice_subtotal_minor',
  'invoice_discounts_minor',
  'invoice_credit_grants_minor',
  'invoice_minimum_true_up_minor',
  'invoice_tax_minor',
  'invoice_total_minor',
  'invoice_starting_balance_minor',
  'invoice_ending_balance_minor',
  'invoice_amount_due_minor',
];

/** The CSV rows of one invoice, as objects keyed by column. */
function rowsOf(w: MoneyWorld, invoice: string): Record<string, string>[] {
  const invoices = w.sim.invoices.list({ limit: 100 }).data.reverse();
  const csv = invoiceLinesCsv(invoices, { customers: w.sim.customers.list().data });
  const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true });
  return parsed.data.filter((row) => row.invoice === invoice);
}

const pipelineOf = (row: Record<string, string>) => PIPELINE_COLUMNS.map((column) => row[column]);

describe('invoice CSV: how each total was reached', () => {
  it('keeps the existing columns first and adds the pipeline columns at the end', () => {
    expect(INVOICE_CSV_COLUMNS.slice(0, 14)).toEqual([
      'invoice',
      'customer',
      'customer_name',
      'period_start',
      'period_end',
      'item',
      'price',
      'description',
      'strategy',
      'quantity',
      'amount_minor',
      'amount',
      'currency',
      'status',
    ]);
    expect(INVOICE_CSV_COLUMNS.slice(14)).toEqual(PIPELINE_COLUMNS);
  });

  it('N-X21: subtotal 8000, discounts 800, credits 1000, tax 1240, total 7440, balance −500 → 6940 due', () => {
    const w = moneyWorld();
    const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false });
    const coupon = w.sim.coupons.create({ percentOff: 10, duration: 'forever' });
    const sub = w.subscribe([w.metered(1), w.licensed(5000)], {
      discounts: [{ coupon: coupon.id }],
      defaultTaxRates: [vat.id],
    });
    w.sim.billing.creditGrants.create({
      customer: w.customer,
      amount: { type: 'monetary', monetary: { value: 1000, currency: 'USD' } },
      category: 'promotional',
      applicabilityConfig: { scope: { priceType: 'metered' } },
    });
    w.sim.customers.createBalanceTransaction(w.customer, { amount: -500, currency: 'USD' });
    use(w, sub.items.data[0]!.id, 3000);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const invoice = w.invoices(sub.id)[1]!;
    const rows = rowsOf(w, invoice.id);
    expect(rows.map((row) => row.amount_minor)).toEqual(['3000', '5000']);
    for (const row of rows)
      expect(pipelineOf(row)).toEqual([
        '8000',
        '800',
        '1000',
        '0',
        '1240',
        '7440',
        '-500',
        '0',
        '6940',
      ]);
  });

  it('N-X15: a true-up of 3700 in subtotal 10700; a draft has no ending balance yet', () => {
    const w = moneyWorld();
    const vat = w.sim.taxRates.create({ displayName: 'VAT', percentage: 20, inclusive: false });
    const coupon = w.sim.coupons.create({ percentOff: 10, duration: 'forever' });
    const sub = w.subscribe([w.licensed(3000), w.metered(1)], {
      discounts: [{ coupon: coupon.id }],
      defaultTaxRates: [vat.id],
      minimumCommitment: { amount: 10_000, currency: 'USD' },
    });
    use(w, sub.items.data[1]!.id, 4000);
    w.sim.testClock.advance({ frozenTime: FEB_1 });
    const draft = w.invoices(sub.id)[1]!;
    expect(draft.status).toBe('draft');
    const expected = ['10700', '700', '0', '3700', '2000', '12000', '0'];
    expect(rowsOf(w, draft.id).map(pipelineOf)[0]).toEqual([...expected, '', '12000']);
    w.sim.testClock.advance({ frozenTime: FEB_1 + HOUR });
    const rows = rowsOf(w, draft.id);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.amount_minor)).toEqual(['4000', '3000', '3700']);
    expect(pipelineOf(rows[2]!)).toEqual([...expected, '0', '12000']);
  });
});
