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
