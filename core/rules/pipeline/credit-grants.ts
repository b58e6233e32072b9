// Pipeline step 3: credit grants pay metered lines, after discounts and before tax.
import { flat, formatMoney } from '../../public/format';
import type { CreditGrantAmount, InvoiceLine, InvoiceStep } from '../../public/types';
import { addTo, afterCredits, noAmounts, previouslyBilledOffsets } from './amounts';

/** A grant eligible for the invoice and what is left of it, in the order grants are used. */
export interface AvailableGrant {
  creditGrant: string;
  name: string | null;
  remaining: number;
}

/** NOTE: grants pay only metered subscription lines (usage records and meters alike). */
export function isCreditable(line: InvoiceLine): boolean {
  return (
    line.type === 'subscription' &&
    (line.explanation.aggregation !== null || line.explanation.meter !== undefined)
  );
}

/** The step of an invoice no grant paid: one object every such invoice shares. */
const noCredits: InvoiceStep = {
  step: 'credit_grants',
  amount: -0,
  summary: 'No credit grant applied.',
};

/**
 * NOTE: each grant in turn (the caller orders them) pays eligible lines in line order, as much
 * as it has left and the line has left after discounts and earlier grants. The credits are
 * written into the lines' `creditGrantAmounts` (the pipeline's own copies of the lines).
 */
export function applyCreditGrants(
  lines: InvoiceLine[],
  grants: AvailableGrant[],
  currency: string,
): { lines: InvoiceLine[]; totals: CreditGrantAmount[]; step: InvoiceStep } {
  const out = lines;
  const totals: CreditGrantAmount[] = [];
  const parts: string[] = [];
  const offset = grants.length === 0 ? () => 0 : previouslyBilledOffsets(out);
  for (const grant of grants) {
    let left = grant.remaining;
    for (const line of out) {
      if (left === 0) break;
      if (!isCreditable(line)) continue;
      const amount = Math.min(left, afterCredits(line) + offset(line));
      if (amount <= 0) continue;
      line.creditGrantAmounts = [
        ...line.creditGrantAmounts,
        { creditGrant: grant.creditGrant, amount },
      ];
      addTo(totals, 'creditGrant', { creditGrant: grant.creditGrant, amount });
      left -= amount;
    }
    const used = grant.remaining - left;
    if (used > 0)
      parts.push(
        `${grant.name ?? grant.creditGrant}: −${formatMoney(used, currency)} (${formatMoney(left, currency)} left)`,
      );
  }
  const amount = totals.reduce((total, entry) => total + entry.amount, 0);
  return {
    lines: out,
    totals: totals.length === 0 ? noAmounts : totals,
    step:
      parts.length === 0
        ? noCredits
        : {
            step: 'credit_grants',
            amount: -amount,
            summary: flat(`${parts.join('; ')}. Grants pay metered lines only.`),
          },
  };
}
