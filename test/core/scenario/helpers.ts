// Shared by the scenario tests: the guide's scenario built through the API, and the round trip.
import { expect } from 'vitest';
import type { ScenarioFile } from '../../../core/scenario/format';
import { exportScenario, importScenario } from '../../../core/scenario/replay';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';

export const MARCH_1 = 1740787200; // 2025-03-01T00:00:00Z
export const HOUR = 3600;
export const DAY = 86_400;

/** The guide: API access at EUR 0.002 per call, cust_8aZ2 with pm_card_visa, one subscription. */
export function guideScenario(seed = 42) {
  const sim = createSimulator({ seed, startTime: MARCH_1 });
  const product = sim.products.create({ name: 'API access' });
  const price = sim.prices.create({
    product: product.id,
    currency: 'EUR',
    billingScheme: 'usage',
    unitAmountDecimal: '0.2',
    recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
  });
  sim.customers.create({ id: 'cust_8aZ2', name: 'Acme', paymentMethod: 'pm_card_visa' });
  const subscription = sim.subscriptions.create({
    customer: 'cust_8aZ2',
    items: [{ price: price.id }],
  });
  return { sim, price, subscription, item: subscription.items.data[0]!.id };
}

/** The scenario as a file that went through JSON text, as a file on disk would. */
export function exportAsJson(sim: Simulator, name = 'Test scenario'): ScenarioFile {
  return JSON.parse(JSON.stringify(exportScenario(sim.snapshot(), { name }))) as ScenarioFile;
}

/** Export -> import; fails the test with the problems when the file is refused. */
export function roundTrip(sim: Simulator): Simulator {
  const { simulator, problems } = importScenario(exportAsJson(sim));
  expect(problems).toEqual([]);
  return simulator!;
}

/**
 * What must survive a round trip: the billing objects and the clock. Not the event history: a
 * record reported late, in a draft's grace, replays at its own time, before the period closes,
 * so the replayed draft is created with it rather than updated by it (FORMAT.md).
 */
export function billingState(sim: Simulator) {
  const snapshot = sim.snapshot();
  return {
    clock: snapshot.clock,
    invoices: snapshot.invoices,
    subscriptions: snapshot.subscriptions,
    customers: snapshot.customers,
    prices: snapshot.prices,
  };
}
