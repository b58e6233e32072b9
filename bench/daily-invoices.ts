// Daily subscriptions (EUR 1.00 a day, paid by card): a scenario whose size is its invoices,
// subscriptions × (days + 1) of them. Shared by bench/event-loop.ts and the attack tests of long
// work and complete exports (test/attacks/{long-work,complete-exports}.test.ts).
import { exportScenario } from '../core/scenario/replay';
import type { ScenarioFile } from '../core/scenario/format';
import { createSimulator } from '../core/simulator';
import type { Simulator } from '../core/simulator';

export const START = 1_740_787_200; // 2025-03-01
export const DAY = 86_400;

/** `subscriptions` daily subscriptions created at START, the clock not moved yet. */
export function dailySubscriptions(subscriptions: number): Simulator {
  const sim = createSimulator({ startTime: START, seed: 6, settings: { eventRetentionDays: 1 } });
  const product = sim.products.create({ name: 'Seat' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmount: 100,
    recurring: { interval: 'day' },
  }).id;
  for (let i = 0; i < subscriptions; i++) {
    const customer = sim.customers.create({ name: `C${i}`, paymentMethod: 'pm_card_visa' }).id;
    sim.subscriptions.create({ customer, items: [{ price }] });
  }
  return sim;
}

/** The clock an hour past the `days`-th daily period end: each period is billed and paid. */
export const billedUntil = (days: number) => START + days * DAY + 3600;

/** The subscriptions billed for `days` days in this process. */
export function billedDaily(subscriptions: number, days: number): Simulator {
  const sim = dailySubscriptions(subscriptions);
  sim.testClock.advance({ frozenTime: billedUntil(days) });
  return sim;
}

/** A file whose import bills them for `days` days (a replay of that many periods). */
export function dailyInvoicesFile(subscriptions: number, days: number): ScenarioFile {
  const file = exportScenario(dailySubscriptions(subscriptions).snapshot(), { name: 'invoices' });
  return { ...file, clock: { frozenTime: billedUntil(days) } };
}
