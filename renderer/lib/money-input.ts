// Amounts people type in major units ('5', '5.50', '1,200.00' EUR) as the engine's integer minor
// units, digit by digit (never x * 100), with the currency's own number of decimals.
import { currencyExponent } from '../../core/public/format';

/** '5.50' EUR -> 550, '500' JPY -> 500; null when it is not an amount the currency can hold. */
export function minorUnits(text: string, currency: string): number | null {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim().replaceAll(',', ''));
  if (!match) return null;
  const exponent = currencyExponent(currency);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return null;
  const minor = Number(match[1]! + fraction.padEnd(exponent, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The issue of an amount field, in the form's words, or null when `minorUnits` reads it. */
export function amountIssue(text: string, currency: string, label: string): string | null {
  if (!text.trim()) return `${label}: enter an amount.`;
  if (minorUnits(text, currency) !== null) return null;
  const exponent = currencyExponent(currency);
  return `${label}: enter an amount in ${currency.toUpperCase()} such as ${exponent === 0 ? '500' : `5.${'0'.repeat(exponent)}`}${exponent === 0 ? ' (no decimals)' : `, with at most ${exponent} decimals`}.`;
}

/** A number field's text: a plain number as a number, anything else as typed for the engine to name. */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}
