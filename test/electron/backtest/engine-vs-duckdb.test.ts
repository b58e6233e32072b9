// The same usage billed two ways gives the same amounts: invoices of the engine's own store
// (createSimulator + usageRecords, the clock advanced period by period) and the backtest of the
// usage written to a file, aggregated by DuckDB and priced by core/rules/backtest.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSimulator } from '../../../core';
import { buildHypotheses, prepareUsage, priceBacktest } from '../../../core/backtest';
import { aggregateFile } from '../../../electron/backtest/duckdb';

const month = (index: number) => Date.UTC(2025, index, 1) / 1000;
const PERIODS = [0, 1, 2].map((index) => ({ start: month(index), end: month(index + 1) }));

/** Every pricing model and strategy, all on one meter (the engine's items of one subscription). */
const SPECS = [
  { key: 'per_unit', unitAmountDecimal: '0.35' },
  { key: 'package', unitAmount: 250, transformQuantity: { divideBy: 100, round: 'up' } },
  {
    key: 'graduated',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 500, flatAmount: 300 },
      { upTo: 2000, unitAmountDecimal: '0.5' },
      { upTo: 'inf', unitAmountDecimal: '0.125' },
    ],
  },
  {
    key: 'volume',
    billingScheme: 'tiered',
    tiersMode: 'volume',
    tiers: [
      { upTo: 100, unitAmount: 3 },
      { upTo: 'inf', unitAmountDecimal: '1.5', flatAmount: 99 },
    ],
    recurring: { interval: 'month', aggregateUsage: 'max' },
  },
  {
    key: 'last',
    unitAmount: 7,
    recurring: { interval: 'month', aggregateUsage: 'last_during_period' },
  },
  {
    key: 'last_ever',
    unitAmount: 11,
    recurring: { interval: 'month', aggregateUsage: 'last_ever' },
  },
].map((spec) => ({ meter: 'api', currency: 'EUR', ...spec }));

interface UsageRow {
  customer: string;
  timestamp: number;
  quantity: number;
  action: 'increment' | 'set';
}

/** Without max, DuckDB's one pass prices the groups that hold no set and no tie at their end. */
const SPECS_WITHOUT_MAX = SPECS.filter((spec) => spec.recurring?.aggregateUsage !== 'max');

const recordArbitrary = (actions: ('increment' | 'set')[]) =>
  fc.record({
    timestamp: fc.integer({ min: 0, max: 89 * 4 }).map((slot) => month(0) + slot * 21_600),
    quantity: fc.integer({ min: 0, max: 3000 }),
    action: fc.constantFrom(...actions),
  });

/**
 * Usage of 1–3 customers over three months, sorted by time; `distinct` gives each record of a
 * customer its own timestamp, otherwise timestamps collide so sets and increments mix, and records
 * share the last timestamp of a period (DuckDB's exact path for their groups).
 */
const usageArbitrary = (distinct: boolean, actions: ('increment' | 'set')[]) =>
  fc
    .array(
      distinct
        ? fc.uniqueArray(recordArbitrary(actions), {
            minLength: 1,
            maxLength: 25,
            selector: (record) => record.timestamp,
          })
        : fc.array(recordArbitrary(actions), { minLength: 1, maxLength: 25 }),
      { minLength: 1, maxLength: 3 },
    )
    .map((customers) =>
      customers
        .flatMap((records, index) =>
          records.map((record) => ({ customer: `cust_${index}`, ...record })),
        )
        // Sorted by time (stable): the file's row order is the order the engine receives them in.
        .sort((a, b) => a.timestamp - b.timestamp),
    );

/** Line amounts per customer, per hypothesis key, per period index, from the engine's invoices. */
function billByEngine(
  rows: UsageRow[],
  specs: typeof SPECS,
): Map<string, Record<string, (number | undefined)[]>> {
  const sim = createSimulator({ startTime: month(0), seed: 7 });
  const product = sim.products.create({ name: 'API' });
  const priceKey = new Map<string, string>();
  const prices = specs.map(({ key, meter: _meter, recurring, ...fields }) => {
    const price = sim.prices.create({
      product: product.id,
      ...fields,
      recurring: { interval: 'month', usageType: 'metered', ...recurring },
    } as Parameters<typeof sim.prices.create>[0]);
    priceKey.set(price.id, key);
    return price;
  });
  const customers = [...new Set(rows.map((row) => row.customer))];
  const items = new Map<string, string[]>();
  const subscriptions = new Map<string, string>();
  for (const customer of customers) {
    sim.customers.create({ id: customer, name: customer, paymentMethod: 'pm_card_visa' });
    const subscription = sim.subscriptions.create({
      customer,
      items: prices.map((price) => ({ price: price.id })),
    });
    subscriptions.set(customer, subscription.id);
    items.set(
      customer,
      subscription.items.data.map((item) => item.id),
    );
  }
  for (const period of PERIODS) {
    sim.testClock.advance({ frozenTime: period.end - 1 });
    for (const customer of customers) {
      const records = rows
        .filter(
          (row) =>
            row.customer === customer &&
            row.timestamp >= period.start &&
            row.timestamp < period.end,
        )
        .map(({ timestamp, quantity, action }) => ({ timestamp, quantity, action }));
      if (records.length === 0) continue;
      for (const item of items.get(customer)!)
        sim.usageRecords.createBatch({ subscriptionItem: item, records });
    }
  }
  sim.testClock.advance({ frozenTime: PERIODS.at(-1)!.end + 7200 });
  const bills = new Map<string, Record<string, (number | undefined)[]>>();
  for (const customer of customers) {
    const own: Record<string, (number | undefined)[]> = {};
    for (const invoice of sim.invoices.list({
      subscription: subscriptions.get(customer)!,
      limit: 100,
    }).data) {
      for (const line of invoice.lines.data) {
        if (line.price === null) continue; // pipeline lines (a minimum's true-up) have no price
        const index = PERIODS.findIndex((period) => period.start === line.period.start);
        (own[priceKey.get(line.price)!] ??= [])[index] = line.amount;
      }
    }
    bills.set(customer, own);
  }
  return bills;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-engine-vs-duckdb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bills each generated usage both ways and expects the same amounts. */
async function billBothWays(
  distinct: boolean,
  specs = SPECS,
  actions: ('increment' | 'set')[] = ['increment', 'set'],
  numRuns = 25,
) {
  const { hypotheses, grain } = buildHypotheses(specs);
  const maxMeters = specs.some((spec) => spec.recurring?.aggregateUsage === 'max') ? ['api'] : [];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(usageArbitrary(distinct, actions), async (rows) => {
      const path = join(dir, `usage-${distinct}-${run++}.csv`);
      await writeFile(
        path,
        `customer,meter,timestamp,quantity,action\n${rows.map((r) => `${r.customer},api,${r.timestamp},${r.quantity},${r.action}`).join('\n')}\n`,
      );
      const { aggregates } = await aggregateFile(path, { grain, meters: ['api'], maxMeters });
      const prepared = prepareUsage(aggregates, grain, {
        start: PERIODS[0]!.start,
        end: PERIODS.at(-1)!.end,
      });
      const result = priceBacktest(prepared, hypotheses);
      const engine = billByEngine(rows, specs);
      result.customers.forEach((customer, index) => {
        const span = prepared.spans[index]!;
        for (const hypothesis of result.hypotheses) {
          const billed = engine.get(customer)![hypothesis.key]!;
          const expected = billed.map((amount, period) =>
            period >= span.first && period <= span.last ? amount : null,
          );
          expect({ customer, key: hypothesis.key, amounts: hypothesis.amounts[index] }).toEqual({
            customer,
            key: hypothesis.key,
            amounts: expected,
          });
        }
      });
    }),
    { numRuns, seed: 3 },
  );
}

it('the engine and DuckDB bill the same amounts per customer × period × price', async () => {
  await billBothWays(false);
}, 60_000);

it('the same where no two records of a customer share a timestamp', async () => {
  await billBothWays(true);
}, 60_000);

it('the same without max: sets and ties at a period end exact, the other groups in one pass', async () => {
  await billBothWays(false, SPECS_WITHOUT_MAX);
}, 60_000);

it('the same with increments only at distinct timestamps: every group in one pass', async () => {
  await billBothWays(true, SPECS_WITHOUT_MAX, ['increment'], 15);
}, 60_000);

it('the same with increments only sharing timestamps: ties at a period end exact', async () => {
  await billBothWays(false, SPECS_WITHOUT_MAX, ['increment']);
}, 60_000);
