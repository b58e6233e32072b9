// "Migrate this price to a meter": for a legacy metered price, the meter and the price that would
// replace it (sum -> sum, last_during_period and last_ever -> last, max -> Meterlab's max), and
// per period what the customer would pay under each, from the engine's records-vs-meters numbers.
import { meterFormulas, strategyToFormula } from '../../core/public/descriptions';
import type { AggregateUsage, MeterFormula, Price, RecordsVsMeters } from '../../core/public/types';

export interface MigrationRow {
  start: number;
  end: number;
  open: boolean;
  legacy: number;
  proposed: number;
  /** For a max price: what the formulas other systems have would bill instead. */
  alternatives: { formula: MeterFormula; amount: number }[];
}

export interface MigrationPlan {
  strategy: AggregateUsage;
  formula: MeterFormula;
  extension: boolean;
  differs: string;
  /** Arguments of billing.meters.create and of prices.create (meter filled in once created). */
  meterArgs: {
    displayName: string;
    eventName: string;
    defaultAggregation: { formula: MeterFormula };
  };
  priceArgs: Record<string, unknown>;
  /** The two calls as SDK code. */
  code: string;
  rows: MigrationRow[];
  /** Periods whose amount would change. */
  changed: number;
}

/** An event name from a product name: 'API access' -> 'api_access'. */
export function eventNameFor(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug || 'usage';
}

/** The price's create arguments with a meter in place of aggregateUsage. */
function meterPriceArgs(price: Price, meter: string): Record<string, unknown> {
  const { interval, intervalCount } = price.recurring;
  return {
    product: price.product,
    currency: price.currency,
    ...(price.nickname ? { nickname: `${price.nickname} (meter)` } : {}),
    billingScheme: price.billingScheme,
    ...(price.tiers
      ? {
          tiersMode: price.tiersMode,
          tiers: price.tiers.map((tier) => ({
            upTo: tier.upTo,
            ...(tier.unitAmountDecimal !== null
              ? { unitAmountDecimal: tier.unitAmountDecimal }
              : {}),
            ...(tier.flatAmountDecimal !== null
              ? { flatAmountDecimal: tier.flatAmountDecimal }
              : {}),
          })),
        }
      : { unitAmountDecimal: price.unitAmountDecimal }),
    ...(price.transformQuantity ? { transformQuantity: price.transformQuantity } : {}),
    recurring: { interval, intervalCount, usageType: 'metered', meter },
  };
}

export function migrationPlan(
  price: Price,
  productName: string,
  comparison: RecordsVsMeters,
): MigrationPlan | null {
  const strategy = price.recurring.aggregateUsage;
  if (price.recurring.usageType !== 'metered' || strategy === null) return null;
  const { formula, differs } = strategyToFormula[strategy];
  const meterArgs = {
    displayName: productName,
    eventName: eventNameFor(productName),
    defaultAggregation: { formula },
  };
  const priceArgs = meterPriceArgs(price, 'mtr_…');
  const rows = comparison.periods
    .map((period) => ({
      start: period.start,
      end: period.end,
      open: period.open,
      legacy: period.strategies[strategy].amount,
      proposed: period.formulas[formula].amount,
      alternatives:
        formula === 'max'
          ? (['last', 'sum'] as const).map((f) => ({
              formula: f,
              amount: period.formulas[f].amount,
            }))
          : [],
    }))
    .reverse();
  const code =
    `const meter = await vinr.billing.meters.create(${JSON.stringify(meterArgs, null, 2)});\n` +
    `await vinr.prices.create(${JSON.stringify(priceArgs, null, 2).replace('"mtr_…"', 'meter.id')});`;
  return {
    strategy,
    formula,
    extension: meterFormulas[formula].extension,
    differs,
    meterArgs,
    priceArgs,
    code,
    rows,
    changed: rows.filter((row) => row.legacy !== row.proposed).length,
  };
}

/** The same price, for the meter just created. */
export function priceArgsFor(price: Price, meter: string): Record<string, unknown> {
  return meterPriceArgs(price, meter);
}

/** One line on why a formula bills differently from a strategy over the same stream. */
export function whyTheyDiffer(formula: MeterFormula): string {
  switch (formula) {
    case 'sum':
      return 'Adds every event, like sum over increments.';
    case 'count':
      return 'Counts events, not their values: 3 events of 10 bill 3, not 30.';
    case 'last':
      return 'The latest event inside the period only: a period without events bills 0 (last_ever would carry the value over).';
    case 'max':
      return 'The largest single event, like the legacy max; a Meterlab extension, not in Stripe meters.';
    case 'unique_count':
      return 'Distinct ids (here drawn from a pool, as a generator does): how many users, not how much use.';
  }
}
