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
