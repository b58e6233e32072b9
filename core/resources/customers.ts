// Customers: who is billed, and the test card their invoices are charged to.
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import type { Customer } from '../public/types';
import { method, param } from './entry';
import {
  balanceTransactionArgs,
  customerCreateArgs,
  customerUpdateArgs,
  listArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import { moveBalance, settleCurrency } from './balance';
import { repriceDrafts } from './invoice-pipeline';
import { normalizeCurrency } from '../values/money';

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
