// How a price reads in a table: 'EUR 0.002 per unit', 'graduated, 3 tiers', 'per 1000 units, up'.
import { formatExactMoney } from '../../core/public/format';
import type { Price } from '../../core/public/types';

export function describePriceModel(price: Price): string {
  if (price.billingScheme === 'tiered') {
    return `${price.tiersMode ?? 'tiered'}, ${price.tiers?.length ?? 0} tiers`;
  }
  const unit = formatExactMoney(price.unitAmountDecimal ?? '0', price.currency);
  const pack = price.transformQuantity;
  return pack ? `${unit} per ${pack.divideBy} units, rounded ${pack.round}` : `${unit} per unit`;
}

export function describeRecurring(price: Price): string {
  const { interval, intervalCount, usageType, aggregateUsage, meter } = price.recurring;
  const every = intervalCount === 1 ? interval : `${intervalCount} ${interval}s`;
  if (usageType !== 'metered') return `licensed / ${every}`;
  return meter ? `metered (meter ${meter}) / ${every}` : `metered (${aggregateUsage}) / ${every}`;
}

/** 'Seats (price_3) · EUR 8.00 per unit': how pickers name a price. */
export function priceLabel(price: Price): string {
  return `${price.nickname ?? price.id} · ${describePriceModel(price)}`;
}
