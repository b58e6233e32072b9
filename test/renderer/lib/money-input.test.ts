import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../core/public/format';
import { amountIssue, minorUnits, numberOrText } from '../../../renderer/lib/money-input';

describe('minorUnits', () => {
  it('reads major units with the currency’s decimals, exactly', () => {
    expect(minorUnits('5.50', 'EUR')).toBe(550);
    expect(minorUnits(' 5 ', 'EUR')).toBe(500);
    expect(minorUnits('1,200.05', 'EUR')).toBe(120005);
    // 0.1 + 0.2 in floats is 0.30000000000000004; digit by digit it is 30 cents.
    expect(minorUnits('0.30', 'EUR')).toBe(30);
    expect(minorUnits('5.000', 'EUR')).toBe(500);
    expect(minorUnits('500', 'JPY')).toBe(500);
    expect(minorUnits('1.234', 'KWD')).toBe(1234);
  });

  it('refuses what the currency cannot hold, and anything that is not an amount', () => {
    expect(minorUnits('5.001', 'EUR')).toBeNull();
    expect(minorUnits('5.5', 'JPY')).toBeNull();
    expect(minorUnits('-5', 'EUR')).toBeNull();
    expect(minorUnits('5e3', 'EUR')).toBeNull();
    expect(minorUnits('', 'EUR')).toBeNull();
    expect(minorUnits('99999999999999999', 'EUR')).toBeNull();
  });

  it('reads back every amount formatMoney writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('EUR', 'JPY', 'KWD', 'CLF'),
        (minor, currency) => {
          const shown = formatMoney(minor, currency).slice(currency.length + 1);
          expect(minorUnits(shown, currency)).toBe(minor);
        },
      ),
    );
  });
});

describe('amountIssue', () => {
  it('says what to type, in the currency of the field', () => {
    expect(amountIssue('', 'EUR', 'Amount')).toBe('Amount: enter an amount.');
    expect(amountIssue('5.001', 'EUR', 'Amount off')).toBe(
      'Amount off: enter an amount in EUR such as 5.00, with at most 2 decimals.',
    );
    expect(amountIssue('5.5', 'JPY', 'Amount')).toBe(
      'Amount: enter an amount in JPY such as 500 (no decimals).',
    );
    expect(amountIssue('5.00', 'EUR', 'Amount')).toBeNull();
  });
});

describe('numberOrText', () => {
  it('sends plain numbers as numbers and leaves the rest for the engine to name', () => {
    expect(numberOrText('19')).toBe(19);
    expect(numberOrText('-2.5')).toBe(-2.5);
    expect(numberOrText('19%')).toBe('19%');
  });
});
