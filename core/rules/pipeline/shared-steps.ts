// Steps that invoices of the same amounts show alike. Many invoices of a scenario carry the same
// few amounts (one plan, similar usage, the invoices of nothing), so a step of an amount is kept,
// one slot per amount, and the next invoice of that amount shares it instead of writing its text
// again. Steps are never changed in place (the pipeline makes new ones), so sharing is safe.
import type { InvoiceStep } from '../../public/types';

const SLOTS = 1024;

/** The last step made for each amount slot, of one kind of step (one text per amount). */
export class SharedSteps {
  private readonly amounts = new Float64Array(SLOTS).fill(NaN);
  private readonly currencies: string[] = new Array<string>(SLOTS).fill('');
  private readonly steps: (InvoiceStep | null)[] = new Array<InvoiceStep | null>(SLOTS).fill(null);

  /** The step kept for this amount and currency, or null. */
  find(amount: number, currency: string): InvoiceStep | null {
    const slot = amount & (SLOTS - 1);
    return Object.is(this.amounts[slot], amount) && this.currencies[slot] === currency
      ? this.steps[slot]!
      : null;
  }

  /** Keeps `step` as the one of this amount and currency; returns it. */
  keep(amount: number, currency: string, step: InvoiceStep): InvoiceStep {
    const slot = amount & (SLOTS - 1);
    this.amounts[slot] = amount;
    this.currencies[slot] = currency;
    this.steps[slot] = step;
    return step;
  }
}
