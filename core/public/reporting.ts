// Reporting rules the exports, the CLI and the UI share: which invoices a print leaves out by
// default, and revenue by calendar month. Dependency-free, so the renderer imports it too.
import type { Invoice } from './types';

/**
 * An invoice made when a subscription was created that bills nothing (EUR 0.00: metered prices
 * bill in arrears, so a usage-only subscription starts with one). Prints leave these out unless
 * asked to include them; CSV and JSON exports keep every invoice.
 */
export function isZeroCreationInvoice(invoice: Pick<Invoice, 'billingReason' | 'total'>): boolean {
  // NOTE: a zero creation invoice is left out of prints by default (docs/billing-rules.md).
  return invoice.billingReason === 'subscription_create' && invoice.total === 0;
}

// ---- calendar months ---------------------------------------------------------------------------

/**
 * The calendar month (UTC, 'YYYY-MM') a period counts in: the month of its last second, so a
 * period counts where its invoice closes and subscriptions that start on different days line up.
 */
export function calendarMonthOf(period: { start: number; end: number }): string {
  // NOTE: a period counts in the calendar month of its last day (docs/billing-rules.md).
  const last = new Date(Math.max(period.start, period.end - 1) * 1000);
  return `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Compare's revenue of a calendar month per price; open: a period counted here is still open. */
export interface ComparisonMonth {
  key: string;
  label: string;
  amounts: Record<string, number>;
  /** Some period counted here is still open at the clock's time: its amount is so far. */
  open: boolean;
}

/** Compare's per-(period, customer) rows summed by calendar month, oldest first. */
export function comparisonByCalendarMonth(
  comparison: {
    prices: string[];
    rows: { periodStart: number; periodEnd: number; amounts: Record<string, number> }[];
  },
  now: number,
): ComparisonMonth[] {
  const months = new Map<string, ComparisonMonth>();
  // Rows share a few periods (10,000 customers, 2 periods): each month is named once per last
  // second (what calendarMonthOf reads), not once per row.
  const named = new Map<number, string>();
  for (const row of comparison.rows) {
    const last = Math.max(row.periodStart, row.periodEnd - 1);
    let key = named.get(last);
    if (key === undefined)
      named.set(last, (key = calendarMonthOf({ start: row.periodStart, end: row.periodEnd })));
    let month = months.get(key);
    if (!month) {
      month = { key, label: key, amounts: {}, open: false };
      months.set(key, month);
    }
    for (const price of comparison.prices) {
      month.amounts[price] = (month.amounts[price] ?? 0) + (row.amounts[price] ?? 0);
    }
    if (row.periodEnd > now) month.open = true;
  }
  return [...months.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The invoices of one calendar month in one currency. */
export interface InvoiceMonth {
  /** 'YYYY-MM' (UTC): the month the invoices' periods end in. */
  month: string;
  currency: string;
  invoices: number;
  /** Σ total of the finalized invoices that are not void, in minor units. */
  billed: number;
  /** Σ total of the drafts (not billed yet), in minor units. */
  draft: number;
  /** Some invoice counted here bills a period still open at the clock's time. */
  open: boolean;
}

/** Invoices summed by the calendar month their period ends in (as Compare), oldest first. */
export function invoicesByCalendarMonth(
  invoices: readonly Pick<
    Invoice,
    'periodStart' | 'periodEnd' | 'currency' | 'total' | 'status' | 'finalizedAt'
  >[],
  now: number,
): InvoiceMonth[] {
  const months = new Map<string, InvoiceMonth>();
  for (const invoice of invoices) {
    const month = calendarMonthOf({ start: invoice.periodStart, end: invoice.periodEnd });
    const key = `${month} ${invoice.currency}`;
    let entry = months.get(key);
    if (!entry) {
      entry = { month, currency: invoice.currency, invoices: 0, billed: 0, draft: 0, open: false };
      months.set(key, entry);
    }
    entry.invoices += 1;
    if (invoice.status === 'draft') entry.draft += invoice.total;
    else if (invoice.finalizedAt !== null && invoice.status !== 'void')
      entry.billed += invoice.total;
    if (invoice.periodEnd > now) entry.open = true;
  }
  return [...months.values()].sort(
    (a, b) => a.month.localeCompare(b.month) || a.currency.localeCompare(b.currency),
  );
}
