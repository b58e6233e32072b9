// Customers: who is billed, and the test card their invoices are charged to.
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import type { Customer } from '../public/types';
import { method, param } from './entry';
import { customerCreateArgs, customerUpdateArgs, listArgs, objectIdOf } from './schemas';
import { list } from './state';

export const customers = {
  create: method({
    params: [param('', customerCreateArgs)],
    mutates: true,
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
};
