// A small stand-in for the engine, enough for workspace and dispatch unit tests: products,
// customers, a clock that moves forward, invoices made by hand, and snapshots.
import { invalidRequest } from '../../core/values/errors';
import { createSimulator } from '../../core/simulator';
import type { Simulator, SimulatorOptions } from '../../core/simulator';
import type { Snapshot } from '../../core/resources/snapshot';
import type { Customer, Invoice, Product } from '../../core/public/types';

export function emptySnapshot(startTime = 1_740_787_200, seed = 1): Snapshot {
  return createSimulator({ startTime, seed }).snapshot();
}

const list = <T>(data: T[]) => ({
  object: 'list' as const,
  data: structuredClone(data),
  hasMore: false,
});

/** An invoice as the stats read it. */
export function fakeInvoice(currency: string, total: number, status: Invoice['status']): Invoice {
  return {
    id: `in_${currency}${total}${status}`,
    status,
    currency,
    total,
    finalizedAt: status === 'draft' ? null : 1,
  } as Invoice;
}

export function createFakeSimulator(
  options: SimulatorOptions,
): Simulator & { addInvoice(i: Invoice): void } {
  const state: Snapshot = options.snapshot
    ? structuredClone(options.snapshot as Snapshot)
    : emptySnapshot(options.startTime, options.seed);
  const nextId = (prefix: string) => `${prefix}_${++state.idCounter}`;
  const fake = {
    products: {
      create(args: { name: unknown }): Product {
        if (typeof args?.name !== 'string' || !args.name) {
          throw invalidRequest(
            'parameter_missing',
            'name',
            'Missing required param name: pass a string.',
          );
        }
        const product: Product = {
          id: nextId('prod'),
          object: 'product',
          name: args.name,
          created: state.clock.frozenTime,
        };
        state.products.push(product);
        return structuredClone(product);
      },
      list: () => list(state.products),
    },
    customers: {
      create(args: { name: string }): Customer {
        const customer: Customer = {
          id: nextId('cus'),
          object: 'customer',
          name: args.name,
          email: null,
          paymentMethod: null,
          balance: 0,
          currency: null,
          created: state.clock.frozenTime,
        };
        state.customers.push(customer);
        return structuredClone(customer);
      },
      list: () => list(state.customers),
    },
    testClock: {
      retrieve: () => structuredClone(state.clock),
      advance(args: { frozenTime: number }) {
        if (args.frozenTime < state.clock.frozenTime) {
          throw invalidRequest(
            'clock_moves_forward_only',
            'frozenTime',
            'The test clock only moves forward.',
          );
        }
        state.clock.frozenTime = args.frozenTime;
        return structuredClone(state.clock);
      },
    },
    /** A result that is not plain JSON, to check dispatch refuses to pass it on. */
    quote: () => ({ when: new Date(0) }),
    addInvoice(invoice: Invoice) {
      state.invoices.push(invoice);
    },
    snapshot: () => structuredClone(state),
    saveView: () => ({ snapshot: structuredClone(state), columns: new Map() }),
    view: () => state,
    /** Dispatch's way in: the fake's own function of that name, or undefined-method TypeError. */
    call(method: string, args: unknown[]) {
      const [namespace, name] = method.includes('.') ? method.split('.') : [undefined, method];
      const owner = (namespace ? fake[namespace as keyof typeof fake] : fake) as Record<
        string,
        (...a: unknown[]) => unknown
      >;
      return owner[name!]!(...args);
    },
    steps: () => null,
  };
  return fake as unknown as Simulator & { addInvoice(i: Invoice): void };
}
