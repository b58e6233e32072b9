// Money: currencies, exact decimal amounts of minor units, the one rounding rule, and formatting.
// Every amount is a decimal.js value or a decimal string; nothing here touches a binary float
// except integers of minor units, which are exact up to Number.MAX_SAFE_INTEGER.
import Decimal from 'decimal.js';
import { invalidRequest, MeterlabError } from './errors';

/** The engine's decimal type: 60 significant digits, ties rounded away from zero. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });
export type Dec = Decimal;

// Active ISO 4217 codes (list one, 2025), upper case. Left out on purpose: precious metals, bond
// units, SDR, the test code XTS and "no currency" XXX, which have no minor unit to bill in.
const activeCurrencyCodes = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN ' +
    'BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ' +
    'ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD ' +
    'JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT ' +
    'MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG ' +
    'QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT ' +
    'TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF ' +
    'XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

const zeroDecimalCurrencies = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const threeDecimalCurrencies = new Set('BHD IQD JOD KWD LYD OMR TND'.split(' '));
// NOTE: the two unidades de fomento count in ten-thousandths (ISO 4217 minor unit 4).
const fourDecimalCurrencies = new Set(['CLF', 'UYW']);

/** The ISO 4217 minor-unit exponent: EUR 2 (cents), JPY 0, KWD 3. */
export function currencyExponent(code: string): number {
  const upper = code.toUpperCase();
  if (zeroDecimalCurrencies.has(upper)) return 0;
  if (threeDecimalCurrencies.has(upper)) return 3;
  if (fourDecimalCurrencies.has(upper)) return 4;
  return 2;
}

/** True for an active ISO 4217 currency code, written in upper case. */
export function isCurrency(code: string): boolean {
  return activeCurrencyCodes.has(code);
}

/** The code in upper case, or an invalid_request_error naming `param` when it is not ISO 4217. */
export function normalizeCurrency(value: string, param: string): string {
  const upper = value.toUpperCase();
  if (isCurrency(upper)) return upper;
  throw invalidRequest(
    'currency_invalid',
    param,
    `Invalid currency ${JSON.stringify(value)}: use an ISO 4217 code such as EUR, USD or JPY.`,
  );
}

/** Most decimal places an amount of minor units may have (Stripe's unit_amount_decimal limit). */
export const maxAmountDecimalPlaces = 12;
const plainDecimal = /^\d+(\.\d+)?$/;

/**
 * A non-negative amount of minor units with at most 12 decimal places, as a normalized plain
 * decimal string ('0.20' -> '0.2', '5.0' -> '5'). Throws an invalid_request_error naming `param`.
 */
export function parseAmountDecimal(value: string | number, param: string): string {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  if (text === null || !plainDecimal.test(text)) {
    throw invalidRequest(
      'amount_invalid',
      param,
      `Invalid ${param} ${JSON.stringify(value) ?? String(value)}: pass a non-negative decimal ` +
        `string of minor units such as '0.2' or '12' (digits and one '.', no sign or exponent).`,
    );
  }
  const amount = new Dec(text);
  if (amount.decimalPlaces() > maxAmountDecimalPlaces) {
    throw invalidRequest(
      'amount_invalid',
      param,
      `Invalid ${param} '${text}': use at most ${maxAmountDecimalPlaces} decimal places of minor units.`,
    );
  }
  if (amount.greaterThan(Number.MAX_SAFE_INTEGER)) {
    throw invalidRequest(
      'amount_too_large',
      param,
      `Invalid ${param} '${text}': amounts are at most ${Number.MAX_SAFE_INTEGER} minor units.`,
    );
  }
  return amount.toFixed();
}

function numberText(value: number): string | null {
  return Number.isFinite(value) && value >= 0 ? new Dec(value).toFixed() : null;
}

/**
 * An exact amount of minor units rounded to a whole minor unit, half up (ties away from zero):
 * the one rounding of a line. Throws when the result is beyond Number.MAX_SAFE_INTEGER.
 */
export function roundToMinor(exactMinor: Decimal | string): number {
  const rounded = new Dec(exactMinor).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  const minor = rounded.toNumber() + 0; // + 0 turns -0 into 0
  if (!Number.isSafeInteger(minor)) {
    throw new MeterlabError(
      'invalid_request_error',
      'amount_too_large',
      null,
      `The amount ${rounded.toFixed()} minor units is too large to bill: keep quantities and ` +
        `unit amounts so that each line stays below ${Number.MAX_SAFE_INTEGER} minor units.`,
    );
  }
  return minor;
}

/** '1234567.5' -> '1,234,567.5'. */
function groupThousands(plain: string): string {
  const dot = plain.indexOf('.');
  const whole = dot === -1 ? plain : plain.slice(0, dot);
  const fraction = dot === -1 ? '' : plain.slice(dot);
  return whole.replace(/\B(?=(\d{3})+$)/g, ',') + fraction;
}

/** Major units with at least the currency's decimals, more only when the amount is sub-minor. */
function formatMajor(exactMinor: Decimal, currency: string): string {
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code);
  const major = exactMinor.abs().div(new Dec(10).pow(exponent));
  const decimals = Math.max(exponent, major.decimalPlaces());
  const sign = exactMinor.isNegative() && !exactMinor.isZero() ? '-' : '';
  return `${sign}${code} ${groupThousands(major.toFixed(decimals))}`;
}

/** An integer of minor units in major units: 'EUR 36.84', 'JPY 1,234', 'KWD 1.234', '-EUR 1.50'. */
export function formatMoney(minor: number, currency: string): string {
  return formatMajor(new Dec(minor), currency);
}

/** An exact amount of minor units in major units, unrounded: '0.2' EUR -> 'EUR 0.002'. */
export function formatExactMoney(exactMinor: string, currency: string): string {
  return formatMajor(new Dec(exactMinor), currency);
}

/** 'EUR 36.84' when the exact amount is whole, else 'EUR 0.015, rounded half up to EUR 0.02'. */
export function describeRounding(exactMinor: string, minor: number, currency: string): string {
  return new Dec(exactMinor).equals(minor)
    ? formatMoney(minor, currency)
    : `${formatExactMoney(exactMinor, currency)}, rounded half up to ${formatMoney(minor, currency)}`;
}
