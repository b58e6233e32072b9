// Usage: pick a metered subscription item, report one record (shown as the equivalent API call)
// or paste a batch. Records go to the engine as typed; it names what it refuses.
import type { UsageRecordArgs } from '../../core/simulator/api';
import type { UsageSeries } from '../../core/public/types';
import type {
  Customer,
  List,
  Price,
  Subscription,
  UsageAction,
  UsageRecord,
  UsageRecordBatch,
  UsageRecordSummary,
} from '../../core/public/types';
import { fromDateTimeInput, toDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export interface MeteredItem {
  id: string;
  subscription: string;
  price: Price;
  label: string;
}

interface Catalog {
  subscriptions: List<Subscription>;
  prices: List<Price>;
  customers: List<Customer>;
}

/**
 * Metered items of live subscriptions billed by usage records, labelled 'Acme · API calls (si_1)'
 * (items priced by a meter take meter events instead).
 */
export function meteredItems(catalog: Catalog | undefined): MeteredItem[] {
  if (!catalog) return [];
  const prices = Object.fromEntries(catalog.prices.data.map((p) => [p.id, p]));
  const names = Object.fromEntries(catalog.customers.data.map((c) => [c.id, c.name]));
  const items: MeteredItem[] = [];
  for (const subscription of catalog.subscriptions.data) {
    for (const item of subscription.items.data) {
      const price = prices[item.price];
      if (price?.recurring.usageType !== 'metered' || price.recurring.meter) continue;
      const customer = names[subscription.customer] ?? subscription.customer;
      const priceName = price.nickname ?? price.id;
      items.push({
        id: item.id,
        subscription: subscription.id,
        price,
        label: `${customer} · ${priceName} (${item.id})`,
      });
    }
  }
  return items;
}

export function loadCatalog(app: AppState): Promise<Catalog> {
  return Promise.all([
    app.api.call('subscriptions.list', { limit: 100 }),
    app.api.call('prices.list', { limit: 100 }),
    app.api.call('customers.list', { limit: 100 }),
  ]).then(([subscriptions, prices, customers]) => ({ subscriptions, prices, customers }));
}

/** A number when the text is one, else the text itself, so the engine names the bad field. */
function numberOrText(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return (trimmed !== '' && Number.isFinite(value) ? value : trimmed) as number;
}

/**
 * One record per line: `quantity[, timestamp][, action]`, where the timestamp is unix seconds or
 * an ISO time (UTC). Blank lines and lines starting with # are skipped.
 */
export function parseBatch(text: string): UsageRecordArgs[] {
  const records: UsageRecordArgs[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [quantity = '', ...rest] = line.split(/[,;\t]\s*|\s+/);
    const record: UsageRecordArgs = { quantity: numberOrText(quantity) };
    for (const part of rest) {
      if (part === 'increment' || part === 'set') record.action = part;
      else if (/^\d+$/.test(part)) record.timestamp = Number(part);
      else record.timestamp = fromDateTimeInput(part.replace(/Z$/, '')) ?? (part as never);
    }
    records.push(record);
  }
  return records;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replaceAll("'", "\\'")}'` : String(value);
}

export class UsageState {
  readonly catalog: Resource<Catalog>;
  readonly summaries: Resource<List<UsageRecordSummary> | null>;
  readonly series: Resource<UsageSeries | null>;
  readonly recordTask = new Task();
  readonly batchTask = new Task();
  item = $state('');
  quantity = $state('1');
  useClockTime = $state(true);
  timestamp = $state('');
  action = $state<UsageAction>('increment');
  idempotencyKey = $state('');
  batchText = $state('');
  lastRecord = $state.raw<UsageRecord | null>(null);
  lastBatch = $state.raw<UsageRecordBatch | null>(null);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.catalog = new Resource(() => loadCatalog(app));
    this.summaries = new Resource(async () =>
      this.chosenItem
        ? app.api.call('usageRecords.summaries', { subscriptionItem: this.chosenItem, limit: 12 })
        : null,
    );
    this.series = new Resource(async () =>
      this.chosenItem
        ? app.api.call('analysis.usageSeries', { subscriptionItem: this.chosenItem, buckets: 120 })
        : null,
    );
  }

  async load(): Promise<void> {
    await this.catalog.load();
    void this.summaries.load();
    void this.series.load();
  }

  get items(): MeteredItem[] {
    return meteredItems(this.catalog.value);
  }

  /** The chosen item, else the one picked elsewhere in the app, else the first. */
  get chosenItem(): string | null {
    const items = this.items;
    const wanted = [this.item, this.#app.focusItem];
    return items.find((i) => wanted.includes(i.id))?.id ?? items[0]?.id ?? null;
  }

  choose(item: string): void {
    this.item = item;
    this.#app.focusItem = item;
    void this.summaries.load();
    void this.series.load();
  }

  /** The record as the form says; without a timestamp the engine uses the clock's time. */
  get recordArgs(): UsageRecordArgs & { subscriptionItem: string } {
    const timestamp = this.useClockTime ? null : fromDateTimeInput(this.timestamp);
    return {
      subscriptionItem: this.chosenItem ?? '',
      quantity: numberOrText(this.quantity),
      ...(timestamp !== null ? { timestamp } : {}),
      action: this.action,
    };
  }

  get timestampError(): string | null {
    if (this.useClockTime) return null;
    return fromDateTimeInput(this.timestamp) === null ? 'timestamp: pick a date and time.' : null;
  }

  /** The guide's SDK call that does the same as the form. */
  get apiCall(): string {
    const args = this.recordArgs;
    const lines = [
      `  subscriptionItem: ${literal(args.subscriptionItem)},`,
      `  quantity: ${literal(args.quantity)},`,
      args.timestamp === undefined
        ? `  // timestamp omitted: the test clock's frozenTime`
        : `  timestamp: ${args.timestamp},`,
      `  action: ${literal(args.action)},`,
    ];
    const key = this.idempotencyKey.trim();
    const options = key ? `,\n  { idempotencyKey: ${literal(key)} }` : '';
    return `await vinr.usageRecords.create(\n  {\n${lines.map((l) => `  ${l}`).join('\n')}\n  }${options},\n);`;
  }

  get batchRecords(): UsageRecordArgs[] {
    return parseBatch(this.batchText);
  }

  get batchCall(): string {
    const records = this.batchRecords;
    const shown = records.slice(0, 5).map((r) => `    ${JSON.stringify(r)},`);
    if (records.length > 5) shown.push(`    // … ${records.length - 5} more`);
    return `await vinr.usageRecords.createBatch({\n  subscriptionItem: ${literal(this.chosenItem ?? '')},\n  records: [\n${shown.join('\n')}\n  ],\n});`;
  }

  /** The batch line the engine's error points at (param 'records[3].timestamp' -> 3). */
  get rejectedIndex(): number | null {
    const match = /^records\[(\d+)\]/.exec(this.batchTask.error?.param ?? '');
    return match ? Number(match[1]) : null;
  }

  /** The clock moved: a field stamped with the clock's time follows it; a typed time stays. */
  resetTimestamp(frozenTime: number): void {
    if (!this.timestamp || this.useClockTime) this.timestamp = toDateTimeInput(frozenTime);
  }

  async submitRecord(): Promise<void> {
    if (this.timestampError) return;
    const key = this.idempotencyKey.trim();
    const record = await this.recordTask.run(() =>
      this.#app.change(
        'usageRecords.create',
        this.recordArgs,
        ...(key ? [{ idempotencyKey: key }] : []),
      ),
    );
    if (record) this.lastRecord = record;
  }

  async submitBatch(): Promise<void> {
    const subscriptionItem = this.chosenItem;
    if (!subscriptionItem) return;
    const batch = await this.batchTask.run(() =>
      this.#app.change('usageRecords.createBatch', {
        subscriptionItem,
        records: this.batchRecords,
      }),
    );
    if (batch) this.lastBatch = batch;
  }
}
