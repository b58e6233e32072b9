import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import {
  INVOICE_CSV_COLUMNS,
  SELLER_NAME,
  escapeHtml,
  exportComparisonFile,
  exportInvoicesFile,
  invoiceLinesCsv,
  invoicesHtml,
  invoicesJson,
} from '../../../core/scenario/exports';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { DAY, MARCH_1, guideScenario } from './helpers';

/** Every invoice of the scenario, oldest first, with what the exports name. */
function exportInput(sim: Simulator) {
  return {
    invoices: sim.invoices.list({ limit: 10_000 }).data.reverse(),
    customers: sim.customers.list().data,
    prices: sim.prices.list().data,
  };
}

/** The guide, billed: 18,420 calls at 0.2 cents = 3684 cents. */
function billedGuide() {
  const scenario = guideScenario();
  scenario.sim.testClock.advance({ frozenTime: MARCH_1 + DAY });
  scenario.sim.usageRecords.create({ subscriptionItem: scenario.item, quantity: 18_420 });
  scenario.sim.testClock.advanceBillingPeriod({ subscription: scenario.subscription.id });
  return scenario;
}

/** A licensed plan whose product name needs quoting, with a mid-period upgrade (a credit line). */
function awkwardScenario() {
  const sim = createSimulator({ seed: 3, startTime: MARCH_1 });
  const product = sim.products.create({ name: '=HYPERLINK("x"), "Pro", plan\nline two' });
  const price = sim.prices.create({
    product: product.id,
    currency: 'EUR',
    nickname: '<b>Pro</b> & more',
    unitAmount: 1000,
    recurring: { interval: 'month' },
  });
  const customer = sim.customers.create({
    name: '@Ünïcode, "Quoted" <Co>',
    paymentMethod: 'pm_card_visa',
  });
  const subscription = sim.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id, quantity: 1 }],
  });
  sim.testClock.advance({ frozenTime: MARCH_1 + 15 * DAY });
  sim.subscriptions.update(subscription.id, {
    items: [{ id: subscription.items.data[0]!.id, quantity: 3 }],
  });
  sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
  return sim;
}

describe('invoiceLinesCsv', () => {
  it('writes one row per line with the amount in minor units and formatted', () => {
    const { sim, item, price } = billedGuide();
    const { invoices, customers } = exportInput(sim);
    const csv = invoiceLinesCsv(invoices, { customers });
    const { data } = Papa.parse<Record<string, string>>(csv, {
      header: true,
      skipEmptyLines: true,
    });
    // The creation invoice of a metered-only subscription has no lines: one row says so, so the
    // export holds every invoice.
    expect(data).toEqual([
      {
        invoice: invoices[0]!.id,
        customer: 'cust_8aZ2',
        customer_name: 'Acme',
        period_start: '2025-03-01T00:00:00Z',
        period_end: '2025-04-01T00:00:00Z',
        item: '',
        price: '',
        description: 'No lines: nothing was billed for this period',
        strategy: '',
        quantity: '0',
        amount_minor: '0',
        amount: 'EUR 0.00',
        currency: 'EUR',
        status: 'paid',
        invoice_subtotal_minor: '0',
        invoice_discounts_minor: '0',
        invoice_credit_grants_minor: '0',
        invoice_minimum_true_up_minor: '0',
        invoice_tax_minor: '0',
        invoice_total_minor: '0',
        invoice_starting_balance_minor: '0',
        invoice_ending_balance_minor: '0',
        invoice_amount_due_minor: '0',
      },
      {
        invoice: invoices[1]!.id,
        customer: 'cust_8aZ2',
        customer_name: 'Acme',
        period_start: '2025-03-01T00:00:00Z',
        period_end: '2025-04-01T00:00:00Z',
        item,
        price: price.id,
        description: 'API access (18,420 units, sum)',
        strategy: 'sum',
        quantity: '18420',
        amount_minor: '3684',
        amount: 'EUR 36.84',
        currency: 'EUR',
        status: 'paid',
        invoice_subtotal_minor: '3684',
        invoice_discounts_minor: '0',
        invoice_credit_grants_minor: '0',
        invoice_minimum_true_up_minor: '0',
        invoice_tax_minor: '0',
        invoice_total_minor: '3684',
        invoice_starting_balance_minor: '0',
        invoice_ending_balance_minor: '0',
        invoice_amount_due_minor: '3684',
      },
    ]);
    expect(csv.split('\n')[0]).toBe(INVOICE_CSV_COLUMNS.join(','));
  });

  it('quotes and escapes what needs it, and defuses spreadsheet formulas', () => {
    const sim = awkwardScenario();
    const { invoices, customers } = exportInput(sim);
    const csv = invoiceLinesCsv(invoices, { customers });
    const { data, errors } = Papa.parse<Record<string, string>>(csv, {
      header: true,
      skipEmptyLines: true,
    });
    expect(errors).toEqual([]);
    const rows = data.map((row) => [row.description, row.amount_minor, row.amount, row.strategy]);
    const name = '=HYPERLINK("x"), "Pro", plan\nline two';
    // 10.00 for the first month; then March 16 - April 1 is 16 of 31 days: credit
    // -1000 x 16/31 = -516.13 -> -516, charge 3000 x 16/31 = 1548.39 -> 1548; April 3 x 1000.
    expect(rows).toEqual([
      [`1 × ${name}`, '1000', 'EUR 10.00', 'licensed'],
      [expect.stringContaining(`Unused time on 1 × ${name}`), '-516', "'-EUR 5.16", 'licensed'],
      [expect.stringContaining(`Remaining time on 3 × ${name}`), '1548', 'EUR 15.48', 'licensed'],
      [`3 × ${name}`, '3000', 'EUR 30.00', 'licensed'],
    ]);
    expect(data[0]!.customer_name).toBe(`'@Ünïcode, "Quoted" <Co>`);
  });
});

describe('invoicesJson', () => {
  it("is the engine's invoice objects", () => {
    const { sim } = billedGuide();
    const { invoices } = exportInput(sim);
    expect(JSON.parse(invoicesJson(invoices))).toEqual(invoices);
  });
});

describe('invoicesHtml', () => {
  it('lays out an invoice: seller, customer, period, lines with the explanation, totals, status', () => {
    const { sim } = billedGuide();
    const input = exportInput(sim);
    const html = invoicesHtml([input.invoices[1]!], input);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(SELLER_NAME);
    expect(html).toContain('<title>Invoice inv_');
    for (const text of [
      'Acme',
      'cust_8aZ2',
      '2025-03-01 00:00 UTC – 2025-04-01 00:00 UTC',
      'API access (18,420 units, sum)',
      '18,420',
      'EUR 36.84',
      'status-paid">Paid<',
      'Payment attempts',
      'pm_card_visa, succeeded',
      // Why it exists: the creation invoice shares this period.
      '<dt>Reason</dt><dd>period ended</dd>',
    ]) {
      expect(html).toContain(text);
    }
    expect(html.match(/<section class="invoice">/g)).toHaveLength(1);
  });

  it('shows the tier by tier explanation of a graduated line', () => {
    const sim = createSimulator({ seed: 9, startTime: MARCH_1 });
    const product = sim.products.create({ name: 'Conversions' });
    const price = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      billingScheme: 'tiered',
      tiersMode: 'graduated',
      tiers: [
        { upTo: 1000, unitAmount: 0 },
        { upTo: 'inf', unitAmountDecimal: '0.5', flatAmount: 100 },
      ],
      recurring: { interval: 'month', usageType: 'metered' },
    });
    const customer = sim.customers.create({ name: 'Tiered', paymentMethod: 'pm_card_visa' });
    const subscription = sim.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });
    sim.usageRecords.create({ subscriptionItem: subscription.items.data[0]!.id, quantity: 1801 });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const input = exportInput(sim);
    const html = invoicesHtml(input.invoices, { ...input, scenarioName: 'Tiers' });
    // 1000 free; 801 x 0.5 = 400.5 + 100 flat = 500.5 cents, rounded half up to 501
    expect(html).toContain('<table class="steps">');
    expect(html).toContain('× EUR 0.005');
    expect(html).toContain('+ EUR 1.00 flat');
    expect(html).toContain('EUR 5.005, rounded half up to EUR 5.01');
    expect(html).toContain('<title>Invoices of Tiers</title>');
  });

  it('escapes every text it prints', () => {
    const sim = awkwardScenario();
    const input = exportInput(sim);
    const html = invoicesHtml(input.invoices, input);
    expect(html).not.toContain('<b>Pro</b>');
    expect(html).toContain('&lt;b&gt;Pro&lt;/b&gt; &amp; more');
    expect(html).toContain('@Ünïcode, &quot;Quoted&quot; &lt;Co&gt;');
    expect(escapeHtml(`<a href='x'>&`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;');
  });

  it('prints a page that says so when there is no invoice', () => {
    expect(invoicesHtml([], { customers: [], prices: [] })).toContain('No invoices yet');
  });
});

describe('printing all invoices', () => {
  it('leaves out the zero invoices made at subscription creation, and says how many', () => {
    const { sim, price } = billedGuide();
    // A second usage-only customer: another EUR 0.00 creation invoice.
    sim.customers.create({ id: 'cust_B', name: 'Beta', paymentMethod: 'pm_card_visa' });
    sim.subscriptions.create({ customer: 'cust_B', items: [{ price: price.id }] });
    const all = sim.invoices.list().data;
    const zero = all.filter((i) => i.billingReason === 'subscription_create' && i.total === 0);
    expect(zero).toHaveLength(2);

    const page = exportInvoicesFile(sim, 'Guide', { format: 'html' });
    expect(page.omitted).toBe(2);
    expect((page.content.match(/class="invoice"/g) ?? []).length).toBe(all.length - 2);
    for (const invoice of zero) expect(page.content).not.toContain(`<dd>${invoice.id}</dd>`);
    expect(page.content).toContain('EUR 36.84');
    expect(page.content).toContain(
      'Left out: 2 zero invoices made when subscriptions were created (nothing billed).',
    );

    const everything = exportInvoicesFile(sim, 'Guide', { format: 'html', includeZero: true });
    expect(everything.omitted).toBe(0);
    expect((everything.content.match(/class="invoice"/g) ?? []).length).toBe(all.length);
    expect(everything.content).not.toContain('Left out');

    // One invoice printed on its own is printed, zero or not; CSV and JSON keep every invoice.
    const one = exportInvoicesFile(sim, 'Guide', { format: 'html', invoice: zero[0]!.id });
    expect(one.content).toContain(`<dd>${zero[0]!.id}</dd>`);
    expect(one.omitted).toBeUndefined();
    const json = JSON.parse(exportInvoicesFile(sim, 'Guide', { format: 'json' }).content);
    expect(json).toHaveLength(all.length);
  });

  it('counts the zero creation invoices in the invoice page, for the print option', () => {
    const { sim } = billedGuide();
    expect(sim.analysis.invoicePage().zeroAtCreation).toBe(1);
  });
});

describe('calendar months in the exports', () => {
  /** Two usage-only customers starting on different days (March 1 and March 11), billed twice. */
  function staggered() {
    const { sim, price } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + 10 * DAY });
    sim.customers.create({ id: 'cust_B', name: 'Beta', paymentMethod: 'pm_card_visa' });
    const late = sim.subscriptions.create({ customer: 'cust_B', items: [{ price: price.id }] });
    const item = (s: typeof late) => s.items.data[0]!.id;
    const [early] = sim.subscriptions.list().data.filter((s) => s.id !== late.id);
    sim.usageRecords.create({ subscriptionItem: item(early!), quantity: 1000 });
    sim.usageRecords.create({ subscriptionItem: item(late), quantity: 3000 });
    // April 20: both March periods closed (April 1 and April 11), both April periods open.
    sim.testClock.advance({ frozenTime: MARCH_1 + 50 * DAY });
    sim.usageRecords.create({ subscriptionItem: item(late), quantity: 500 });
    return { sim, price };
  }

  it('sums invoices by the month their period ends in, marking the open one', () => {
    const { sim } = staggered();
    const file = exportInvoicesFile(sim, 'Guide', { format: 'csv', by: 'calendar-month' });
    expect(file.filename).toBe('guide-invoices-by-month.csv');
    // A period counts in the month of its last day: Acme's March 1 – April 1 in March (1000
    // calls at 0.2 cents, EUR 2.00, and its EUR 0.00 creation invoice), Beta's March 11 –
    // April 11 in April (3000 calls, EUR 6.00, and its creation invoice). No invoice bills a
    // period still open on April 20.
    expect(file.content).toBe(
      [
        'month,currency,invoices,billed_minor,billed,draft_minor,open',
        '2025-03,EUR,2,200,EUR 2.00,0,',
        '2025-04,EUR,2,600,EUR 6.00,0,',
        '',
      ].join('\n'),
    );
    const months = JSON.parse(
      exportInvoicesFile(sim, 'Guide', { format: 'json', by: 'calendar-month' }).content,
    );
    expect(months).toEqual([
      { month: '2025-03', currency: 'EUR', invoices: 2, billed: 200, draft: 0, open: false },
      { month: '2025-04', currency: 'EUR', invoices: 2, billed: 600, draft: 0, open: false },
    ]);
    expect(() =>
      exportInvoicesFile(sim, 'Guide', { format: 'html', by: 'calendar-month' }),
    ).toThrow(expect.objectContaining({ param: 'by' }));
  });

  it('exports Compare per calendar month (as the view shows it) or per period', () => {
    const { sim, price } = staggered();
    const dearer = sim.prices.create({
      product: price.product,
      currency: 'EUR',
      unitAmountDecimal: '0.4',
      recurring: { interval: 'month', usageType: 'metered' },
    });
    const prices = [price.id, dearer.id];
    const byMonth = exportComparisonFile(sim, 'Guide', { prices, format: 'csv' });
    expect(byMonth.filename).toBe('guide-compare-by-month.csv');
    // March: Acme's first period (1000 calls); April: Beta's first (3000) and Acme's open
    // second (none yet); May: Beta's open second (500 calls so far).
    expect(byMonth.content).toBe(
      `month,open,${price.id},${dearer.id}\n2025-03,,200,400\n2025-04,open,600,1200\n2025-05,open,100,200\n`,
    );
    const byPeriod = exportComparisonFile(sim, 'Guide', { prices, format: 'csv', by: 'period' });
    expect(byPeriod.content.split('\n')).toHaveLength(6); // header, 4 periods, final newline
    const json = JSON.parse(exportComparisonFile(sim, 'Guide', { prices, format: 'json' }).content);
    expect(json.months.map((m: { key: string; open: boolean }) => [m.key, m.open])).toEqual([
      ['2025-03', false],
      ['2025-04', true],
      ['2025-05', true],
    ]);
  });
});
