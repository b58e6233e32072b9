import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../core/values/errors';
import type { ScenarioFile } from '../../../core/scenario/format';
import {
  exportScenario,
  importScenario,
  replayScenario,
  validateScenario,
} from '../../../core/scenario/replay';
import { createSimulator } from '../../../core/simulator';
import type { Simulator } from '../../../core/simulator';
import { DEFAULT_SETTINGS } from '../../../core/resources/snapshot';
import {
  DAY,
  HOUR,
  MARCH_1,
  billingState,
  exportAsJson,
  guideScenario,
  roundTrip,
} from './helpers';

const APRIL_1 = MARCH_1 + 31 * DAY;

describe('exportScenario', () => {
  it('writes the journal as calls, the usage columns, the seed and the clock', () => {
    const { sim, item, price } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + 2 * HOUR });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 18_000 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 420, timestamp: MARCH_1 + HOUR });
    const file = exportScenario(sim.snapshot(), { name: 'Guide', description: 'The guide' });
    expect(file).toMatchObject({
      format: 'meterlab-scenario',
      schemaVersion: 2,
      name: 'Guide',
      description: 'The guide',
      seed: 42,
      startTime: MARCH_1,
      clock: { frozenTime: MARCH_1 + 2 * HOUR },
      usage: {
        [item]: { timestamps: [MARCH_1 + HOUR, MARCH_1 + 2 * HOUR], values: [420, 18_000] },
      },
    });
    expect(file.calls.map((call) => call.method)).toEqual([
      'products.create',
      'prices.create',
      'customers.create',
      'subscriptions.create',
    ]);
    expect(file.calls[1]).toMatchObject({ at: MARCH_1, result: price.id });
  });

  it('starts settings that a settings.update changed at their default, and replays the change', () => {
    const { sim, item, subscription } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + 5 * DAY });
    sim.settings.update({ finalizationDelaySeconds: 0, retryScheduleDays: [2] });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 10 });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const file = exportScenario(sim.snapshot(), { name: 'Settings' });
    expect(file.settings).toMatchObject({
      finalizationDelaySeconds: DEFAULT_SETTINGS.finalizationDelaySeconds,
      retryScheduleDays: DEFAULT_SETTINGS.retryScheduleDays,
      whenRetriesExhausted: 'cancel',
    });
    const back = roundTrip(sim);
    expect(back.settings.retrieve()).toEqual(sim.settings.retrieve());
    expect(billingState(back)).toEqual(billingState(sim));
  });

  it('refuses a snapshot whose usage was moved out to bulk data', () => {
    const { sim, item } = guideScenario();
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1 });
    const snapshot = { ...sim.snapshot(), usage: { [item]: null } };
    expect(() => exportScenario(snapshot, { name: 'x' })).toThrow(/joinSnapshot/);
  });
});

describe('importScenario: the same invoices, to the cent', () => {
  it("bills the guide's 18,420 calls as EUR 36.84 again", () => {
    const { sim, item, subscription } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + 10 * DAY });
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: [
        { quantity: 18_000, timestamp: MARCH_1 + DAY },
        { quantity: 420, timestamp: MARCH_1 + 9 * DAY },
      ],
    });
    const back = roundTrip(sim);
    back.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const [invoice] = back.invoices.list({ subscription: subscription.id }).data;
    // 18,420 calls x 0.2 cents = 3684 cents
    expect(invoice).toMatchObject({ total: 3684, status: 'paid' });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    expect(billingState(back)).toEqual(billingState(sim));
  });

  it('puts a record stamped exactly at a period end into the next period', () => {
    const { sim, item } = guideScenario();
    sim.testClock.advance({ frozenTime: APRIL_1 - 10 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 500 });
    sim.testClock.advance({ frozenTime: APRIL_1 + 10 });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 700, timestamp: APRIL_1 });
    const back = roundTrip(sim);
    back.testClock.advance({ frozenTime: APRIL_1 + 31 * DAY });
    const totals = back.invoices
      .list()
      .data.reverse()
      .map((invoice) => invoice.total);
    // creation 0; March 500 x 0.2 = 100 cents; April 700 x 0.2 = 140 cents
    expect(totals).toEqual([0, 100, 140]);
  });

  it('reports a record stamped at a call time before the call for items that exist', () => {
    const { sim, item, subscription, price } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + 3 * DAY });
    // The record and the cancel share a second: replay must report the record first.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 250 });
    sim.subscriptions.cancel(subscription.id, { invoiceNow: true });
    // A subscription created in the same second as its first record.
    const second = sim.subscriptions.create({
      customer: 'cust_8aZ2',
      items: [{ price: price.id }],
    });
    sim.usageRecords.create({ subscriptionItem: second.items.data[0]!.id, quantity: 40 });
    const back = roundTrip(sim);
    expect(billingState(back)).toEqual(billingState(sim));
    const cancelInvoice = back.invoices.list({ subscription: subscription.id }).data[0]!;
    expect(cancelInvoice).toMatchObject({ billingReason: 'subscription_cancel', total: 50 });
  });

  it('keeps swaps, prorations, declines and retries', () => {
    const sim = createSimulator({ seed: 5, startTime: MARCH_1 });
    const product = sim.products.create({ name: 'Seats' });
    const basic = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmount: 1000,
      recurring: { interval: 'month' },
    });
    const metered = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmountDecimal: '1.5',
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'max' },
    });
    const cheaper = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmount: 1,
      recurring: { interval: 'month', usageType: 'metered', aggregateUsage: 'max' },
    });
    const customer = sim.customers.create({ name: 'B', paymentMethod: 'pm_card_chargeDeclined' });
    const subscription = sim.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.id, quantity: 2 }, { price: metered.id }],
    });
    const [licensed, usage] = subscription.items.data;
    sim.testClock.advance({ frozenTime: MARCH_1 + 4 * DAY });
    sim.usageRecords.create({ subscriptionItem: usage!.id, quantity: 30, action: 'set' });
    // Declined on creation and on the day-1 and day-3 retries; the day-5 retry succeeds.
    sim.customers.update(customer.id, { paymentMethod: 'pm_card_visa' });
    sim.testClock.advance({ frozenTime: MARCH_1 + 10 * DAY });
    sim.subscriptions.update(subscription.id, {
      items: [
        { id: licensed!.id, quantity: 5 },
        { id: usage!.id, price: cheaper.id },
      ],
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 11 * DAY });
    sim.usageRecords.create({ subscriptionItem: usage!.id, quantity: 12, action: 'set' });
    sim.testClock.advance({ frozenTime: APRIL_1 + 20 * DAY });
    const back = roundTrip(sim);
    expect(billingState(back)).toEqual(billingState(sim));
    expect(back.invoices.list().data.some((invoice) => invoice.attempts.length > 1)).toBe(true);
  });

  it('regenerates generated usage from the generator spec, with manual records on top', () => {
    const { sim, item, subscription } = guideScenario();
    sim.generators.create({
      subscriptionItem: item,
      spec: { pattern: { kind: 'poisson', meanPerHour: 40 }, action: 'increment' },
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 2 * HOUR });
    // At a generated slot: the manual increment adds to the generated value.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 1000 });
    sim.testClock.advance({ frozenTime: MARCH_1 + 5 * DAY });
    const generator = sim.generators.list().data[0]!;
    sim.generators.stop(generator.id);
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const file = exportAsJson(sim);
    expect(file.calls.map((call) => call.method)).toContain('generators.create');
    expect(file.usage[item]).toEqual({ timestamps: [MARCH_1 + 2 * HOUR], values: [1000] });
    const back = roundTrip(sim);
    expect(billingState(back)).toEqual(billingState(sim));
  });

  it('exports the imported scenario to the same file', () => {
    const { sim, item } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 3 });
    const file = exportAsJson(sim, 'Same');
    expect(exportAsJson(replayScenario(file), 'Same')).toEqual(file);
  });

  it('reports progress up to the total', () => {
    const { sim, item } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + DAY });
    sim.usageRecords.createBatch({
      subscriptionItem: item,
      records: Array.from({ length: 200 }, (_, i) => ({ quantity: 1, timestamp: MARCH_1 + i })),
    });
    const seen: [number, number][] = [];
    replayScenario(exportAsJson(sim), { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.at(-1)).toEqual([204, 204]); // 4 calls + 200 timestamps
    expect(seen.length).toBeLessThanOrEqual(101); // at most once per percent
  });
});

describe('importScenario: refusals name the path', () => {
  function guideFile(): ScenarioFile {
    const { sim, item } = guideScenario();
    sim.testClock.advance({ frozenTime: MARCH_1 + DAY });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 5 });
    return exportAsJson(sim);
  }

  it('names the argument the engine refused', () => {
    const file = guideFile();
    (file.calls[1]!.args[0] as { recurring: { interval: string } }).recurring.interval =
      'fortnight';
    const { simulator, problems } = importScenario(file);
    expect(simulator).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: 'calls[1].args[0].recurring.interval',
      code: 'parameter_invalid',
    });
    expect(problems[0]!.message).toMatch(/^prices\.create at 2025-03-01T00:00:00Z was refused: /);
    expect(problems[0]!.message).toContain('"month"');
  });

  it('names the id argument of a call on an unknown object', () => {
    const file = guideFile();
    file.calls.push({ at: MARCH_1 + DAY, method: 'invoices.pay', args: ['inv_nope'] });
    expect(validateScenario(file)).toEqual([
      expect.objectContaining({ path: 'calls[4].args[0]', code: 'resource_missing' }),
    ]);
  });

  it('names the second argument of an update', () => {
    const file = guideFile();
    const subscription = file.calls[3]!.result!;
    file.calls.push({
      at: MARCH_1 + DAY,
      method: 'subscriptions.update',
      args: [subscription, { items: [{ id: 'si_nope', quantity: 2 }] }],
    });
    expect(validateScenario(file)[0]).toMatchObject({ path: 'calls[4].args[1].items[0].id' });
  });

  it('notices ids that no longer match (another seed, edited calls)', () => {
    const file = { ...guideFile(), seed: 7 };
    expect(validateScenario(file)).toEqual([
      expect.objectContaining({ path: 'calls[0].result', code: 'replay_id_mismatch' }),
    ]);
  });

  it('names the usage record the engine refused', () => {
    const file = guideFile();
    file.usage.si_nope = { timestamps: [MARCH_1 + HOUR], values: [1] };
    const [problem] = validateScenario(file);
    expect(problem).toMatchObject({
      path: 'usage.si_nope.timestamps[0]',
      code: 'resource_missing',
    });
    expect(problem!.message).toContain('2025-03-01T01:00:00Z');
  });

  it('refuses usage stamped before its subscription existed', () => {
    const file = guideFile();
    const item = Object.keys(file.usage)[0]!;
    file.calls.forEach((call) => (call.at = MARCH_1 + HOUR));
    file.usage[item] = { timestamps: [MARCH_1 + 60], values: [1] };
    expect(validateScenario(file)[0]).toMatchObject({ path: `usage.${item}.timestamps[0]` });
  });

  it('throws a MeterlabError naming the first problem from replayScenario', () => {
    const file = { ...guideFile(), seed: 7 };
    let thrown: unknown;
    try {
      replayScenario(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MeterlabError);
    expect(thrown).toMatchObject({ code: 'replay_id_mismatch', param: 'calls[0].result' });
  });
});

// Cases that once broke the round trip (fixed in the engine: separate id counters, explicit
// generator ids and seeds, manual and generated usage adding up).
describe('round trips that used to break', () => {
  it('usage reported while a draft invoice waits does not shift later ids', () => {
    const { sim, item, price } = guideScenario();
    sim.testClock.advance({ frozenTime: APRIL_1 + 60 }); // the March draft finalizes at 01:00
    // Refreshing the draft emits invoice.updated; events count their ids apart.
    sim.usageRecords.create({ subscriptionItem: item, quantity: 7, timestamp: APRIL_1 - 10 });
    sim.testClock.advance({ frozenTime: APRIL_1 + DAY });
    sim.subscriptions.create({ customer: 'cust_8aZ2', items: [{ price: price.id }] });
    expect(billingState(roundTrip(sim))).toEqual(billingState(sim));
  });

  it('materializing a generator does not shift later ids', () => {
    const { sim, item, price } = guideScenario();
    sim.generators.create({
      subscriptionItem: item,
      spec: { pattern: { kind: 'constant', perHour: 2 }, action: 'increment' },
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 3 * DAY });
    // The journal drops generators.create; generators count their ids apart and seed from them.
    sim.generators.materialize({ subscriptionItem: item });
    sim.subscriptions.create({ customer: 'cust_8aZ2', items: [{ price: price.id }] });
    expect(billingState(roundTrip(sim))).toEqual(billingState(sim));
  });

  it('a manual record at a generated timestamp keeps its value after a save and load', () => {
    const { sim, item } = guideScenario();
    sim.generators.create({
      subscriptionItem: item,
      spec: { pattern: { kind: 'constant', perHour: 10 }, action: 'increment' },
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 2 * HOUR });
    sim.usageRecords.create({ subscriptionItem: item, quantity: 3, action: 'set' });
    const live = sim.usageRecords.summaries({ subscriptionItem: item }).data[0]!.totalUsage;
    const loaded = createSimulator({ snapshot: sim.snapshot() });
    // live: 10 + 10 + 3 (the set replaced the generated 10) = 23; loaded: 10 + 10 + (3 + 10) = 33
    expect(loaded.usageRecords.summaries({ subscriptionItem: item }).data[0]!.totalUsage).toBe(
      live,
    );
  });
});

// ---- a random scenario, built through the API, survives the round trip ------------------------

// Mostly a card that pays, so subscriptions live long enough to bill usage.
const cards = [
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_chargeDeclined',
  'pm_card_chargeDeclinedInsufficientFunds',
];

const priceOperation = fc.record({
  kind: fc.constant('price' as const),
  product: fc.nat(),
  currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
  model: fc.constantFrom('unit', 'decimal', 'graduated', 'volume', 'package'),
  interval: fc.constantFrom('day', 'week', 'month'),
  metered: fc.constantFrom(true, true, true, false),
  strategy: fc.constantFrom('sum', 'max', 'last_during_period', 'last_ever'),
  amount: fc.integer({ min: 0, max: 5000 }),
});
const customerOperation = fc.record({
  kind: fc.constant('customer' as const),
  card: fc.constantFrom(...cards),
});
const subscribeOperation = fc.record({
  kind: fc.constant('subscribe' as const),
  customer: fc.nat(),
  prices: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
  quantity: fc.integer({ min: 1, max: 5 }),
});

const operation = fc.oneof(
  fc.record({ kind: fc.constant('product' as const) }),
  priceOperation,
  customerOperation,
  subscribeOperation,
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('usage' as const),
      item: fc.nat(),
      quantities: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 }),
      back: fc.integer({ min: 0, max: 6 * HOUR }),
      set: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.integer({ min: 60, max: 12 * DAY }),
    }),
  },
  fc.record({ kind: fc.constant('advancePeriod' as const), subscription: fc.nat() }),
  fc.record({
    kind: fc.constant('update' as const),
    subscription: fc.nat(),
    price: fc.nat(),
    quantity: fc.integer({ min: 1, max: 5 }),
    add: fc.boolean(),
    behavior: fc.constantFrom('create_prorations', 'always_invoice', 'none'),
    cancelAtPeriodEnd: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    subscription: fc.nat(),
    invoiceNow: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('invoice' as const),
    invoice: fc.nat(),
    action: fc.constantFrom('pay', 'voidInvoice', 'markUncollectible'),
  }),
  fc.record({
    kind: fc.constant('card' as const),
    customer: fc.nat(),
    card: fc.constantFrom(...cards),
  }),
  fc.record({
    kind: fc.constant('settings' as const),
    delay: fc.constantFrom(0, 1800, 3600),
    retries: fc.constantFrom<number[]>([1], [1, 3], [2, 4, 6]),
  }),
  fc.record({ kind: fc.constant('webhook' as const) }),
  fc.record({
    kind: fc.constant('generator' as const),
    item: fc.nat(),
    perHour: fc.integer({ min: 0, max: 30 }),
    seats: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('stop' as const), generator: fc.nat() }),
);

type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(list: readonly T[], index: number): T | undefined {
  return list.length ? list[index % list.length] : undefined;
}

/** Runs one random operation; calls the engine refuses are part of the game (they change nothing). */
function apply(sim: Simulator, op: Operation): void {
  const now = sim.testClock.retrieve().frozenTime;
  const products = sim.products.list({ limit: 10_000 }).data;
  const prices = sim.prices.list({ limit: 10_000 }).data;
  const subscriptions = sim.subscriptions.list({ limit: 10_000 }).data;
  const items = subscriptions.flatMap((subscription) => subscription.items.data);
  const ended = new Set(subscriptions.filter((s) => s.endedAt !== null).map((s) => s.id));
  switch (op.kind) {
    case 'product':
      sim.products.create({ name: `Product ${products.length}` });
      return;
    case 'price': {
      const product = pick(products, op.product);
      if (!product) return;
      const recurring = op.metered
        ? { interval: op.interval, usageType: 'metered' as const, aggregateUsage: op.strategy }
        : { interval: op.interval };
      const base = { product: product.id, currency: op.currency, recurring };
      const tiers = [
        { upTo: 100, unitAmount: op.amount % 50, flatAmount: op.amount % 7 },
        { upTo: 'inf' as const, unitAmountDecimal: `${op.amount % 13}.25` },
      ];
      const shapes = {
        unit: { unitAmount: op.amount },
        decimal: { unitAmountDecimal: `${op.amount}.005` },
        graduated: { billingScheme: 'tiered' as const, tiersMode: 'graduated' as const, tiers },
        volume: { billingScheme: 'tiered' as const, tiersMode: 'volume' as const, tiers },
        package: {
          unitAmount: op.amount,
          transformQuantity: { divideBy: 10, round: op.amount % 2 ? 'up' : 'down' } as const,
        },
      };
      sim.prices.create({ ...base, ...shapes[op.model as keyof typeof shapes] });
      return;
    }
    case 'customer':
      sim.customers.create({ name: 'Customer', paymentMethod: op.card as never });
      return;
    case 'subscribe': {
      const customer = pick(sim.customers.list({ limit: 10_000 }).data, op.customer);
      const chosen = op.prices.map((index) => pick(prices, index)).filter((price) => !!price);
      if (!customer || chosen.length === 0) return;
      sim.subscriptions.create({
        customer: customer.id,
        items: chosen.map((price) =>
          price!.recurring.usageType === 'licensed'
            ? { price: price!.id, quantity: op.quantity }
            : { price: price!.id },
        ),
      });
      return;
    }
    case 'usage': {
      const metered = items.filter(
        (item) => item.quantity === null && !ended.has(item.subscription),
      );
      const item = pick(metered, op.item);
      if (!item) return;
      const subscription = subscriptions.find((s) => s.id === item.subscription)!;
      // Within the open period: a backdated record is refused and would add nothing.
      const timestamp = Math.min(
        now,
        Math.max(now - op.back, subscription.currentPeriodStart, item.usageStart),
      );
      // Known engine limits (see the report): a batch, or a record for the closed period, sent
      // while the subscription's draft invoice waits refreshes the draft (an invoice.updated
      // event takes an id, so later ids shift); and a manual record at a timestamp where a
      // generator also reports has another value after a save and load.
      const draft = sim.invoices
        .list({ status: 'draft' })
        .data.find((invoice) => invoice.subscription === item.subscription);
      if (draft && (op.quantities.length > 1 || timestamp < draft.periodEnd)) return;
      const generators = sim.generators.list({ subscriptionItem: item.id }).data;
      if (generators.some((generator) => generator.spec.action === 'set')) return;
      const action = op.set && generators.length === 0 ? 'set' : 'increment';
      if (op.quantities.length === 1) {
        sim.usageRecords.create({
          subscriptionItem: item.id,
          quantity: op.quantities[0]!,
          timestamp,
          action,
        });
      } else {
        sim.usageRecords.createBatch({
          subscriptionItem: item.id,
          records: op.quantities.map((quantity, i) => ({
            quantity,
            timestamp: Math.min(now, timestamp + i * 97),
            action,
          })),
        });
      }
      return;
    }
    case 'advance':
      sim.testClock.advance({ frozenTime: now + op.seconds });
      return;
    case 'advancePeriod': {
      const subscription = pick(subscriptions, op.subscription);
      if (subscription) sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
      return;
    }
    case 'update': {
      const subscription = pick(
        subscriptions.filter((s) => !ended.has(s.id)),
        op.subscription,
      );
      if (!subscription) return;
      const item = subscription.items.data[op.price % subscription.items.data.length]!;
      const current = prices.find((price) => price.id === item.price)!;
      // Mostly prices the item can take: same currency, interval and usage type.
      const fitting = prices.filter(
        (price) =>
          price.currency === current.currency &&
          price.recurring.interval === current.recurring.interval &&
          (op.add || price.recurring.usageType === current.recurring.usageType),
      );
      const price = pick(fitting, op.price);
      if (!price) return;
      const quantity = price.recurring.usageType === 'licensed' ? op.quantity : undefined;
      sim.subscriptions.update(subscription.id, {
        items: [
          op.add ? { price: price.id, quantity } : { id: item.id, price: price.id, quantity },
        ],
        prorationBehavior: op.behavior,
        cancelAtPeriodEnd: op.cancelAtPeriodEnd,
      });
      return;
    }
    case 'cancel': {
      const subscription = pick(subscriptions, op.subscription);
      if (subscription) sim.subscriptions.cancel(subscription.id, { invoiceNow: op.invoiceNow });
      return;
    }
    case 'invoice': {
      const invoice = pick(sim.invoices.list({ limit: 10_000 }).data, op.invoice);
      if (invoice) sim.invoices[op.action](invoice.id);
      return;
    }
    case 'card': {
      const customer = pick(sim.customers.list({ limit: 10_000 }).data, op.customer);
      if (customer) sim.customers.update(customer.id, { paymentMethod: op.card as never });
      return;
    }
    case 'settings':
      sim.settings.update({ finalizationDelaySeconds: op.delay, retryScheduleDays: op.retries });
      return;
    case 'webhook':
      sim.webhookEndpoints.create({ url: 'https://example.com/hooks' });
      return;
    case 'generator': {
      const item = pick(items, op.item);
      if (!item) return;
      sim.generators.create({
        subscriptionItem: item.id,
        spec: op.seats
          ? {
              pattern: {
                kind: 'seats',
                initial: op.perHour,
                stepProbabilityPerHour: 0.3,
                maxStep: 3,
              },
              action: 'set',
            }
          : { pattern: { kind: 'poisson', meanPerHour: op.perHour }, action: 'increment' },
      });
      return;
    }
    case 'stop': {
      const generator = pick(sim.generators.list().data, op.generator);
      if (generator) sim.generators.stop(generator.id);
      return;
    }
  }
}

describe('round trip of random scenarios', () => {
  it('imports every exported scenario to the same invoices, subscriptions and events', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(priceOperation, { minLength: 1, maxLength: 4 }),
        fc.array(customerOperation, { minLength: 1, maxLength: 3 }),
        fc.array(subscribeOperation, { minLength: 1, maxLength: 3 }),
        fc.array(operation, { minLength: 10, maxLength: 40 }),
        (seed, prices, customers, subscriptions, operations) => {
          const sim = createSimulator({ seed, startTime: MARCH_1 });
          sim.products.create({ name: 'Product' });
          for (const op of [...prices, ...customers, ...subscriptions, ...operations]) {
            try {
              apply(sim, op);
            } catch (error) {
              if (!(error instanceof MeterlabError)) throw error;
            }
          }
          const back = roundTrip(sim);
          expect(billingState(back)).toEqual(billingState(sim));
        },
      ),
      { numRuns: 150 },
    );
  });
});
