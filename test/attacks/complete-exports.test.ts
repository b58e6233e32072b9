// "Exports stop silently at 10,000": every list reads page by page (startingAfter), so CSV, JSON
// and the print page (in parts) hold every invoice, and the CLI's summary every customer.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { PRINT_PART_SIZE, everyPage, exportInvoicesFile } from '../../core/scenario/exports';
import { createSimulator } from '../../core/simulator';
import type { Simulator } from '../../core/simulator';

const START = 1_740_787_200;
const DAY = 86_400;

/** `subscriptions` daily subscriptions billed `days` times: subscriptions × (days + 1) invoices. */
function billed(subscriptions: number, days: number): Simulator {
  const sim = createSimulator({ startTime: START, settings: { eventRetentionDays: 1 } });
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
  sim.testClock.advance({ frozenTime: START + days * DAY + 3600 });
  return sim;
}

describe('exports are complete at any size', () => {
  it('lists read page by page with startingAfter, newest first, each object once', () => {
    const sim = billed(3, 4);
    const all = everyPage((startingAfter) => sim.invoices.list({ limit: 4, startingAfter }));
    expect(all).toHaveLength(15);
    expect(new Set(all.map((invoice) => invoice.id)).size).toBe(15);
    expect(all.map((i) => i.id)).toEqual(sim.invoices.list({ limit: 100 }).data.map((i) => i.id));
    expect(() => sim.invoices.list({ startingAfter: 'in_nope' })).toThrow(
      expect.objectContaining({ code: 'resource_missing', param: 'startingAfter' }),
    );
  });

  it('100,000 invoices: the CSV and JSON hold all of them, the print page comes in parts', () => {
    const sim = billed(100, 999);
    const invoices = everyPage((startingAfter) =>
      sim.invoices.list({ limit: 10_000, startingAfter }),
    );
    expect(invoices).toHaveLength(100_000);
    const csv = exportInvoicesFile(sim, 'Big', { format: 'csv' });
    const rows = Papa.parse<Record<string, string>>(csv.content, { header: true }).data;
    expect(new Set(rows.map((row) => row.invoice).filter(Boolean)).size).toBe(100_000);
    const json = JSON.parse(
      exportInvoicesFile(sim, 'Big', { format: 'json' }).content,
    ) as unknown[];
    expect(json).toHaveLength(100_000);
    const first = exportInvoicesFile(sim, 'Big', { format: 'html' });
    expect(first).toMatchObject({ part: 1, parts: 100_000 / PRINT_PART_SIZE });
    expect(first.filename).toBe('big-invoices-part-1-of-100.html');
    expect(first.content).toContain('part 1 of 100');
    const last = exportInvoicesFile(sim, 'Big', { format: 'html', part: 100 });
    expect(last.content).toContain(invoices[0]!.id); // the newest invoice closes the last part
    expect(() => exportInvoicesFile(sim, 'Big', { format: 'html', part: 101 })).toThrow(
      expect.objectContaining({ param: 'part' }),
    );
  }, 300_000);
});
