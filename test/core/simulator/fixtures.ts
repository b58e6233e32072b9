// Shared scenario builders for the engine tests: the guide's flow (a metered EUR 0.002 price, the
// customer cust_8aZ2, one subscription) and small helpers to look at what the engine produced.
import { expect } from 'vitest';
import type { PriceCreateArgs } from '../../../core/simulator/api';
import { MeterlabError } from '../../../core/values/errors';
import { createSimulator } from '../../../core/simulator';
import type { Simulator, SimulatorOptions } from '../../../core/simulator';
import type {
  BillingEvent,
  EventType,
  Invoice,
  Price,
  Subscription,
  TestCard,
} from '../../../core/public/types';

export const HOUR = 3_600;
export const DAY = 86_400;
/** 2025-03-01T00:00:00Z, the start time. */
export const MAR_1_2025 = 1_740_787_200;
/** 2025-04-01T00:00:00Z: the end of the first monthly period from MAR_1_2025 (31 days later). */
export const APR_1_2025 = 1_743_465_600;
/** 2025-05-01T00:00:00Z (30 days after APR_1_2025). */
export const MAY_1_2025 = 1_746_057_600;

/** A price without its product: the tests attach the scenario's product. */
export type PriceSpec = Omit<PriceCreateArgs, 'product'>;

/** The guide's price: EUR 0.002 per API call ('0.2' minor units), summed over the month. */
export const GUIDE_PRICE: PriceSpec = {
  currency: 'EUR',
  billingScheme: 'usage',
  unitAmountDecimal: '0.2',
  recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
};

/** A metered per-unit monthly price in `currency` with `unitAmountDecimal` minor units a unit. */
export function meteredPrice(
  unitAmountDecimal: string,
  overrides: Partial<PriceSpec> & {
    aggregateUsage?: PriceSpec['recurring']['aggregateUsage'];
  } = {},
): PriceSpec {
  const { aggregateUsage = 'sum', ...rest } = overrides;
  return {
    currency: 'EUR',
    unitAmountDecimal,
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage },
    ...rest,
  };
}

/** A licensed monthly price of `unitAmount` minor units a seat. */
export function licensedPrice(unitAmount: number, currency = 'EUR'): PriceSpec {
  return { currency, unitAmount, recurring: { interval: 'month', usageType: 'licensed' } };
}

export interface ScenarioOptions {
  /** Prices of the subscription's items, in order (default: the guide's price). */
  prices?: PriceSpec[];
  /** Licensed quantities by item index. */
  quantities?: (number | undefined)[];
  /** The customer's card; null for none (default pm_card_visa). */
  paymentMethod?: TestCard | null;
  startTime?: number;
  seed?: number;
  settings?: SimulatorOptions['settings'];
}

export interface Scenario {
  sim: Simulator;
  productId: string;
  prices: Price[];
  /** The first price. */
  price: Price;
  customerId: string;
  subscription: Subscription;
  /** Subscription item ids, in the order of `prices`. */
  items: string[];
  /** The first item's id. */
  item: string;
}

/** The guide's scenario: product, price(s), the customer cust_8aZ2 and one subscription. */
export function scenario(options: ScenarioOptions = {}): Scenario {
  const sim = createSimulator({
    startTime: options.startTime ?? MAR_1_2025,
    seed: options.seed ?? 42,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const product = sim.products.create({ name: 'API access' });
  const prices = (options.prices ?? [GUIDE_PRICE]).map((spec) =>
    sim.prices.create({ ...spec, product: product.id }),
  );
  const paymentMethod =
    options.paymentMethod === undefined ? 'pm_card_visa' : options.paymentMethod;
  const customer = sim.customers.create({
    id: 'cust_8aZ2',
    name: 'Acme',
    ...(paymentMethod ? { paymentMethod } : {}),
  });
  const subscription = sim.subscriptions.create({
    customer: customer.id,
    items: prices.map((price, index) => {
      const quantity = options.quantities?.[index];
      return quantity === undefined ? { price: price.id } : { price: price.id, quantity };
    }),
  });
  const items = subscription.items.data.map((item) => item.id);
  return {
    sim,
    productId: product.id,
    prices,
    price: prices[0]!,
    customerId: customer.id,
    subscription,
    items,
    item: items[0]!,
  };
}

/** Runs `call`, expects a MeterlabError with the given fields, and returns it. */
export function expectError(
  call: () => unknown,
  expected: { type?: string; code?: string; param?: string | null; message?: RegExp },
): MeterlabError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'the call should throw').toBeInstanceOf(MeterlabError);
  const error = thrown as MeterlabError;
  const { message, ...fields } = expected;
  expect({ type: error.type, code: error.code, param: error.param }).toMatchObject(fields);
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** Expects `call` to be rejected with a MeterlabError and to leave the snapshot byte-identical. */
export function expectRejectedUnchanged(
  sim: Simulator,
  call: () => unknown,
  expected: Parameters<typeof expectError>[1],
): MeterlabError {
  const before = JSON.stringify(sim.snapshot());
  const error = expectError(call, expected);
  expectSameJson(JSON.stringify(sim.snapshot()), before, 'a rejected call changed the snapshot');
  return error;
}

/** Compares two JSON texts byte for byte, reporting only where they first differ. */
export function expectSameJson(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let at = 0;
  while (actual[at] === expected[at]) at++;
  const around = (text: string) => text.slice(Math.max(0, at - 80), at + 80);
  expect.fail(
    `${what} at char ${at}:\n  expected …${around(expected)}…\n  actual   …${around(actual)}…`,
  );
}

/** The subscription's invoices, oldest first. */
export function invoicesOf(sim: Simulator, subscription: string): Invoice[] {
  return sim.invoices.list({ subscription, limit: 10_000 }).data.reverse();
}

/** The subscription's newest invoice. */
export function latestInvoice(sim: Simulator, subscription: string): Invoice {
  const invoice = sim.invoices.list({ subscription, limit: 1 }).data[0];
  expect(invoice, `${subscription} has an invoice`).toBeDefined();
  return invoice!;
}

/** Every kept event, oldest first. */
export function eventsOf(sim: Simulator, type?: EventType): BillingEvent[] {
  return sim.events.list({ limit: 10_000, ...(type ? { type } : {}) }).data.reverse();
}

/** The sum of an invoice's line amounts. */
export function sumOfLines(invoice: Pick<Invoice, 'lines'>): number {
  return invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
}

/** The open period's billable quantity of a metered item. */
export function currentUsage(sim: Simulator, item: string): number {
  return sim.usageRecords.summaries({ subscriptionItem: item }).data[0]!.totalUsage;
}
