// Builds the shipped templates (core/scenario/templates/*.json) through the engine's API and
// exports them, so every template is a valid scenario file by construction.
// Run: npm run templates (then check the golden files: electron/scripts/update-golden.ts).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { nextRandom } from '../../core/values/ids';
import { exportScenario } from '../../core/scenario/replay';
import type { ScenarioFile } from '../../core/scenario/format';
import type { ScenarioMeta } from '../../core/scenario/replay';
import { createSimulator } from '../../core/simulator';
import type { Simulator } from '../../core/simulator';

/** 2025-03-01T00:00:00Z: every template starts on the first of a month. */
const MARCH_1 = Date.UTC(2025, 2, 1) / 1000;
const HOUR = 3600;

/** Unix seconds of a UTC date in 2025. */
const at = (month: number, day: number, hour = 0, minute = 0) =>
  Date.UTC(2025, month - 1, day, hour, minute) / 1000;

export interface Template extends ScenarioMeta {
  id: string;
  seed: number;
  build(sim: Simulator): void;
}

/** Moves the clock to `time` (if it is not there yet) and reports one record at that time. */
function report(
  sim: Simulator,
  subscriptionItem: string,
  time: number,
  quantity: number,
  action: 'increment' | 'set',
): void {
  if (time > sim.testClock.retrieve().frozenTime) sim.testClock.advance({ frozenTime: time });
  sim.usageRecords.create({ subscriptionItem, quantity, timestamp: time, action });
}

/**
 * `total` split over `count` slots in proportion to seeded random weights (weekdays heavier),
 * exactly: whole units, largest remainders first.
 */
function spread(total: number, times: number[], seed: number): number[] {
  let state = seed;
  const weights = times.map((time) => {
    const draw = nextRandom(state);
    state = draw.state;
    const weekday = new Date(time * 1000).getUTCDay();
    return (weekday === 0 || weekday === 6 ? 0.4 : 1) * (0.5 + draw.value);
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((weight) => (total * weight) / sum);
  const counts = exact.map(Math.floor);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  for (const { index } of order) {
    if (missing-- <= 0) break;
    counts[index]! += 1;
  }
  return counts;
}

function everyHours(from: number, until: number, hours: number): number[] {
  const times: number[] = [];
  for (let time = from; time < until; time += hours * HOUR) times.push(time);
  return times;
}

export const templates: Template[] = [
  {
    id: 'api-calls',
    name: 'API calls, EUR 0.002 each',
    description:
      "The guide's scenario: API access at EUR 0.002 per call (unitAmountDecimal '0.2'), summed over the month. Customer cust_8aZ2 pays with pm_card_visa and made 18,420 calls in March, reported every three hours. Advance the billing period to see the invoice: EUR 36.84, paid, with invoice.paid in the event log.",
    seed: 42,
    build(sim) {
      const product = sim.products.create({ name: 'API access' });
      const price = sim.prices.create({
        product: product.id,
        currency: 'EUR',
        nickname: 'EUR 0.002 per API call',
        billingScheme: 'usage',
        unitAmountDecimal: '0.2',
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
      });
      sim.customers.create({
        id: 'cust_8aZ2',
        name: 'Acme Analytics',
        email: 'billing@acme.example',
        paymentMethod: 'pm_card_visa',
      });
      const subscription = sim.subscriptions.create({
        customer: 'cust_8aZ2',
        items: [{ price: price.id }],
      });
      sim.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
      const item = subscription.items.data[0]!.id;
      const times = everyHours(MARCH_1 + 2 * HOUR, at(3, 31, 18), 3);
      spread(18_420, times, 42).forEach((calls, index) =>
        report(sim, item, times[index]!, calls, 'increment'),
      );
      sim.testClock.advance({ frozenTime: at(3, 31, 18) });
    },
  },
  {
    id: 'seats-last-during-period',
    name: 'Seats with last_during_period',
    description:
      'A team workspace billed EUR 8 per seat for the seats held at the end of each month: the seat count is reported with action set whenever it changes, and last_during_period bills the last count of the period (March 9 seats, April 13). A month with no report bills 0 seats; compare last_ever in the Aggregation lab.',
    seed: 7,
    build(sim) {
      const product = sim.products.create({ name: 'Team workspace' });
      const price = sim.prices.create({
        product: product.id,
        currency: 'EUR',
        nickname: 'EUR 8 per seat at period end',
        unitAmount: 800,
        recurring: {
          interval: 'month',
          usageType: 'metered',
          aggregateUsage: 'last_during_period',
        },
      });
      const customer = sim.customers.create({
        name: 'Northwind Traders',
        email: 'it@northwind.example',
        paymentMethod: 'pm_card_visa',
      });
      const subscription = sim.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
      });
      const item = subscription.items.data[0]!.id;
      const seats: [number, number][] = [
        [MARCH_1, 5],
        [at(3, 10, 9), 8],
        [at(3, 20, 14), 12],
        [at(3, 28, 11), 9],
        [at(4, 2, 10), 11],
        [at(4, 15, 16), 15],
        [at(4, 29, 9), 13],
        [at(5, 6, 10), 14],
      ];
      for (const [time, count] of seats) report(sim, item, time, count, 'set');
      sim.testClock.advance({ frozenTime: at(5, 20, 12) });
    },
  },
  {
    id: 'peak-connections-max',
    name: 'Peak connections with max',
    description:
      'A realtime gateway billed EUR 1.50 per connection at the monthly peak. A seats-style generator reports the number of open connections every hour (action set, seeded), and one launch-day spike of 160 connections was reported by hand on March 14: max bills the highest value of the period, so that spike decides March.',
    seed: 11,
    build(sim) {
      const product = sim.products.create({ name: 'Realtime gateway' });
      const price = sim.prices.create({
        product: product.id,
        currency: 'EUR',
        nickname: 'EUR 1.50 per peak connection',
        unitAmount: 150,
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'max' },
      });
      const customer = sim.customers.create({
        name: 'Globex Streaming',
        email: 'ops@globex.example',
        paymentMethod: 'pm_card_visa',
      });
      const subscription = sim.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
      });
      const item = subscription.items.data[0]!.id;
      sim.generators.create({
        subscriptionItem: item,
        spec: {
          pattern: {
            kind: 'seats',
            initial: 40,
            min: 10,
            max: 120,
            stepProbabilityPerHour: 0.25,
            maxStep: 6,
          },
          action: 'set',
          seed: 2025,
        },
      });
      report(sim, item, at(3, 14, 15, 30), 160, 'set');
      sim.testClock.advance({ frozenTime: at(3, 25) });
    },
  },
  {
    id: 'graduated-free-allowance',
    name: 'Graduated tiers with a free allowance',
    description:
      'Document conversions on a graduated price: the first 1,000 a month are free, then EUR 0.005 each up to 10,000, and EUR 0.003 each above. Three customers in March: 800 conversions bill EUR 0.00, 6,400 bill EUR 27.00 (5,400 x 0.5 cents), 25,000 bill EUR 90.00 (9,000 x 0.5 + 15,000 x 0.3 cents).',
    seed: 19,
    build(sim) {
      const product = sim.products.create({ name: 'Document conversions' });
      const price = sim.prices.create({
        product: product.id,
        currency: 'EUR',
        nickname: 'First 1,000 free, then EUR 0.005, above 10,000 EUR 0.003',
        billingScheme: 'tiered',
        tiersMode: 'graduated',
        tiers: [
          { upTo: 1000, unitAmount: 0 },
          { upTo: 10_000, unitAmountDecimal: '0.5' },
          { upTo: 'inf', unitAmountDecimal: '0.3' },
        ],
        recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'sum' },
      });
      const customers: [string, string, number][] = [
        ['Small Studio', 'hello@smallstudio.example', 800],
        ['Mid Agency', 'finance@midagency.example', 6400],
        ['Large Publisher', 'ap@largepublisher.example', 25_000],
      ];
      const items = customers.map(([name, email]) => {
        const customer = sim.customers.create({ name, email, paymentMethod: 'pm_card_visa' });
        return sim.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
          .items.data[0]!.id;
      });
      const days = everyHours(MARCH_1 + 18 * HOUR, at(3, 31), 24);
      const daily = customers.map(([, , total], index) => spread(total, days, 100 + index));
      days.forEach((time, day) => {
        items.forEach((item, index) => report(sim, item, time, daily[index]![day]!, 'increment'));
      });
      sim.testClock.advance({ frozenTime: at(3, 31, 12) });
    },
  },
  {
    id: 'teach-strategies',
    name: 'Teach: one usage stream, three strategies',
    description:
      'One seat-count stream (action set: 10, 14, 25, 17, 12 seats during March) reported to three items of one subscription, each priced EUR 5 per seat under a different aggregation: sum bills 78 seats (EUR 390.00), max 25 (EUR 125.00), last_during_period 12 (EUR 60.00). Open the Aggregation lab to see which records decide each.',
    seed: 23,
    build(sim) {
      const product = sim.products.create({ name: 'Seats (teaching)' });
      const strategies = [
        ['sum', 'Sum of seat counts'],
        ['max', 'Peak seat count'],
        ['last_during_period', 'Seat count at period end'],
      ] as const;
      const prices = strategies.map(([aggregateUsage, nickname]) =>
        sim.prices.create({
          product: product.id,
          currency: 'EUR',
          nickname,
          unitAmount: 500,
          recurring: { interval: 'month', usageType: 'metered', aggregateUsage },
        }),
      );
      const customer = sim.customers.create({
        name: 'Classroom Ltd',
        email: 'teacher@classroom.example',
        paymentMethod: 'pm_card_visa',
      });
      const subscription = sim.subscriptions.create({
        customer: customer.id,
        items: prices.map((price) => ({ price: price.id })),
      });
      const stream: [number, number][] = [
        [MARCH_1, 10],
        [at(3, 5, 9), 14],
        [at(3, 12, 10), 25],
        [at(3, 18, 15), 17],
        [at(3, 26, 11), 12],
      ];
      for (const [time, seats] of stream) {
        for (const item of subscription.items.data) report(sim, item.id, time, seats, 'set');
      }
      sim.testClock.advance({ frozenTime: at(3, 31, 12) });
    },
  },
];

const templatesDir = fileURLToPath(new URL('../../core/scenario/templates/', import.meta.url));

/** Builds a template through the engine's API and exports it. */
export function buildTemplate(template: Template): { simulator: Simulator; file: ScenarioFile } {
  const simulator = createSimulator({ seed: template.seed, startTime: MARCH_1 });
  template.build(simulator);
  const file = exportScenario(simulator.snapshot(), {
    name: template.name,
    description: template.description,
  });
  return { simulator, file };
}

/** Writes every template file; returns the paths written. */
export async function makeTemplates(): Promise<string[]> {
  const written: string[] = [];
  for (const template of templates) {
    const path = `${templatesDir}${template.id}.json`;
    const options = (await prettier.resolveConfig(path)) ?? {};
    const text = JSON.stringify(buildTemplate(template).file);
    await writeFile(path, await prettier.format(text, { ...options, filepath: path }));
    written.push(path);
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of await makeTemplates()) console.log(`wrote ${path}`);
}
