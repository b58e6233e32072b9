// A small USD world for the money-adjustment tests (the worked examples of docs/billing-rules.md):
// a customer paying by card, prices made on demand, monthly subscriptions from 2025-01-01.
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import type { Invoice, Price, Subscription } from '../../../core/public/types';
import type { SubscriptionCreateArgs } from '../../../core/simulator/api';

export const JAN_1 = 1_735_689_600;
export const JAN_15 = 1_736_899_200;
export const FEB_1 = 1_738_368_000;
export const FEB_15 = 1_739_577_600;
export const MAR_1 = 1_740_787_200;
export const MAR_15 = 1_741_996_800;
export const APR_15 = 1_744_675_200;
export const HOUR = 3_600;

export interface MoneyWorld {
  sim: Simulator;
  customer: string;
  licensed(unitAmount: number): Price;
  metered(unitAmount?: number): Price;
  subscribe(
    prices: Price[],
    extra?: Omit<SubscriptionCreateArgs, 'customer' | 'items'>,
  ): Subscription;
  /** The subscription's invoices, oldest first. */
  invoices(subscription: string): Invoice[];
}

export function moneyWorld(startTime = JAN_1): MoneyWorld {
  const sim = createSimulator({ startTime, seed: 7 });
  const product = sim.products.create({ name: 'Plan' });
  const customer = sim.customers.create({ name: 'Acme', paymentMethod: 'pm_card_visa' }).id;
  return {
    sim,
    customer,
    licensed: (unitAmount) =>
      sim.prices.create({
        product: product.id,
        currency: 'USD',
        unitAmount,
        recurring: { interval: 'month', usageType: 'licensed' },
      }),
    metered: (unitAmount = 1) =>
      sim.prices.create({
        product: product.id,
        currency: 'USD',
        unitAmount,
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
      }),
    subscribe: (prices, extra = {}) =>
      sim.subscriptions.create({
        customer,
        items: prices.map((price) => ({ price: price.id })),
        ...extra,
      }),
    invoices: (subscription) => sim.invoices.list({ subscription, limit: 10_000 }).data.reverse(),
  };
}

/** Reports `quantity` units on a metered item now. */
export function use(world: MoneyWorld, item: string, quantity: number): void {
  world.sim.usageRecords.create({ subscriptionItem: item, quantity });
}
