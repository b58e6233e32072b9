// What is left of a line as the pipeline's steps take their parts: the shared arithmetic of the
// steps, so each step reads a line the same way.
import type { InvoiceLine } from '../../public/types';

const sum = (parts: { amount: number }[]) => parts.reduce((total, part) => total + part.amount, 0);

/** The line's amount less its discounts. */
export function afterDiscounts(line: InvoiceLine): number {
  return line.amount - sum(line.discountAmounts);
}

/** The line's amount less its discounts and credits: the base its tax is computed on. */
export function afterCredits(line: InvoiceLine): number {
  return afterDiscounts(line) - sum(line.creditGrantAmounts);
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
