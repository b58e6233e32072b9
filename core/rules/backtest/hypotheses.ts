// Hypotheses of a backtest: candidate prices, each given as the fields of prices.create plus a
// `key`, a `name` and the `meter` whose usage it prices. Built by the same buildPriceFields that
// prices.create uses, so a hypothesis is refused exactly where a price would be.
import { z } from 'zod';
import { buildPriceFields } from '../pricing';
import type { Coupon, Interval, Price } from '../../public/types';
import { checkCouponFields, couponFieldsSchema } from '../pipeline/coupon-fields';
import { invalidRequest, MeterlabError } from '../../values/errors';
import { parseArgs } from '../../values/validation';

export interface Hypothesis {
  key: string;
  name: string;
  meter: string;
  /** A price as prices.create would store it (id = key, product 'prod_backtest' unless given). */
  price: Price;
  /** A coupon on each customer's invoices from its first billed period, or null. */
  coupon: Coupon | null;
  /** A minimum spend per period, in the price's currency, or null. */
  minimumCommitment: { amount: number } | null;
}

const entrySchema = z.looseObject({
  key: z.string().min(1).max(100),
  name: z.string().max(255).optional(),
  meter: z.string().min(1).max(255),
  product: z.string().optional(),
  coupon: couponFieldsSchema.optional(),
  minimumCommitment: z.strictObject({ amount: z.number() }).optional(),
});

const listSchema = z.array(z.unknown()).min(1).max(100);

/** A product id for hypotheses that name none (prices.create needs one). */
const BACKTEST_PRODUCT = 'prod_backtest';

function prefixed(error: unknown, index: number): unknown {
  if (!(error instanceof MeterlabError)) return error;
  const param = `[${index}]${error.param ? `.${error.param}` : ''}`;
  return new MeterlabError(error.type, error.code, param, `Hypothesis ${index}: ${error.message}`);
}

function buildHypothesis(entry: unknown, index: number): Hypothesis {
  const { key, name, meter, product, coupon, minimumCommitment, ...fields } = parseArgs(
    entrySchema,
    entry,
    `[${index}]`,
  );
  // NOTE: a hypothesis prices usage, so it is metered; calendar months unless it says otherwise.
  const recurring = (fields.recurring as Record<string, unknown> | undefined) ?? {
    interval: 'month',
  };
  let built;
  try {
    built = buildPriceFields({
      ...fields,
      product: product ?? BACKTEST_PRODUCT,
      recurring: { usageType: 'metered', ...recurring },
    });
  } catch (error) {
    throw prefixed(error, index);
  }
  if (built.recurring.usageType !== 'metered') {
    throw invalidRequest(
      'price_not_metered',
      `[${index}].recurring.usageType`,
      `Hypothesis ${index} (${key}) is licensed: a backtest prices usage, so remove usageType or set it to 'metered'.`,
    );
  }
  if (built.recurring.intervalCount !== 1) {
    throw invalidRequest(
      'parameter_invalid',
      `[${index}].recurring.intervalCount`,
      `Hypothesis ${index} (${key}): a backtest prices calendar periods, so intervalCount must be 1 (use interval 'year' rather than 12 months).`,
    );
  }
  return {
    key,
    name: name ?? key,
    meter,
    price: { ...built, id: key, object: 'price', created: 0 },
    coupon: coupon ? hypothesisCoupon(coupon, built.currency, key, index) : null,
    minimumCommitment: minimumCommitment
      ? { amount: commitmentAmount(minimumCommitment.amount, key, index) }
      : null,
  };
}

/** The hypothesis's coupon, checked as coupons.create checks one, in the price's currency. */
function hypothesisCoupon(
  fields: z.output<typeof couponFieldsSchema>,
  currency: string,
  key: string,
  index: number,
): Coupon {
  const checked = checkCouponFields(fields, `[${index}].coupon.`);
  if (checked.currency !== null && checked.currency !== currency)
    throw invalidRequest(
      'currency_mismatch',
      `[${index}].coupon.currency`,
      `Hypothesis ${index} (${key}): the coupon takes ${checked.currency} off a price in ${currency}: use a percentOff coupon or one in ${currency}.`,
    );
  return { id: `cpn_${key}`, object: 'coupon', ...checked, name: null, created: 0 };
}

function commitmentAmount(amount: number, key: string, index: number): number {
  if (!Number.isSafeInteger(amount) || amount < 1)
    throw invalidRequest(
      'parameter_invalid',
      `[${index}].minimumCommitment.amount`,
      `Hypothesis ${index} (${key}): minimumCommitment.amount is ${amount}: pass a positive whole number of minor units per period.`,
    );
  return amount;
}

/**
 * Validates a list of hypotheses (the contents of prices.json). All share one currency and one
 * billing interval, the calendar period of the backtest; keys are unique.
 */
export function buildHypotheses(entries: unknown): { hypotheses: Hypothesis[]; grain: Interval } {
  const list = parseArgs(listSchema, entries);
  const hypotheses = list.map(buildHypothesis);
  const first = hypotheses[0]!;
  const seen = new Set<string>();
  hypotheses.forEach((hypothesis, index) => {
    if (seen.has(hypothesis.key)) {
      throw invalidRequest(
        'parameter_invalid',
        `[${index}].key`,
        `Hypothesis ${index}: the key '${hypothesis.key}' is used twice; give each hypothesis its own key.`,
      );
    }
    seen.add(hypothesis.key);
    if (hypothesis.price.currency !== first.price.currency) {
      throw invalidRequest(
        'currency_mismatch',
        `[${index}].currency`,
        `Hypothesis ${index} (${hypothesis.key}) is in ${hypothesis.price.currency}, ${first.key} in ${first.price.currency}: compare prices of one currency.`,
      );
    }
    if (hypothesis.price.recurring.interval !== first.price.recurring.interval) {
      throw invalidRequest(
        'interval_mismatch',
        `[${index}].recurring.interval`,
        `Hypothesis ${index} (${hypothesis.key}) is billed per ${hypothesis.price.recurring.interval}, ${first.key} per ${first.price.recurring.interval}: compare prices over the same calendar periods.`,
      );
    }
  });
  return { hypotheses, grain: first.price.recurring.interval };
}
