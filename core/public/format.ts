// Money for people: amounts of minor units shown in major units ('EUR 36.84'). Plain string
// arithmetic on the engine's decimal strings, with no dependency, so the UI can import it.

const zeroDecimalCurrencies = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const threeDecimalCurrencies = new Set('BHD IQD JOD KWD LYD OMR TND'.split(' '));
// NOTE: the two unidades de fomento count in ten-thousandths (ISO 4217 minor unit 4).
const fourDecimalCurrencies = new Set(['CLF', 'UYW']);

/**
 * The text as one flat string. V8 keeps a joined text (a template) as a tree of its parts, 32
 * bytes a join, until a character is read: reading one flattens it once, and the garbage collector
 * then drops the tree. Texts that invoices keep (summaries, descriptions) are flattened so.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** The ISO 4217 minor-unit exponent: EUR 2 (cents), JPY 0, KWD 3. */
export function currencyExponent(code: string): number {
  const upper = code.toUpperCase();
  if (zeroDecimalCurrencies.has(upper)) return 0;
  if (threeDecimalCurrencies.has(upper)) return 3;
  if (fourDecimalCurrencies.has(upper)) return 4;
  return 2;
}

interface PlainDecimal {
  negative: boolean;
  whole: string;
  /** Without trailing zeros. */
  fraction: string;
}

/** A plain decimal string ('-12.50', '7') divided by 10^places, digit by digit. */
function shiftLeft(plain: string, places: number): PlainDecimal {
  const negative = plain.startsWith('-');
  const unsigned = negative ? plain.slice(1) : plain;
  const dot = unsigned.indexOf('.');
  const int = dot < 0 ? unsigned : unsigned.slice(0, dot);
  const digits = dot < 0 ? unsigned : int + unsigned.slice(dot + 1);
  const point = int.length - places;
  const whole = point <= 0 ? '0' : withoutLeadingZeros(digits.slice(0, point));
  const fraction = withoutTrailingZeros(
    point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0)),
  );
  const isZero = fraction === '' && withoutLeadingZeros(whole) === '0';
  return { negative: negative && !isZero, whole, fraction };
}

/** '007' -> '7', '000' -> '0' (the last digit stays). */
function withoutLeadingZeros(digits: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  return start === 0 ? digits : digits.slice(start);
}

/** '500' -> '5', '000' -> ''. */
function withoutTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return end === digits.length ? digits : digits.slice(0, end);
}

/** '1234567' -> '1,234,567'. */
function groupThousands(whole: string): string {
  return whole.length <= 3 ? whole : whole.replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * A quantity for people: the integer part's digits grouped, any decimals as they are
 * (10000000 -> '10,000,000', '1234.5678' -> '1,234.5678').
 */
export function formatQuantity(quantity: number | string): string {
  const text = String(quantity);
  const point = text.indexOf('.');
  const whole = point < 0 ? text : text.slice(0, point);
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  if (digits.length <= 3) return text;
  return `${sign}${groupThousands(digits)}${point < 0 ? '' : text.slice(point)}`;
}

/** Major units with at least the currency's decimals, more only when the amount is sub-minor. */
function formatMajor(exactMinor: string, currency: string): string {
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code);
  const { negative, whole, fraction } = shiftLeft(exactMinor, exponent);
  const decimals = fraction.padEnd(exponent, '0');
  return `${negative ? '-' : ''}${code} ${groupThousands(whole)}${decimals ? `.${decimals}` : ''}`;
}

// An invoice names the same few amounts many times (its subtotal is often its total and its
// amount due, in five explanations): the last texts are kept, one slot per amount, so they are
// one shared string, not one each.
const moneySlots = 256;
const moneyAmounts = new Float64Array(moneySlots).fill(NaN);
const moneyCurrencies: string[] = new Array<string>(moneySlots).fill('');
const moneyTexts: string[] = new Array<string>(moneySlots).fill('');

/** An integer of minor units in major units: 'EUR 36.84', 'JPY 1,234', 'KWD 1.234', '-EUR 1.50'. */
export function formatMoney(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) return formatMajor(String(minor), currency);
  const slot = minor & (moneySlots - 1);
  if (moneyAmounts[slot] === minor && moneyCurrencies[slot] === currency) return moneyTexts[slot]!;
  const text = formatMinor(minor, currency);
  moneyAmounts[slot] = minor;
  moneyCurrencies[slot] = currency;
  moneyTexts[slot] = text;
  return text;
}

function formatMinor(minor: number, currency: string): string {
  // Integers split by arithmetic: invoices format many amounts, and this path is the common one.
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code);
  const scale = 10 ** exponent;
  const magnitude = Math.abs(minor);
  const whole = String(Math.floor(magnitude / scale));
  const decimals = exponent === 0 ? '' : `.${String(magnitude % scale).padStart(exponent, '0')}`;
  return `${minor < 0 ? '-' : ''}${code} ${groupThousands(whole)}${decimals}`;
}

/** An exact amount of minor units in major units, unrounded: '0.2' EUR -> 'EUR 0.002'. */
export function formatExactMoney(exactMinor: string, currency: string): string {
  return formatMajor(exactMinor, currency);
}

/** 'EUR 36.84' when the exact amount is whole, else 'EUR 0.015, rounded half up to EUR 0.02'. */
export function describeRounding(exactMinor: string, minor: number, currency: string): string {
  // Most exact amounts are plain digits or digits with a fraction: no need to take them apart.
  if (/^(0|[1-9]\d*)(\.\d*[1-9])?$/.test(exactMinor)) {
    return !exactMinor.includes('.') && exactMinor === String(minor)
      ? formatMoney(minor, currency)
      : `${formatExactMoney(exactMinor, currency)}, rounded half up to ${formatMoney(minor, currency)}`;
  }
  const exact = shiftLeft(exactMinor, 0);
  const whole =
    exact.fraction === '' && `${exact.negative ? '-' : ''}${exact.whole}` === String(minor);
  return whole
    ? formatMoney(minor, currency)
    : `${formatExactMoney(exactMinor, currency)}, rounded half up to ${formatMoney(minor, currency)}`;
}
