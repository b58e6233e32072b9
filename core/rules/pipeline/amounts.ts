// What is left of a line as the pipeline's steps take their parts: the shared arithmetic of the
// steps, so each step reads a line the same way.
import type { InvoiceLine } from '../../public/types';

/**
 * The empty list of a line's or an invoice's discounts, credits or taxes: one frozen array every
 * invoice shares (steps replace a list, never push into it; a push here would throw).
 */
export const noAmounts = Object.freeze([]) as never[];

const sum = (parts: { amount: number }[]) => parts.reduce((total, part) => total + part.amount, 0);

/** The line's amount less its discounts. */
export function afterDiscounts(line: InvoiceLine): number {
  return line.amount - sum(line.discountAmounts);
}

/** The line's amount less its discounts and credits: the base its tax is computed on. */
export function afterCredits(line: InvoiceLine): number {
  return afterDiscounts(line) - sum(line.creditGrantAmounts);
}

const spanKey = (line: InvoiceLine) => `${line.subscriptionItem} ${line.period.start}`;

/**
 * What "previously billed" lines take off each usage line of the invoice (0 for other lines).
 * NOTE: a usage line and the previously-billed line of its item and span count as one net amount
 * for discounts, credits and the commitment base; discounts and credits go on the usage line.
 */
export function previouslyBilledOffsets(lines: InvoiceLine[]): (line: InvoiceLine) => number {
  const offsets = new Map<string, number>();
  for (const line of lines)
    if (line.type === 'previously_billed')
      offsets.set(spanKey(line), (offsets.get(spanKey(line)) ?? 0) + line.amount);
  if (offsets.size === 0) return () => 0;
  return (line) =>
    line.type === 'subscription' && !line.proration ? (offsets.get(spanKey(line)) ?? 0) : 0;
}

/** Adds `amount` to the entry of `key` in a per-id total list (first-seen order). */
export function addTo<K extends string, T extends { amount: number } & Record<K, string>>(
  totals: T[],
  key: K,
  entry: T,
): void {
  const existing = totals.find((total) => total[key] === entry[key]);
  if (existing) existing.amount += entry.amount;
  else totals.push({ ...entry });
}
