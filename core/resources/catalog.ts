// Products and prices, and quotes of a price without touching state (price curves, previews).
import { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { objectId, safeQuantity } from '../values/validation';
import { buildPriceFields, priceCreateSchema } from '../rules/pricing/build';
import type { PriceCreateArgs } from '../rules/pricing/build';
import { quotePrice } from '../rules/pricing';
import type { Price, Product } from '../public/types';
import { method, param } from './entry';
import { listArgs, objectIdOf, priceListArgs, productCreateArgs } from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

/** Price arguments not yet created: checked field by field by buildPriceFields, like prices.create. */
const quotablePrice = z.custom<Omit<PriceCreateArgs, 'product'> & { product?: string }>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'pass a price id or the price arguments object',
);

/** A stored price by id, or price arguments not yet created (the price builder's preview). */
function priceOf(state: ScenarioState, value: string | object): Price {
  if (typeof value === 'string') return state.price(value, 'price');
  const fields = buildPriceFields({ product: 'prod_preview', ...value });
  return { ...fields, id: 'price_preview', object: 'price', created: state.now };
}

export const products = {
  create: method({
    params: [param('', productCreateArgs)],
    mutates: true,
    // Checks everything before its first change: no checkpoint needed.
    atomic: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => {
      const product: Product = {
        id: state.newId('prod'),
        object: 'product',
        name: args.name,
        created: state.now,
      };
      state.addProduct(product);
      state.emit('product.created', product);
      return copy(product);
    },
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.product(id, 'id')),
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.products].reverse(), args),
  }),
};

export const prices = {
  create: method({
    params: [param('', priceCreateSchema)],
    mutates: true,
    // Checks everything before its first change: no checkpoint needed.
    atomic: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => {
      const fields = buildPriceFields(args);
      state.product(fields.product, 'product');
      if (fields.recurring.meter !== null) {
        const meter = state.meter(fields.recurring.meter, 'recurring.meter');
        // NOTE: an inactive meter cannot be attached to a new price.
        if (meter.status !== 'active') {
          throw invalidRequest(
            'meter_inactive',
            'recurring.meter',
            `Meter ${meter.id} is inactive: reactivate it (billing.meters.reactivate) before pricing with it.`,
          );
        }
      }
      const price: Price = {
        id: state.newId('price'),
        object: 'price',
        ...fields,
        created: state.now,
      };
      state.addPrice(price);
      state.emit('price.created', price);
      return copy(price);
    },
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.price(id, 'id')),
  }),
  list: method({
    params: [param('', priceListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const found = state.data.prices.filter(
        (price) => !args?.product || price.product === args.product,
      );
      return list(found.reverse(), args);
    },
  }),
};

/** Prices a quantity under a price without touching state (for price curves). */
export const quote = method({
  params: [param('price', z.union([objectId, quotablePrice])), param('quantity', safeQuantity)],
  mutates: false,
  run: (state, [price, quantity]) => quotePrice(priceOf(state, price), quantity),
});
