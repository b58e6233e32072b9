// Tax rates (inclusive or exclusive percentages) and the default rates of a subscription.
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import type { TaxRate } from '../public/types';
import { method, param } from './entry';
import { listArgs, objectIdOf, taxRateCreateArgs, taxRateUpdateArgs } from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

/**
 * A subscription's default tax rates, checked. NOTE: at most one inclusive rate per line (no rule
 * splits a line among several); each rate once.
 */
export function checkTaxRates(state: ScenarioState, ids: string[]): string[] {
  let inclusive = 0;
  ids.forEach((id, index) => {
    const where = `defaultTaxRates[${index}]`;
    const rate = state.taxRate(id, where);
    if (ids.indexOf(id) !== index)
      throw invalidRequest(
        'tax_rates_invalid',
        where,
        `${id} is listed twice: list each rate once.`,
      );
    if (rate.inclusive && ++inclusive > 1)
      throw invalidRequest(
        'tax_rates_invalid',
        where,
        `${id} is a second inclusive rate: a line takes at most one inclusive rate (exclusive rates may be added).`,
      );
  });
  return [...ids];
}

export const taxRates = {
  create: method({
    params: [param('', taxRateCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => {
      const rate: TaxRate = {
        id: state.newId('txr'),
        object: 'tax_rate',
        displayName: args.displayName,
        percentage: args.percentage,
        inclusive: args.inclusive,
        country: args.country ?? null,
        active: true,
        created: state.now,
      };
      state.addTaxRate(rate);
      state.emit('tax_rate.created', rate);
      return copy(rate);
    },
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.taxRate(id, 'id')),
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.taxRates].reverse(), args),
  }),
  /** NOTE: only the display name of a tax rate can change (invoices keep their amounts). */
  update: method({
    params: [param('id', objectIdOf), param('', taxRateUpdateArgs)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id, args]) => {
      const rate = state.taxRate(id, 'id');
      rate.displayName = args.displayName;
      return copy(rate);
    },
  }),
};
