// A scenario with many paid invoices, made fast: a small scenario of daily subscriptions billed
// for ten days, its paid invoices repeated under new ids. Shared by bench/persistence.ts and the
// test of the event loop during a save (test/attacks/save-blocking.test.ts).
import { createSimulator } from '../core/simulator';
import type { Invoice } from '../core/public/types';
import type { Snapshot } from '../core/resources/snapshot';

const START = 1_740_787_200; // 2025-03-01
const DAY = 86_400;

export function manyInvoicesSnapshot(count: number): Snapshot {
  const sim = createSimulator({ startTime: START, seed: 6, settings: { eventRetentionDays: 1 } });
  const product = sim.products.create({ name: 'Seat' }).id;
  const price = sim.prices.create({
    product,
    currency: 'EUR',
    unitAmount: 100,
    recurring: { interval: 'day' },
  }).id;
  for (let i = 0; i < 100; i++) {
    const customer = sim.customers.create({ name: `C${i}`, paymentMethod: 'pm_card_visa' }).id;
    sim.subscriptions.create({ customer, items: [{ price }] });
  }
  sim.testClock.advance({ frozenTime: START + 10 * DAY + 3600 });
  const snapshot = sim.snapshot();
  const paid = snapshot.invoices.filter((invoice) => invoice.status === 'paid');
  const invoices: Invoice[] = [];
  for (let n = 0; invoices.length < count; n++) {
    for (const invoice of paid.slice(0, count - invoices.length)) {
      invoices.push({ ...invoice, id: `${invoice.id}x${n}` });
    }
  }
  return { ...snapshot, invoices };
}
