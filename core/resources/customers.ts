// Customers: who is billed, and the test card their invoices are charged to.
import type { z } from 'zod';
import { MeterlabError, invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import type { Customer } from '../public/types';
import { method, param } from './entry';
import type { ScenarioState } from './state';
import { generators } from './generators';
import { subscriptions } from './subscriptions';
import {
  balanceTransactionArgs,
  customerBatchArgs,
  customerCreateArgs,
  customerUpdateArgs,
  listArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import { moveBalance, settleCurrency } from './balance';
import { repriceDrafts } from './invoice-pipeline';
import { normalizeCurrency } from '../values/money';

type BatchEntry = z.output<typeof customerBatchArgs>['customers'][number];

/** What createBatch made for one entry, by id (a cohort's objects are listed by the list calls). */
export interface BatchCreated {
  customer: string;
  subscription: string | null;
  /** The subscription's items, in the order given. */
  items: string[];
  generators: string[];
}

/** Runs `work`; a refusal's param is put under `prefix` (customers[3].subscription.items[0]). */
function under<T>(prefix: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof MeterlabError)) throw error;
    const param = error.param ? `${prefix}.${error.param}` : prefix;
    throw new MeterlabError(error.type, error.code, param, error.message);
  }
}

/** One batch entry: the customer, its subscription, its generators, each as its own method makes them. */
function createEntry(state: ScenarioState, entry: BatchEntry, index: number): BatchCreated {
  const at = `customers[${index}]`;
  const { subscription: subscriptionArgs, generators: generatorArgs = [], ...customerArgs } = entry;
  const customer = under(at, () => customers.create.run(state, [customerArgs])).id;
  if (!subscriptionArgs) {
    if (generatorArgs.length > 0) {
      throw invalidRequest(
        'parameter_missing',
        `${at}.subscription`,
        `${at} has generators but no subscription: give it a subscription with a metered item for them to report to.`,
      );
    }
    return { customer, subscription: null, items: [], generators: [] };
  }
  const subscription = under(`${at}.subscription`, () =>
    subscriptions.create.run(state, [{ ...subscriptionArgs, customer }]),
  );
  const items = subscription.items.data.map((item) => item.id);
  const made = generatorArgs.map(({ item = 0, ...generator }, g) => {
    const where = `${at}.generators[${g}]`;
    const target = items[item];
    if (!target) {
      throw invalidRequest(
        'parameter_invalid',
        `${where}.item`,
        `${where}.item is ${item}, but the subscription has ${items.length} item(s): use an index from 0.`,
      );
    }
    return under(where, () =>
      generators.create.run(state, [{ ...generator, subscriptionItem: target }]),
    ).id;
  });
  return { customer, subscription: subscription.id, items, generators: made };
}

export const customers = {
  create: method({
    params: [param('', customerCreateArgs)],
    mutates: true,
    // Checks everything before its first change: no checkpoint needed.
    atomic: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => {
      if (args.id && state.hasCustomer(args.id)) {
        throw invalidRequest(
          'resource_already_exists',
          'id',
          `A customer with id '${args.id}' already exists: choose another id or omit it.`,
        );
      }
      const customer: Customer = {
        id: args.id ?? state.newId('cust'),
        object: 'customer',
        name: args.name,
        email: args.email ?? null,
        paymentMethod: args.paymentMethod ?? null,
        balance: 0,
        currency: null,
        created: state.now,
      };
      state.addCustomer(customer);
      state.emit('customer.created', customer);
      return copy(customer);
    },
  }),
  /**
   * Many customers in one call (a cohort), each with an optional subscription and generators on
   * its items: all of them or, on any refusal (its param names the entry), none. One save.
   */
  createBatch: method({
    params: [param('', customerBatchArgs)],
    mutates: true,
    // Journaled with each generator's id: a replay at the call's time then makes exactly these
    // generators (seed and start follow from id and time), and materialize can take one out.
    journal: (result: { object: 'list'; data: BatchCreated[] }, [args]) => ({
      args: [
        {
          customers: args.customers.map((entry, index) =>
            entry.generators
              ? {
                  ...entry,
                  generators: entry.generators.map((generator, g) => ({
                    ...generator,
                    id: result.data[index]!.generators[g]!,
                  })),
                }
              : entry,
          ),
        },
      ],
    }),
    run: (state, [args]) => ({
      object: 'list' as const,
      data: args.customers.map((entry, index) => createEntry(state, entry, index)),
    }),
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.customer(id, 'id')),
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.customers].reverse(), args),
  }),
  update: method({
    params: [param('id', objectIdOf), param('', customerUpdateArgs)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id, changes]) => {
      const customer = state.customer(id, 'id');
      if (changes.name !== undefined) customer.name = changes.name;
      if (changes.email !== undefined) customer.email = changes.email;
      if (changes.paymentMethod !== undefined) customer.paymentMethod = changes.paymentMethod;
      state.emit('customer.updated', customer);
      return copy(customer);
    },
  }),
  /** NOTE: a balance adjustment is a non-zero integer (negative credits the customer). */
  createBalanceTransaction: method({
    params: [param('id', objectIdOf), param('', balanceTransactionArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [id, args]) => {
      const customer = state.customer(id, 'id');
      if (args.amount === 0)
        throw invalidRequest(
          'balance_transaction_invalid',
          'amount',
          'amount is 0: pass a negative amount to credit the customer, a positive one to debit them.',
        );
      const currency = normalizeCurrency(args.currency, 'currency');
      settleCurrency(customer, currency, 'currency');
      const transaction = moveBalance(state, customer, {
        type: 'adjustment',
        amount: args.amount,
        currency,
        invoice: null,
        description: args.description ?? null,
      });
      repriceDrafts(state, customer.id);
      state.emit('customer.updated', customer);
      return copy(transaction);
    },
  }),
  listBalanceTransactions: method({
    params: [param('id', objectIdOf), param('', listArgs)],
    mutates: false,
    run: (state, [id, args]) => {
      state.customer(id, 'id');
      const found = state.data.balanceTransactions.filter((tx) => tx.customer === id);
      return list(found.reverse(), args);
    },
  }),
};
