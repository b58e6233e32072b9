// The billing engine: one scenario's state and the API shaped like the guide's SDK. Pure: time is
// the scenario's test clock, ids and randomness come from its seed. Every public method validates
// all of its input before it changes anything, so a rejected call changes nothing.
import { comparePrices, strategyComparison, usageSeries } from '../resources/analysis';
import type { QuotablePrice, SimulatorApi, VerifyOptions } from './api';
import { Engine, copy, list } from '../resources/state';
import type { AdvanceProgress } from '../resources/state';
import { MeterlabError, invalidRequest } from '../values/errors';
import { makeId, randomToken } from '../values/ids';
import { dailySeries, parseGeneratorSpec, previewRecords } from '../rules/generators';
import { meteredLine, prorationLine } from '../rules/lines';
import type { LineContext } from '../rules/lines';
import { buildPriceFields } from '../rules/pricing/build';
import { quotePrice } from '../rules/pricing';
import { aggregateUsage } from '../rules/aggregation';
import type { z } from 'zod';
import * as schemas from '../resources/schemas';
import { DEFAULT_SETTINGS, SNAPSHOT_SCHEMA_VERSION, migrateSnapshot } from '../resources/snapshot';
import type { Snapshot } from '../resources/snapshot';
import type {
  AggregateUsage,
  BillingEvent,
  InvoiceLine,
  Price,
  SimulatorSettings,
  Subscription,
  SubscriptionItem,
  TestClock,
  UpcomingInvoice,
  UsageAction,
  UsageGenerator,
  UsageRecord,
} from '../public/types';
import type { UsageColumns } from '../rules/usage/columns';
import { ingestBatch, ingestOne } from '../rules/usage/ingest';
import { parseArgs, safeQuantity, unixSeconds } from '../values/validation';
import { DEFAULT_TOLERANCE_SECONDS, signatureHeader, verifySignature } from '../rules/signatures';

export type { AdvanceProgress } from '../resources/state';

export interface SimulatorOptions {
  /** Unix seconds the test clock starts frozen at (default 2025-03-01T00:00:00Z). */
  startTime?: number;
  /** Seed of ids and randomness (default 1). */
  seed?: number;
  settings?: Partial<SimulatorSettings>;
  /** A snapshot to restore (any earlier schemaVersion is migrated). */
  snapshot?: unknown;
}

export interface Simulator extends SimulatorApi {
  snapshot(): Snapshot;
  /** Distinct usage timestamps held in memory, and the bytes their columns take. */
  usageFootprint(): { timestamps: number; bytes: number };
  /**
   * The clock advance as a generator: yields after each billing moment so a host can report
   * progress or stop; stopping leaves a consistent state with the clock at the last moment run.
   */
  advanceStepwise(
    target: { frozenTime: number } | { subscription: string },
  ): Generator<AdvanceProgress, TestClock>;
}

const DEFAULT_START = 1740787200; // 2025-03-01T00:00:00Z

/** The request's parameters as canonical JSON: the same values in any key order match. */
function fingerprint(method: string, args: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
          )
        : value;
  return JSON.stringify([method, canonical(args)]);
}

function initialState(options: SimulatorOptions): Snapshot {
  const startTime = parseArgs(unixSeconds, options.startTime ?? DEFAULT_START, 'startTime');
  const seed = parseArgs(unixSeconds, options.seed ?? 1, 'seed') >>> 0;
  const settings = parseArgs(schemas.settingsUpdateArgs, options.settings ?? {}, 'settings');
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    seed,
    idCounter: 0,
    usageRecordCounter: 0,
    eventCounter: 0,
    generatorCounter: 0,
    rngState: seed,
    clock: { id: makeId('clock', seed, 0xffffffff), object: 'test_clock', frozenTime: startTime },
    settings: { ...DEFAULT_SETTINGS, ...settings },
    products: [],
    prices: [],
    customers: [],
    subscriptions: [],
    periodIndex: {},
    invoices: [],
    events: [],
    webhookEndpoints: [],
    pendingLines: [],
    journal: [],
    generators: [],
    idempotency: {},
    usage: {},
  };
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const engine = new Engine(
    options.snapshot === undefined
      ? initialState(options)
      : migrateSnapshot(copy(options.snapshot)),
  );
  const state = engine.state;

  /** Runs an idempotent request: a key seen with the same parameters returns the first response. */
  function idempotent<T>(method: string, args: unknown, rawOptions: unknown, run: () => T): T {
    const { idempotencyKey } = parseArgs(schemas.requestOptions, rawOptions, 'options') ?? {};
    if (idempotencyKey === undefined) return run();
    const print = fingerprint(method, args);
    const seen = state.idempotency[idempotencyKey];
    if (seen && seen.createdAt + state.settings.idempotencyKeyTtlSeconds > engine.now) {
      if (seen.fingerprint !== print) {
        throw new MeterlabError(
          'idempotency_error',
          'idempotency_key_reused',
          'idempotencyKey',
          `Idempotency key '${idempotencyKey}' was already used with other parameters: use a new key for a new request.`,
        );
      }
      return copy(seen.response as T);
    }
    const response = run();
    // NOTE: only successful requests are remembered, so a corrected retry with the same key runs.
    state.idempotency[idempotencyKey] = {
      fingerprint: print,
      response: copy(response),
      createdAt: engine.now,
    };
    return response;
  }

  function recordUsage(raw: unknown): UsageRecord {
    const args = parseArgs(schemas.usageRecordCreateArgs, raw);
    const target = engine.usageTarget(args.subscriptionItem);
    const action: UsageAction = args.action ?? 'increment';
    const timestamp = args.timestamp ?? engine.now;
    const record = { quantity: args.quantity, timestamp, action };
    engine.writeUsage(target.item.id, (columns) => {
      const ingest = (into: UsageColumns) => ingestOne(into, target.span, record);
      if (!engine.generated.writeManual(target.item.id, columns, [timestamp], ingest))
        ingest(columns);
    });
    if (target.span.draft && timestamp < target.span.draft.periodEnd)
      engine.refreshDraftLine(target.span.draft, target.item);
    return {
      id: makeId('mbu', state.seed, state.usageRecordCounter++),
      object: 'usage_record',
      subscriptionItem: target.item.id,
      quantity: args.quantity,
      timestamp,
      action,
    };
  }

  /** A stored price by id, or price arguments not yet created (the price builder's preview). */
  function priceOf(value: string | QuotablePrice): Price {
    if (typeof value === 'string')
      return engine.price(parseArgs(schemas.objectIdOf, value, 'price'), 'price');
    const fields = buildPriceFields({
      product: 'prod_preview',
      ...parseArgs(schemas.quotablePrice, value, 'price'),
    });
    return { ...fields, id: 'price_preview', object: 'price', created: engine.now };
  }

  const sim: Simulator = {
    snapshot: () => engine.snapshot(),
    usageFootprint: () => {
      let timestamps = 0;
      let bytes = 0;
      for (const item of engine.usage.keys()) {
        const columns = engine.columns(item);
        timestamps += columns.length;
        bytes += columns.byteLength;
      }
      return { timestamps, bytes };
    },
    advanceStepwise(target) {
      const frozenTime =
        typeof target === 'object' && target !== null && 'subscription' in target
          ? billingPeriodTarget(parseArgs(schemas.advanceBillingPeriodArgs, target).subscription)
          : parseArgs(schemas.advanceArgs, target).frozenTime;
      checkForward(frozenTime);
      return engine.advanceTo(frozenTime);
    },

    products: {
      create: (args) => copy(engine.createProduct(parseArgs(schemas.productCreateArgs, args).name)),
      retrieve: (id) => copy(engine.product(parseArgs(schemas.objectIdOf, id, 'id'), 'id')),
      list: (args) => list([...state.products].reverse(), parseArgs(schemas.listArgs, args)?.limit),
    },
    prices: {
      create: (args) => copy(engine.createPrice(args)),
      retrieve: (id) => copy(engine.price(parseArgs(schemas.objectIdOf, id, 'id'), 'id')),
      list: (args) => {
        const parsed = parseArgs(schemas.priceListArgs, args);
        const prices = state.prices.filter(
          (price) => !parsed?.product || price.product === parsed.product,
        );
        return list(prices.reverse(), parsed?.limit);
      },
    },
    customers: {
      create: (args) => copy(engine.createCustomer(parseArgs(schemas.customerCreateArgs, args))),
      retrieve: (id) => copy(engine.customer(parseArgs(schemas.objectIdOf, id, 'id'), 'id')),
      list: (args) =>
        list([...state.customers].reverse(), parseArgs(schemas.listArgs, args)?.limit),
      update: (id, args) => {
        const customer = engine.customer(parseArgs(schemas.objectIdOf, id, 'id'), 'id');
        const changes = parseArgs(schemas.customerUpdateArgs, args);
        if (changes.name !== undefined) customer.name = changes.name;
        if (changes.email !== undefined) customer.email = changes.email;
        if (changes.paymentMethod !== undefined) customer.paymentMethod = changes.paymentMethod;
        engine.emit('customer.updated', customer);
        return copy(customer);
      },
    },
    subscriptions: {
      create: (args) =>
        copy(engine.createSubscription(parseArgs(schemas.subscriptionCreateArgs, args))),
      retrieve: (id) => copy(engine.subscription(parseArgs(schemas.objectIdOf, id, 'id'), 'id')),
      list: (args) => {
        const parsed = parseArgs(schemas.subscriptionListArgs, args);
        const found = state.subscriptions.filter(
          (s) =>
            (!parsed?.customer || s.customer === parsed.customer) &&
            (!parsed?.status || s.status === parsed.status),
        );
        return list(found.reverse(), parsed?.limit);
      },
      update: (id, args) => copy(updateSubscription(id, args)),
      cancel: (id, args) => copy(cancelSubscription(id, args)),
    },
    usageRecords: {
      create: (args, options) =>
        idempotent('usageRecords.create', args, options, () => recordUsage(args)),
      createBatch: (args, options) =>
        idempotent('usageRecords.createBatch', args, options, () => {
          const envelope = parseArgs(schemas.usageRecordBatchEnvelope, args);
          const target = engine.usageTarget(envelope.subscriptionItem);
          const { count, earliest } = engine.writeUsage(target.item.id, (columns) => {
            const ingest = (into: UsageColumns) => ingestBatch(into, target.span, envelope.records);
            const touched = envelope.records.map((record) => {
              const timestamp = (record as { timestamp?: unknown } | null)?.timestamp;
              return typeof timestamp === 'number' ? timestamp : engine.now;
            });
            return (
              engine.generated.writeManual(target.item.id, columns, touched, ingest)?.result ??
              ingest(columns)
            );
          });
          if (target.span.draft && earliest < target.span.draft.periodEnd) {
            engine.refreshDraftLine(target.span.draft, target.item);
          }
          return { object: 'usage_record_batch' as const, subscriptionItem: target.item.id, count };
        }),
      summaries: (args) => {
        const parsed = parseArgs(schemas.summariesArgs, args);
        const { item, subscription } = engine.item(parsed.subscriptionItem);
        const price = engine.price(item.price);
        const strategy: AggregateUsage = price.recurring.aggregateUsage ?? 'sum';
        const columns = engine.columns(item.id);
        const periods = engine
          .periodsOf(subscription)
          .filter((period) => period.end > item.created);
        const data = periods.map((period, index) => {
          const span = {
            start: Math.max(period.start, index === 0 ? item.usageStart : item.created),
            end: period.end,
          };
          return {
            id: `sis_${item.id.slice(3)}_${period.start}`,
            object: 'usage_record_summary' as const,
            subscriptionItem: item.id,
            period: span,
            totalUsage: aggregateUsage(strategy, columns, span).quantity,
            aggregateUsage: strategy,
            open: index === 0 && !engine.isEnded(subscription),
          };
        });
        return list(data, parsed.limit ?? 10);
      },
    },
    generators: {
      create: (args) => {
        const parsed = parseArgs(schemas.generatorCreateArgs, args);
        const target = engine.usageTarget(parsed.subscriptionItem);
        if (parsed.id && engine.generated.hasGenerator(parsed.id)) {
          throw invalidRequest(
            'resource_already_exists',
            'id',
            `A generator with id '${parsed.id}' already exists: choose another id or omit it.`,
          );
        }
        const id = parsed.id ?? freeGeneratorId();
        // The default seed comes from the id, so it takes nothing from the scenario's random state.
        const seed = parsed.spec.seed ?? seedFromId(id);
        const spec = parseGeneratorSpec(
          { ...parsed.spec, seed, start: parsed.spec.start ?? engine.now },
          'spec',
        );
        if (spec.start! < target.span.from) {
          throw invalidRequest(
            'timestamp_backdated',
            'spec.start',
            `A generator reports live, so it cannot start at ${spec.start}, before ${target.span.from} (the start of the item's open period). Leave start out to begin now.`,
          );
        }
        const generator: UsageGenerator = {
          id,
          object: 'usage_generator',
          subscriptionItem: target.item.id,
          spec,
          status: 'active',
          created: engine.now,
        };
        state.generatorCounter += 1;
        engine.generated.add(generator, engine.writableColumns(target.item.id));
        // Journaled resolved (id, seed, start), so a replay makes exactly this generator.
        state.journal.push({
          at: engine.now,
          method: 'generators.create',
          args: [{ subscriptionItem: target.item.id, spec, id }],
          result: id,
        });
        return copy(generator);
      },
      list: (args) => {
        const parsed = parseArgs(schemas.generatorListArgs, args);
        const found = engine.generated
          .list()
          .filter(
            (g) => !parsed?.subscriptionItem || g.subscriptionItem === parsed.subscriptionItem,
          );
        return list(found.reverse(), parsed?.limit);
      },
      stop: (id) => {
        const entry = engine.generated.find(parseArgs(schemas.objectIdOf, id, 'id'));
        engine.columns(entry.generator.subscriptionItem); // report everything up to now first
        entry.generator.status = 'stopped';
        return copy(entry.generator);
      },
      materialize: (args) => {
        const { item } = engine.item(parseArgs(schemas.materializeArgs, args).subscriptionItem);
        const columns = engine.columns(item.id);
        const removed = new Set(engine.generated.materialize(item.id).map((g) => g.id));
        // The records now stand as stored usage, so replaying the scenario must not generate them again.
        state.journal = state.journal.filter(
          (entry) =>
            !(entry.result && removed.has(entry.result)) &&
            !(entry.method === 'generators.stop' && removed.has(String(entry.args[0]))),
        );
        return { subscriptionItem: item.id, timestamps: columns.length };
      },
      preview: (args) => {
        const parsed = parseArgs(schemas.generatorPreviewArgs, args);
        const spec = parseGeneratorSpec(
          { ...parsed.spec, seed: parsed.spec.seed ?? 1, start: parsed.spec.start ?? engine.now },
          'spec',
        );
        return {
          records: previewRecords(spec, parsed.count ?? 200),
          daily: dailySeries(spec, parsed.days ?? 30),
        };
      },
    },
    invoices: {
      retrieve: (id) => copy(engine.invoice(parseArgs(schemas.objectIdOf, id, 'id'))),
      list: (args) => {
        const parsed = parseArgs(schemas.invoiceListArgs, args);
        const found = state.invoices.filter(
          (invoice) =>
            (!parsed?.subscription || invoice.subscription === parsed.subscription) &&
            (!parsed?.customer || invoice.customer === parsed.customer) &&
            (!parsed?.status || invoice.status === parsed.status),
        );
        return list(found.reverse(), parsed?.limit);
      },
      upcoming: (args) => upcomingInvoice(args),
      pay: (id) => {
        const invoice = engine.invoice(parseArgs(schemas.objectIdOf, id, 'id'));
        if (invoice.status === 'draft') {
          engine.finalizeInvoice(invoice);
          return copy(invoice);
        }
        if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
          throw invalidRequest(
            'invoice_not_payable',
            'id',
            `Invoice ${invoice.id} is ${invoice.status}: only open or uncollectible invoices can be paid.`,
          );
        }
        invoice.nextPaymentAttempt = null;
        const wasUncollectible = invoice.status === 'uncollectible';
        if (wasUncollectible) invoice.status = 'open';
        engine.attemptPayment(invoice);
        if (wasUncollectible && invoice.status === 'open') {
          invoice.status = 'uncollectible';
          invoice.nextPaymentAttempt = null;
        }
        return copy(invoice);
      },
      voidInvoice: (id) => {
        const invoice = engine.invoice(parseArgs(schemas.objectIdOf, id, 'id'));
        if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
          throw invalidRequest(
            'invoice_not_voidable',
            'id',
            `Invoice ${invoice.id} is ${invoice.status}: only open or uncollectible invoices can be voided.`,
          );
        }
        invoice.status = 'void';
        invoice.nextPaymentAttempt = null;
        engine.emit('invoice.voided', invoice);
        engine.reactivateIfSettled(invoice);
        return copy(invoice);
      },
      markUncollectible: (id) => {
        const invoice = engine.invoice(parseArgs(schemas.objectIdOf, id, 'id'));
        if (invoice.status !== 'open') {
          throw invalidRequest(
            'invoice_not_open',
            'id',
            `Invoice ${invoice.id} is ${invoice.status}: only open invoices can be marked uncollectible.`,
          );
        }
        invoice.status = 'uncollectible';
        invoice.nextPaymentAttempt = null;
        engine.emit('invoice.marked_uncollectible', invoice);
        engine.reactivateIfSettled(invoice);
        return copy(invoice);
      },
    },
    events: {
      retrieve: (id) => engine.event(parseArgs(schemas.objectIdOf, id, 'id')),
      list: (args) => {
        const parsed = parseArgs(schemas.eventListArgs, args);
        const limit = parsed?.limit ?? 100;
        const found = state.events.filter((event) => !parsed?.type || event.type === parsed.type);
        const newest = found.reverse().slice(0, limit).map(copy);
        return { object: 'list', data: newest, hasMore: found.length > limit };
      },
    },
    webhookEndpoints: {
      create: (args) => {
        const { url } = parseArgs(schemas.webhookEndpointCreateArgs, args);
        const secret = randomToken(state.rngState, 32);
        state.rngState = secret.state;
        const endpoint = {
          id: engine.newId('we'),
          object: 'webhook_endpoint' as const,
          url,
          secret: `whsec_${secret.token}`,
          created: engine.now,
        };
        state.webhookEndpoints.push(endpoint);
        return copy(endpoint);
      },
      list: (args) =>
        list([...state.webhookEndpoints].reverse(), parseArgs(schemas.listArgs, args)?.limit),
      deliveries: (args) => {
        const event = engine.event(parseArgs(schemas.deliveriesArgs, args).event, 'event');
        const payload = JSON.stringify(event);
        return state.webhookEndpoints.map((endpoint) => ({
          event: event.id,
          endpoint: endpoint.id,
          url: endpoint.url,
          payload,
          signatureHeader: signatureHeader(payload, endpoint.secret, event.created),
        }));
      },
    },
    webhooks: {
      verify: (rawBody: string, header: string | null, options?: VerifyOptions) => {
        const body = parseArgs(schemas.rawBody, rawBody, 'rawBody');
        const parsed = parseArgs(schemas.verifyOptions, options, 'options');
        const secrets = parsed?.secret
          ? [parsed.secret]
          : state.webhookEndpoints.map((endpoint) => endpoint.secret);
        verifySignature(
          body,
          header,
          secrets,
          parsed?.now ?? engine.now,
          parsed?.tolerance ?? DEFAULT_TOLERANCE_SECONDS,
        );
        try {
          return JSON.parse(body) as BillingEvent;
        } catch {
          throw new MeterlabError(
            'signature_verification_error',
            'payload_invalid',
            'rawBody',
            'The signed payload is not JSON: pass the raw request body as text.',
          );
        }
      },
      generateTestHeader: (args) => {
        const { payload, secret, timestamp } = parseArgs(schemas.testHeaderArgs, args);
        return signatureHeader(payload, secret, timestamp);
      },
    },
    testClock: {
      retrieve: () => copy(state.clock),
      advance: (args) => runToEnd(sim.advanceStepwise(parseArgs(schemas.advanceArgs, args))),
      advanceBillingPeriod: (args) =>
        runToEnd(sim.advanceStepwise(parseArgs(schemas.advanceBillingPeriodArgs, args))),
    },
    settings: {
      retrieve: () => copy(state.settings),
      update: (args) => {
        Object.assign(state.settings, parseArgs(schemas.settingsUpdateArgs, args));
        return copy(state.settings);
      },
    },
    analysis: {
      usageSeries: (args) => usageSeries(engine, parseArgs(schemas.usageSeriesArgs, args)),
      strategies: (args) => strategyComparison(engine, parseArgs(schemas.strategiesArgs, args)),
      comparePrices: (args) => comparePrices(engine, parseArgs(schemas.comparePricesArgs, args)),
    },
    quote: (price, quantity) =>
      quotePrice(priceOf(price), parseArgs(safeQuantity, quantity, 'quantity')),
  };

  journalMutations(sim, engine);

  /** The next counter-made generator id not taken (a replayed file may hold explicit ids). */
  function freeGeneratorId(): string {
    let id = makeId('gen', state.seed, state.generatorCounter);
    for (let n = state.generatorCounter + 1; engine.generated.hasGenerator(id); n++) {
      id = makeId('gen', state.seed, n);
    }
    return id;
  }

  function billingPeriodTarget(subscriptionId: string): number {
    const subscription = engine.subscription(subscriptionId);
    if (engine.isEnded(subscription)) {
      throw invalidRequest(
        'subscription_ended',
        'subscription',
        `${subscription.id} has ended: there is no billing period to advance to.`,
      );
    }
    // NOTE: "advance billing period" = the period end plus the finalization delay, so the
    // invoice is finalized and charged.
    return subscription.currentPeriodEnd + state.settings.finalizationDelaySeconds;
  }

  function checkForward(frozenTime: number): void {
    if (frozenTime < engine.now) {
      throw invalidRequest(
        'clock_moves_forward_only',
        'frozenTime',
        `The test clock only moves forward: ${frozenTime} is before its time ${engine.now}. Create a new scenario to start earlier.`,
      );
    }
  }

  /**
   * Applies a validated update to `subscription` (the real one, or a copy for a preview) and
   * returns the lines it bills. Everything is checked before anything changes.
   */
  function applyUpdate(
    subscription: Subscription,
    args: z.output<typeof schemas.subscriptionUpdateArgs>,
    context: LineContext,
    addItem: (price: Price, quantity: number | null) => SubscriptionItem,
  ): InvoiceLine[] {
    const behavior = args.prorationBehavior ?? 'create_prorations';
    const now = engine.now;
    const period = { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd };

    // Validate every change first; build nothing until all pass.
    const changes = (args.items ?? []).map((change, index) => {
      const param = `items[${index}]`;
      const newPrice = change.price ? engine.price(change.price, `${param}.price`) : undefined;
      if (change.id === undefined) {
        if (!newPrice)
          throw invalidRequest(
            'parameter_missing',
            `${param}.price`,
            'A new item needs a price: pass items[].price, or items[].id to change an existing item.',
          );
        engine.checkItemPrices([{ price: newPrice, param: `${param}.price` }], subscription);
        if (subscription.items.data.some((item) => item.price === newPrice.id)) {
          throw invalidRequest(
            'duplicate_price',
            `${param}.price`,
            `Price ${newPrice.id} is already on ${subscription.id}: change that item's quantity instead.`,
          );
        }
        return {
          kind: 'add' as const,
          price: newPrice,
          quantity: engine.checkItemQuantity(newPrice, change.quantity, `${param}.quantity`),
        };
      }
      const item = subscription.items.data.find((candidate) => candidate.id === change.id);
      if (!item)
        throw invalidRequest(
          'resource_missing',
          `${param}.id`,
          `${change.id} is not an item of ${subscription.id}: list the subscription's items.data to find its ids.`,
        );
      const oldPrice = engine.price(item.price);
      const price = newPrice ?? oldPrice;
      if (newPrice)
        engine.checkItemPrices([{ price: newPrice, param: `${param}.price` }], subscription);
      if (price.recurring.usageType !== oldPrice.recurring.usageType) {
        throw invalidRequest(
          'usage_type_change',
          `${param}.price`,
          `${item.id} is ${oldPrice.recurring.usageType}; ${price.id} is ${price.recurring.usageType}. Add the new price as a new item instead.`,
        );
      }
      const quantity = engine.checkItemQuantity(
        price,
        change.quantity ??
          (price.recurring.usageType === 'licensed' ? (item.quantity ?? 1) : undefined),
        `${param}.quantity`,
      );
      return { kind: 'change' as const, item, oldPrice, price, quantity };
    });

    const lines: InvoiceLine[] = [];
    for (const change of changes) {
      if (change.kind === 'add') {
        const item = addItem(change.price, change.quantity);
        subscription.items.data.push(item);
        if (change.price.recurring.usageType === 'licensed') {
          lines.push(
            prorationLine(context, item, change.price, change.quantity ?? 1, period, now, 1),
          );
        }
        continue;
      }
      const { item, oldPrice, price, quantity } = change;
      if (price.recurring.usageType === 'licensed') {
        // NOTE: licensed changes are prorated to the second: credit the old, charge the new.
        if (price.id !== oldPrice.id || quantity !== item.quantity) {
          lines.push(prorationLine(context, item, oldPrice, item.quantity ?? 1, period, now, -1));
          lines.push(prorationLine(context, item, price, quantity ?? 1, period, now, 1));
        }
      } else if (price.id !== oldPrice.id) {
        // NOTE: metered items are never prorated; the usage so far is billed at the old price
        // (create_prorations: next invoice; always_invoice: now; none: discarded).
        // Records stamped at the moment of the swap were reported before it: usage so far.
        const usedSpan = { start: Math.max(period.start, item.usageStart), end: now + 1 };
        if (behavior !== 'none' && usedSpan.end > usedSpan.start) {
          lines.push(meteredLine(context, item, oldPrice, engine.columns(item.id), usedSpan));
        }
        item.usageStart = now + 1;
      }
      item.price = price.id;
      item.quantity = quantity;
    }
    if (args.cancelAtPeriodEnd !== undefined)
      subscription.cancelAtPeriodEnd = args.cancelAtPeriodEnd;
    return lines;
  }

  function updateSubscription(rawId: string, rawArgs: unknown): Subscription {
    const subscription = openSubscription(rawId, 'id');
    const args = parseArgs(schemas.subscriptionUpdateArgs, rawArgs);
    const lines = applyUpdate(subscription, args, engine.lineContext, (price, quantity) => {
      const item = engine.newItem(subscription.id, price, quantity);
      engine.registerItem(item, subscription);
      return item;
    });
    engine.emit('customer.subscription.updated', subscription);
    const behavior = args.prorationBehavior ?? 'create_prorations';
    if (behavior === 'always_invoice' && lines.length > 0) {
      const invoice = engine.createInvoice(
        subscription,
        'subscription_update',
        { start: subscription.currentPeriodStart, end: engine.now },
        [...engine.takePendingLines(subscription.id), ...lines],
      );
      engine.finalizeInvoice(invoice);
    } else if (behavior === 'create_prorations') {
      for (const line of lines) state.pendingLines.push({ subscription: subscription.id, line });
    }
    return subscription;
  }

  /** The upcoming invoice, with a proposed update applied to a copy (a proration preview). */
  function upcomingInvoice(rawArgs: unknown): UpcomingInvoice {
    const { subscription: id, items, prorationBehavior } = parseArgs(schemas.upcomingArgs, rawArgs);
    const subscription = engine.subscription(id, 'subscription');
    if (items === undefined && prorationBehavior === undefined)
      return engine.upcoming(subscription);
    const proposed = copy(openSubscription(id, 'subscription'));
    let preview = 0;
    const context: LineContext = {
      ...engine.lineContext,
      newLineId: () => `il_preview_${preview++}`,
    };
    const update = {
      ...(items ? { items } : {}),
      ...(prorationBehavior ? { prorationBehavior } : {}),
    };
    const lines = applyUpdate(proposed, update, context, (price, quantity) =>
      engine.newItem(proposed.id, price, quantity, `si_preview_${preview++}`),
    );
    // always_invoice would bill these at once, on an invoice of their own; shown here all the same.
    return engine.upcoming(proposed, prorationBehavior === 'none' ? [] : lines);
  }

  function openSubscription(rawId: string, param: string): Subscription {
    const subscription = engine.subscription(parseArgs(schemas.objectIdOf, rawId, param), param);
    if (engine.isEnded(subscription)) {
      throw invalidRequest(
        'subscription_ended',
        param,
        `${subscription.id} has ended: create a new subscription instead.`,
      );
    }
    return subscription;
  }

  function cancelSubscription(rawId: string, rawArgs: unknown): Subscription {
    const subscription = engine.subscription(parseArgs(schemas.objectIdOf, rawId, 'id'), 'id');
    const args = parseArgs(schemas.subscriptionCancelArgs, rawArgs);
    if (engine.isEnded(subscription)) {
      throw invalidRequest('subscription_ended', 'id', `${subscription.id} has already ended.`);
    }
    const now = engine.now;
    subscription.canceledAt = now;
    // NOTE: cancel now: with invoiceNow the usage so far is invoiced at once, otherwise discarded.
    if (args?.invoiceNow) {
      const lines: InvoiceLine[] = [];
      for (const item of subscription.items.data) {
        const price = engine.price(item.price);
        if (price.recurring.usageType !== 'metered') continue;
        lines.push(
          meteredLine(engine.lineContext, item, price, engine.columns(item.id), {
            start: Math.max(subscription.currentPeriodStart, item.usageStart),
            end: now + 1,
          }),
        );
      }
      lines.push(...engine.takePendingLines(subscription.id));
      const invoice = engine.createInvoice(
        subscription,
        'subscription_cancel',
        { start: subscription.currentPeriodStart, end: now },
        lines,
      );
      engine.finalizeInvoice(invoice);
    }
    engine.endSubscription(subscription);
    return subscription;
  }

  return sim;
}

/** The mutating calls a scenario file replays; usage records and clock moves are kept apart. */
const JOURNALED_METHODS = [
  'products.create',
  'prices.create',
  'customers.create',
  'customers.update',
  'subscriptions.create',
  'subscriptions.update',
  'subscriptions.cancel',
  'invoices.pay',
  'invoices.voidInvoice',
  'invoices.markUncollectible',
  'webhookEndpoints.create',
  'settings.update',
  'generators.stop',
] as const;

function journalMutations(sim: Simulator, engine: Engine): void {
  const namespaces = sim as unknown as Record<
    string,
    Record<string, (...args: unknown[]) => unknown>
  >;
  for (const method of JOURNALED_METHODS) {
    const [namespace, name] = method.split('.') as [string, string];
    const run = namespaces[namespace]![name]!;
    namespaces[namespace]![name] = (...args: unknown[]) => {
      const at = engine.now;
      const result = run(...args);
      const given = args.slice(0, args.findLastIndex((arg) => arg !== undefined) + 1);
      const made = method.endsWith('.create') ? (result as { id?: unknown }).id : undefined;
      engine.state.journal.push({
        at,
        method,
        args: copy(given),
        ...(typeof made === 'string' ? { result: made } : {}),
      });
      return result;
    };
  }
}

/** FNV-1a of the id: a generator's default seed, fixed by its id. */
function seedFromId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function runToEnd(steps: Generator<AdvanceProgress, TestClock>): TestClock {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
