import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyBalance, paymentStep } from '../../../../core/rules/pipeline/balance';
import { lineAmounts } from '../../../../core/rules/pipeline/lines';
import { invoiceTotals } from '../../../../core/rules/pipeline/totals';
import { SharedSteps } from '../../../../core/rules/pipeline/shared-steps';

describe('SharedSteps', () => {
  it('keeps one step per amount and currency; a colliding amount or another currency is not it', () => {
    const shared = new SharedSteps();
    const step = { step: 'payment' as const, amount: 100, summary: 'EUR 1.00' };
    expect(shared.find(100, 'EUR')).toBeNull();
    shared.keep(100, 'EUR', step);
    expect(shared.find(100, 'EUR')).toBe(step);
    expect(shared.find(100, 'USD')).toBeNull();
    // 1124 falls in the same slot as 100 (1024 slots): it is not taken for it.
    expect(shared.find(1124, 'EUR')).toBeNull();
    expect(shared.find(-0, 'EUR')).toBeNull();
  });

  it('shared pipeline steps read as freshly written ones, whatever came before', () => {
    // Amounts from a small range, so slots are reused and overwritten across currencies.
    const amount = fc.integer({ min: -3000, max: 3000 });
    const currency = fc.constantFrom('EUR', 'JPY', 'KWD');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(amount, currency, fc.boolean()), { minLength: 1, maxLength: 30 }),
        (calls) => {
          for (const [value, code, bound] of calls) {
            const payment = paymentStep(Math.max(0, value), code);
            expect(payment.amount).toBe(Math.max(0, value));
            expect(payment.summary).toBe(
              value <= 0
                ? 'Nothing to charge: the invoice is paid at once when finalized.'
                : `${money(value, code)} is charged to the customer's payment method when finalized, with retries if it fails.`,
            );
            const due = applyBalance(value, 0, bound, code).steps[1];
            expect(due.amount).toBe(Math.max(0, value));
            if (value >= 0)
              expect(due.summary).toBe(
                `${money(value, code)} + ${money(0, code)} = ${money(value, code)} due${bound ? `; the balance becomes ${money(0, code)}` : ''}.`,
              );
            const total = invoiceTotals(value, 0, 0, [], code).step;
            expect(total).toEqual({
              step: 'total',
              amount: value,
              summary: `${money(value, code)} − ${money(0, code)} discounts − ${money(0, code)} credits + ${money(0, code)} exclusive tax = ${money(value, code)}.`,
            });
          }
        },
      ),
    );
  });

  it("step 1 of a one-line invoice names that line's amount, shared or not", () => {
    const line = (amount: number) =>
      ({ amount, period: { start: 0, end: 1 } }) as Parameters<typeof lineAmounts>[0][number];
    const first = lineAmounts([line(1234)], null, 'EUR', false).step;
    expect(first.summary).toBe('1 line, each rounded once: subtotal EUR 12.34.');
    expect(lineAmounts([line(1234)], null, 'EUR', false).step).toBe(first);
    expect(lineAmounts([line(1234)], null, 'USD', false).step.summary).toBe(
      '1 line, each rounded once: subtotal USD 12.34.',
    );
    expect(lineAmounts([line(1234), line(1)], null, 'EUR', false).step.summary).toBe(
      '2 lines, each rounded once: subtotal EUR 12.35.',
    );
    // The USD step took the slot: EUR is written again, the same text.
    expect(lineAmounts([line(1234)], null, 'EUR', false).step).toEqual(first);
  });
});

/** Minor units as the pipeline writes them (decimals by currency), for the expectations. */
function money(minor: number, currency: string): string {
  const exponent = currency === 'JPY' ? 0 : currency === 'KWD' ? 3 : 2;
  const magnitude = Math.abs(minor);
  const whole = Math.floor(magnitude / 10 ** exponent).toLocaleString('en-US');
  const decimals =
    exponent === 0 ? '' : `.${String(magnitude % 10 ** exponent).padStart(exponent, '0')}`;
  return `${minor < 0 ? '-' : ''}${currency} ${whole}${decimals}`;
}
