// The value of a meter event (BILLING-RULES "Meter events"): a decimal string or a safe integer
// for sum, last and max; any short string for unique_count. Integers go to the fast Float64
// column; other decimals are kept as exact strings beside it.
import type { ErrorCode } from '../../values/errors';

/** Most decimal places and significant digits a meter value may have. */
export const maxValueDecimalPlaces = 12;
export const maxValueDigits = 15;
export const maxUniqueValueLength = 100;

/** A string of at most 15 digits (and an optional '-') as its number, else null; no regex. */
function shortInteger(text: string): number | null {
  const length = text.length;
  const from = length > 0 && text.charCodeAt(0) === 45 ? 1 : 0;
  if (length === from || length - from > maxValueDigits) return null;
  let value = 0;
  for (let i = from; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return from === 1 ? 0 - value : value;
}
const decimalText = /^-?[0-9]+(\.[0-9]+)?$/;

/** A checked numeric value: `number` when it is a whole number, else its canonical decimal string. */
export type MeterValue = number | string;

export interface ValueProblem {
  code: ErrorCode;
  reason: string;
}

/**
 * Significant digits of a plain decimal text: leading zeros and a fraction's trailing zeros don't
 * count. NOTE: an integer's trailing zeros do ('1000' has 4), as Stripe counts digits written.
 */
function significantDigits(text: string): number {
  const unsigned = text[0] === '-' ? text.slice(1) : text;
  const dot = unsigned.indexOf('.');
  const whole = dot === -1 ? unsigned : unsigned.slice(0, dot);
  const fraction = dot === -1 ? '' : unsigned.slice(dot + 1).replace(/0+$/, '');
  const digits = (whole + fraction).replace(/^0+/, '');
  return digits.length;
}

/**
 * True for a decimal text that is valid and already canonical, checked in one pass: an optional
 * '-', a whole part without a leading zero (or just '0'), a '.', 1 to 12 digits not ending in '0',
 * at most 15 significant digits, and not zero.
 */
function isCanonicalDecimal(text: string): boolean {
  const length = text.length;
  let i = length > 0 && text.charCodeAt(0) === 45 ? 1 : 0;
  const wholeStart = i;
  while (i < length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || i >= length || text.charCodeAt(i) !== 46) return false;
  const leadingZero = text.charCodeAt(wholeStart) === 48;
  if (leadingZero && wholeDigits > 1) return false;
  const fractionStart = ++i;
  while (i < length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const fractionDigits = i - fractionStart;
  if (i !== length || fractionDigits === 0 || fractionDigits > maxValueDecimalPlaces) return false;
  if (text.charCodeAt(length - 1) === 48) return false;
  if (!leadingZero) return wholeDigits + fractionDigits <= maxValueDigits;
  // '0.000123': leading zeros of the fraction are not significant.
  let firstSignificant = fractionStart;
  while (text.charCodeAt(firstSignificant) === 48) firstSignificant++;
  return length - firstSignificant <= maxValueDigits;
}

/** '10.50' -> '10.5', '-0.0' -> 0, '007' -> 7: whole numbers become numbers. */
function canonical(text: string): MeterValue {
  const negative = text[0] === '-';
  const unsigned = negative ? text.slice(1) : text;
  const dot = unsigned.indexOf('.');
  let whole = (dot === -1 ? unsigned : unsigned.slice(0, dot)).replace(/^0+(?=\d)/, '');
  const fraction = dot === -1 ? '' : unsigned.slice(dot + 1).replace(/0+$/, '');
  if (fraction === '') return Number(negative ? `-${whole}` : whole) + 0;
  whole ||= '0';
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** The numeric value of a sum, last or max event, or why it is refused. */
export function parseNumericValue(raw: unknown): MeterValue | ValueProblem {
  if (typeof raw === 'number') {
    // NOTE: a JS safe integer is taken as its decimal; any other number (a binary float) is refused.
    if (!Number.isSafeInteger(raw)) {
      return {
        code: 'meter_event_invalid_value',
        reason: `${raw} is not a whole number: send decimals as strings such as '0.25'`,
      };
    }
    if (significantDigits(String(Math.abs(raw))) > maxValueDigits) return tooManyDigits(raw);
    return raw + 0;
  }
  if (typeof raw !== 'string') {
    return {
      code: 'meter_event_invalid_value',
      reason: `must be a decimal string such as '12' or '0.5' (got ${JSON.stringify(raw) ?? typeof raw})`,
    };
  }
  // Fast paths: a short whole number, or a decimal already in canonical form.
  const whole = shortInteger(raw);
  if (whole !== null) return whole;
  if (isCanonicalDecimal(raw)) return raw;
  if (!decimalText.test(raw)) {
    return {
      code: 'meter_event_invalid_value',
      reason: `${JSON.stringify(raw)} is not a plain decimal: use digits, an optional '-' and one '.', no exponent`,
    };
  }
  const dot = raw.indexOf('.');
  if (dot !== -1 && raw.length - dot - 1 > maxValueDecimalPlaces) {
    return {
      code: 'meter_event_invalid_value',
      reason: `${JSON.stringify(raw)} has more than ${maxValueDecimalPlaces} decimal places`,
    };
  }
  if (significantDigits(raw) > maxValueDigits) return tooManyDigits(raw);
  return canonical(raw);
}

function tooManyDigits(raw: unknown): ValueProblem {
  return {
    code: 'meter_event_value_too_many_digits',
    reason: `${JSON.stringify(raw)} has more than ${maxValueDigits} significant digits`,
  };
}

/** The value of a unique_count event: a non-empty string compared byte for byte. */
export function parseUniqueValue(raw: unknown): string | ValueProblem {
  if (typeof raw === 'string' && raw.length > 0 && raw.length <= maxUniqueValueLength) return raw;
  return {
    code: 'meter_event_invalid_value',
    reason: `must be a non-empty string of at most ${maxUniqueValueLength} characters (got ${JSON.stringify(raw) ?? typeof raw})`,
  };
}
