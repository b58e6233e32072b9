// A stored price built from create arguments, as prices.create builds it (EUR, monthly, metered).
import type { PriceCreateArgs } from '../../../../core/simulator/api';
import { buildPriceFields } from '../../../../core/rules/pricing';
import type { Price } from '../../../../core/public/types';

export function priceOf(args: Omit<PriceCreateArgs, 'product' | 'currency' | 'recurring'>): Price {
  const fields = buildPriceFields({
    product: 'prod_test',
    currency: 'EUR',
    recurring: { interval: 'month', usageType: 'metered' },
    ...args,
  });
  return { id: 'price_test', object: 'price', created: 0, ...fields };
}
