// Turns untrusted PriceCreateArgs into the stored fields of a price: first the schema (types and
// unknown keys), then the semantic rules of BILLING-RULES.md "Prices", each failure naming its param.
import { z } from 'zod';
import { invalidRequest } from '../../values/errors';
import { normalizeCurrency, parseAmountDecimal } from '../../values/money';
import type { Interval, Price, PriceTier, Recurring } from '../../public/types';
import { objectId, parseArgs } from '../../values/validation';

export type PriceFields = Omit<Price, 'id' | 'object' | 'created'>;

const minorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const tierSchema = z.strictObject({
  // Checked below, so that the message can say where 'inf' belongs.
  upTo: z.union([z.number(), z.string()]),
  unitAmount: minorUnits.optional(),
  unitAmountDecimal: z.string().optional(),
  flatAmount: minorUnits.optional(),
  flatAmountDecimal: z.string().optional(),
});
type TierArgs = z.output<typeof tierSchema>;

export const priceCreateSchema = z.strictObject({
  product: objectId,
  currency: z.string(),
  nickname: z.string().max(255).optional(),
  billingScheme: z.enum(['per_unit', 'usage', 'tiered']).optional(),
  unitAmount: minorUnits.optional(),
  unitAmountDecimal: z.string().optional(),
  tiers: z.array(tierSchema).optional(),
  tiersMode: z.enum(['graduated', 'volume']).optional(),
  transformQuantity: z
    .strictObject({
      divideBy: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      round: z.enum(['up', 'down']),
    })
    .optional(),
  recurring: z.strictObject({
    interval: z.enum(['day', 'week', 'month', 'year']),
    intervalCount: z.number().int().min(1).optional(),
    usageType: z.enum(['licensed', 'metered']).optional(),
    aggregateUsage: z.enum(['sum', 'max', 'last_during_period', 'last_ever']).optional(),
    meter: objectId.optional(),
  }),
});
type PriceArgs = z.output<typeof priceCreateSchema>;
/** What prices.create takes. */
export type PriceCreateArgs = z.input<typeof priceCreateSchema>;
export type PriceTierArgs = z.input<typeof tierSchema>;

/** Longest billing period: one year, in each interval's units. */
export const maxIntervalCount: Record<Interval, number> = {
  day: 365,
  week: 52,
  month: 12,
  year: 1,
};

/** Validates untrusted price arguments and returns the fields of the price to store. */
export function buildPriceFields(args: unknown): PriceFields {
  const parsed = parseArgs(priceCreateSchema, args);
  const currency = normalizeCurrency(parsed.currency, 'currency');
  const recurring = buildRecurring(parsed.recurring);
  const common = {
    product: parsed.product,
    currency,
    nickname: parsed.nickname ?? null,
    recurring,
  };
  // NOTE: the guide's billingScheme 'usage' is per_unit; per_unit is also the default.
  if (parsed.billingScheme === 'tiered') return { ...common, ...buildTiered(parsed) };
  return { ...common, ...buildPerUnit(parsed) };
}

function buildRecurring(args: PriceArgs['recurring']): Recurring {
  const intervalCount = args.intervalCount ?? 1;
  const limit = maxIntervalCount[args.interval];
  if (intervalCount > limit) {
    throw invalidRequest(
      'interval_count_too_large',
      'recurring.intervalCount',
      `Invalid recurring.intervalCount ${intervalCount}: a period is at most one year, so use at ` +
        `most ${limit} with interval '${args.interval}'.`,
    );
  }
  // NOTE: like Stripe, usageType defaults to licensed; aggregateUsage exists only for metered
  // prices and defaults to sum there.
  const usageType = args.usageType ?? 'licensed';
  if (usageType === 'licensed' && args.aggregateUsage !== undefined) {
    throw invalidRequest(
      'aggregate_usage_requires_metered',
      'recurring.aggregateUsage',
      `Invalid recurring.aggregateUsage: it applies to metered prices only. Set ` +
        `recurring.usageType to 'metered', or remove aggregateUsage.`,
    );
  }
  const meter = args.meter ?? null;
  // NOTE: a price with a meter is metered and bills the meter's formula: no aggregateUsage.
  if (meter !== null && usageType !== 'metered') {
    throw invalidRequest(
      'meter_requires_metered',
      'recurring.meter',
      `Invalid recurring.meter: a meter applies to metered prices only. Set recurring.usageType ` +
        `to 'metered', or remove meter.`,
    );
  }
  if (meter !== null && args.aggregateUsage !== undefined) {
    throw invalidRequest(
      'meter_and_aggregate_usage',
      'recurring.aggregateUsage',
      `Invalid recurring.aggregateUsage: a price with a meter aggregates by the meter's formula. ` +
        `Remove aggregateUsage (or meter, to bill usage records).`,
    );
  }
  return {
    interval: args.interval,
    intervalCount,
    usageType,
    aggregateUsage:
      usageType === 'metered' && meter === null ? (args.aggregateUsage ?? 'sum') : null,
    meter,
  };
}

type SchemeFields = Pick<
  PriceFields,
  'billingScheme' | 'unitAmount' | 'unitAmountDecimal' | 'tiers' | 'tiersMode' | 'transformQuantity'
>;

function notWith(param: string, scheme: string, fix: string): never {
  throw invalidRequest(
    'parameter_not_allowed',
    param,
    `Invalid ${param}: it cannot be used with billingScheme '${scheme}'. ${fix}`,
  );
}

function buildPerUnit(args: PriceArgs): SchemeFields {
  const scheme = args.billingScheme ?? 'per_unit';
  const useTiered = "Set billingScheme to 'tiered' to price with tiers.";
  if (args.tiers !== undefined) notWith('tiers', scheme, useTiered);
  if (args.tiersMode !== undefined) notWith('tiersMode', scheme, useTiered);
  const unitAmountDecimal = exactlyOneAmount(
    args.unitAmount,
    args.unitAmountDecimal,
    'unitAmount',
    'unitAmountDecimal',
  );
  if (unitAmountDecimal === null) {
    throw invalidRequest(
      'parameter_missing',
      'unitAmount',
      `Missing unit amount: pass unitAmount (whole minor units, e.g. 5) or unitAmountDecimal ` +
        `(e.g. '0.2' for EUR 0.002) for a '${scheme}' price.`,
    );
  }
  return {
    billingScheme: 'per_unit',
    // Normalized decimals have a '.' only when they have a fraction of a minor unit.
    unitAmount: unitAmountDecimal.includes('.') ? null : Number(unitAmountDecimal),
    unitAmountDecimal,
    tiers: null,
    tiersMode: null,
    transformQuantity: args.transformQuantity ?? null,
  };
}

/** The one amount given as a normalized decimal string, null when neither; both is an error. */
function exactlyOneAmount(
  integer: number | undefined,
  decimal: string | undefined,
  integerParam: string,
  decimalParam: string,
): string | null {
  if (integer !== undefined && decimal !== undefined) {
    throw invalidRequest(
      'parameter_conflict',
      decimalParam,
      `Pass either ${integerParam} or ${decimalParam}, not both: they set the same amount.`,
    );
  }
  if (decimal !== undefined) return parseAmountDecimal(decimal, decimalParam);
  return integer === undefined ? null : String(integer);
}

function buildTiered(args: PriceArgs): SchemeFields {
  const fix = 'A tiered price takes its amounts from tiers.';
  if (args.unitAmount !== undefined) notWith('unitAmount', 'tiered', fix);
  if (args.unitAmountDecimal !== undefined) notWith('unitAmountDecimal', 'tiered', fix);
  if (args.transformQuantity !== undefined) {
    notWith('transformQuantity', 'tiered', 'Package pricing works with per_unit prices only.');
  }
  if (args.tiers === undefined) {
    throw invalidRequest(
      'parameter_missing',
      'tiers',
      `Missing tiers: a tiered price needs tiers, e.g. [{ upTo: 100, unitAmount: 10 }, ` +
        `{ upTo: 'inf', unitAmount: 5 }].`,
    );
  }
  if (args.tiersMode === undefined) {
    throw invalidRequest(
      'parameter_missing',
      'tiersMode',
      `Missing tiersMode: pass 'graduated' (each unit priced by its tier) or 'volume' (the ` +
        `tier holding the whole quantity prices every unit).`,
    );
  }
  if (args.tiers.length === 0) {
    throw invalidRequest(
      'parameter_invalid',
      'tiers',
      `Invalid tiers: pass at least one tier; the last one has upTo 'inf'.`,
    );
  }
  return {
    billingScheme: 'tiered',
    unitAmount: null,
    unitAmountDecimal: null,
    tiers: args.tiers.map((tier, index, all) => buildTier(tier, index, all)),
    tiersMode: args.tiersMode,
    transformQuantity: null,
  };
}

function buildTier(tier: TierArgs, index: number, all: readonly TierArgs[]): PriceTier {
  const param = `tiers[${index}]`;
  const upTo = tierUpTo(tier, index, all);
  const unitAmountDecimal = exactlyOneAmount(
    tier.unitAmount,
    tier.unitAmountDecimal,
    `${param}.unitAmount`,
    `${param}.unitAmountDecimal`,
  );
  const flatAmountDecimal = exactlyOneAmount(
    tier.flatAmount,
    tier.flatAmountDecimal,
    `${param}.flatAmount`,
    `${param}.flatAmountDecimal`,
  );
  if (unitAmountDecimal === null && flatAmountDecimal === null) {
    throw invalidRequest(
      'parameter_missing',
      `${param}.unitAmount`,
      `Missing amount in ${param}: pass unitAmount (or unitAmountDecimal), flatAmount (or ` +
        `flatAmountDecimal), or both.`,
    );
  }
  return { upTo, unitAmountDecimal, flatAmountDecimal };
}

/** upTo: a positive whole number increasing strictly from tier to tier; 'inf' on the last only. */
function tierUpTo(tier: TierArgs, index: number, all: readonly TierArgs[]): number | 'inf' {
  const param = `tiers[${index}].upTo`;
  const isLast = index === all.length - 1;
  if (isLast) {
    if (tier.upTo === 'inf') return 'inf';
    throw invalidRequest(
      'tiers_last_not_inf',
      param,
      `Invalid ${param}: the last tier must have upTo 'inf' so that every quantity has a tier.`,
    );
  }
  if (tier.upTo === 'inf') {
    throw invalidRequest(
      'tiers_inf_not_last',
      param,
      `Invalid ${param}: only the last tier may have upTo 'inf'. Give this tier a whole-number ` +
        `upper bound, or remove the tiers after it.`,
    );
  }
  if (typeof tier.upTo !== 'number' || !Number.isSafeInteger(tier.upTo) || tier.upTo < 1) {
    throw invalidRequest(
      'parameter_invalid',
      param,
      `Invalid ${param} ${JSON.stringify(tier.upTo)}: pass a positive whole number (the tier's ` +
        `inclusive upper bound), or 'inf' on the last tier.`,
    );
  }
  const previous = all[index - 1]?.upTo;
  if (typeof previous === 'number' && tier.upTo <= previous) {
    throw invalidRequest(
      'tiers_not_increasing',
      param,
      `Invalid ${param} ${tier.upTo}: upTo must increase strictly from tier to tier (the ` +
        `previous tier ends at ${previous}).`,
    );
  }
  return tier.upTo;
}
