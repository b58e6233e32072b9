// A scenario whose work is generated usage: one metered subscription (EUR 0.002 a unit) with
// `generators` one-minute Poisson generators, for the tests of long and expensive work.
import { createSimulator } from '../../core/simulator';
import type { Simulator } from '../../core/simulator';

export const START = 1_740_787_200; // 2025-03-01

export function meteredWithGenerators(
  generators: number,
  meanPerHour: number,
  seed?: number,
): Simulator {
  const sim = createSimulator({ startTime: START, ...(seed === undefined ? {} : { seed }) });
  const product = sim.products.create({ name: 'API' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmountDecimal: '0.2',
    recurring: { interval: 'month', usageType: 'metered' },
  }).id;
  const customer = sim.customers.create({ name: 'A', paymentMethod: 'pm_card_visa' }).id;
  const item = sim.subscriptions.create({ customer, items: [{ price }] }).items.data[0]!.id;
  for (let i = 0; i < generators; i++) {
    sim.generators.create({
      subscriptionItem: item,
      spec: {
        pattern: { kind: 'poisson', meanPerHour },
        action: 'increment',
        resolutionSeconds: 60,
      },
    });
  }
  return sim;
}
