// Billing meters in the UI: the Catalog's meters (create with a formula picker, deactivate,
// reactivate), and the Usage view's meter events (one by form, a pasted batch, a cancel), their
// daily summaries and usage alerts. Everything goes to the engine as typed; it names what it refuses.
import type { MeterEventCreateArgs } from '../../core/simulator/api';
import { meterFormulas } from '../../core/public/descriptions';
import type {
  BillingAlert,
  BillingAlertTriggered,
  BillingEvent,
  Customer,
  List,
  Meter,
  MeterEventSummary,
  MeterFormula,
} from '../../core/public/types';
import { fromDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { Resource, Task, lookupLimit } from './resource.svelte';

const DAY = 86_400;

/** The formula picker: each formula with its one-line meaning; extensions are marked. */
export const formulaChoices = (Object.keys(meterFormulas) as MeterFormula[]).map((formula) => ({
  formula,
  ...meterFormulas[formula],
  label: `${formula}${meterFormulas[formula].extension ? ' (Meterlab extension)' : ''}`,
}));

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replaceAll("'", "\\'")}'` : JSON.stringify(value);
}

/** The meters of the Catalog. */
export class MetersState {
  readonly list: Resource<List<Meter>>;
  readonly task = new Task();
  displayName = $state('');
  eventName = $state('');
  formula = $state<MeterFormula>('sum');
  valueKey = $state('value');
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.list = new Resource(() => app.api.call('billing.meters.list', { limit: 100 }));
  }

  get meaning(): string {
    return meterFormulas[this.formula].description;
  }

  async create(): Promise<Meter | undefined> {
    const valueKey = this.valueKey.trim();
    const meter = await this.task.run(() =>
      this.#app.change('billing.meters.create', {
        displayName: this.displayName.trim(),
        eventName: this.eventName.trim(),
        defaultAggregation: { formula: this.formula },
        ...(valueKey && valueKey !== 'value'
          ? { valueSettings: { eventPayloadKey: valueKey } }
          : {}),
      }),
    );
    if (meter) {
      this.displayName = '';
      this.eventName = '';
      this.#app.notify('info', `Created ${meter.id}: price it in the builder below.`);
    }
    return meter;
  }

  async setActive(id: string, active: boolean): Promise<void> {
    await this.task.run(() =>
      this.#app.change(active ? 'billing.meters.reactivate' : 'billing.meters.deactivate', id),
    );
  }
}

/**
 * A batch line: `customer, value[, identifier][, timestamp]`; the timestamp is unix seconds or
 * a UTC time. Blank lines and lines starting with # are skipped. Values stay strings (decimals
 * travel exactly).
 */
export function parseEventBatch(
  text: string,
  meter: Pick<Meter, 'eventName' | 'customerMapping' | 'valueSettings'> | null,
): MeterEventCreateArgs[] {
  if (!meter) return [];
  const events: MeterEventCreateArgs[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [customer = '', value = '', ...rest] = line.split(/\s*[,;\t]\s*/);
    const event: MeterEventCreateArgs = {
      eventName: meter.eventName,
      payload: {
        [meter.customerMapping.eventPayloadKey]: customer,
        ...(value !== '' ? { [meter.valueSettings.eventPayloadKey]: value } : {}),
      },
    };
    for (const part of rest) {
      if (/^\d+$/.test(part)) event.timestamp = Number(part);
      else if (/^\d{4}-\d\d-\d\d/.test(part))
        event.timestamp = fromDateTimeInput(part.replace(/Z$/, '')) ?? (part as never);
      else if (part !== '') event.identifier = part;
    }
    events.push(event);
  }
  return events;
}

/** Daily summaries as chart points, oldest first. */
export function summaryPoints(summaries: readonly MeterEventSummary[]): { x: number; y: number }[] {
  return [...summaries]
    .sort((a, b) => a.startTime - b.startTime)
    .map((summary) => ({ x: summary.startTime, y: Number(summary.aggregatedValue) }));
}

/** The Usage view's meter events, summaries and alerts. */
export class MeterEventsState {
  readonly meters: Resource<List<Meter>>;
  readonly customers: Resource<List<Customer>>;
  readonly summaries: Resource<MeterEventSummary[] | null>;
  readonly alerts: Resource<List<BillingAlert>>;
  readonly triggered: Resource<List<BillingEvent>>;
  readonly eventTask = new Task();
  readonly batchTask = new Task();
  readonly cancelTask = new Task();
  readonly alertTask = new Task();
  meter = $state('');
  customer = $state('');
  value = $state('1');
  identifier = $state('');
  batchText = $state('');
  cancelIdentifier = $state('');
  alertTitle = $state('');
  alertGte = $state('100');
  alertForCustomer = $state(true);
  lastResult = $state<string | null>(null);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.meters = new Resource(() => app.api.call('billing.meters.list', { limit: 100 }));
    this.customers = new Resource(() => app.api.call('customers.list', { limit: lookupLimit }));
    this.alerts = new Resource(() => app.api.call('billing.alerts.list', { limit: 100 }));
    this.triggered = new Resource(() =>
      app.api.call('events.list', { type: 'billing.alert.triggered', limit: 20 }),
    );
    this.summaries = new Resource(async () => {
      const meter = this.chosenMeter;
      const customer = this.chosenCustomer;
      const now = app.clock?.frozenTime;
      if (!meter || !customer || now === undefined) return null;
      // The 30 UTC days up to and including the clock's day.
      const endTime = now - (now % DAY) + DAY;
      const page = await app.api.call('billing.meters.eventSummaries', meter.id, {
        customer,
        startTime: endTime - 30 * DAY,
        endTime,
        valueGroupingWindow: 'day',
        limit: 30,
      });
      return page.data;
    });
  }

  async load(): Promise<void> {
    await Promise.all([this.meters.load(), this.customers.load()]);
    void this.summaries.load();
    void this.alerts.load();
    void this.triggered.load();
  }

  get chosenMeter(): Meter | null {
    const meters = this.meters.value?.data ?? [];
    return meters.find((m) => m.id === this.meter) ?? meters[0] ?? null;
  }

  get chosenCustomer(): string | null {
    const customers = this.customers.value?.data ?? [];
    return (customers.find((c) => c.id === this.customer) ?? customers[0])?.id ?? null;
  }

  /** The event as the form says; without a timestamp the engine uses the clock's time. */
  get eventArgs(): MeterEventCreateArgs {
    const meter = this.chosenMeter;
    const identifier = this.identifier.trim();
    return {
      eventName: meter?.eventName ?? '',
      payload: {
        [meter?.customerMapping.eventPayloadKey ?? 'customer']: this.chosenCustomer ?? '',
        ...(this.value.trim() !== ''
          ? { [meter?.valueSettings.eventPayloadKey ?? 'value']: this.value.trim() }
          : {}),
      },
      ...(identifier ? { identifier } : {}),
    };
  }

  /** The SDK call that does the same as the form. */
  get sdkCall(): string {
    const args = this.eventArgs;
    const payload = Object.entries(args.payload)
      .map(([key, value]) => `${key}: ${literal(value)}`)
      .join(', ');
    const lines = [
      `  eventName: ${literal(args.eventName)},`,
      `  payload: { ${payload} },`,
      args.identifier
        ? `  identifier: ${literal(args.identifier)},`
        : '  // identifier omitted: mev_…',
      `  // timestamp omitted: the test clock's frozenTime`,
    ];
    return `await vinr.billing.meterEvents.create({\n${lines.join('\n')}\n});`;
  }

  get batchEvents(): MeterEventCreateArgs[] {
    return parseEventBatch(this.batchText, this.chosenMeter);
  }

  get batchCall(): string {
    const events = this.batchEvents;
    const shown = events.slice(0, 4).map((e) => `    ${JSON.stringify(e)},`);
    if (events.length > 4) shown.push(`    // … ${events.length - 4} more`);
    const create = events[0]
      ? `// One event per call in Stripe's API:\nawait vinr.billing.meterEvents.create(${JSON.stringify(events[0])});\n// Meterlab's batch, all or nothing:\n`
      : '';
    return `${create}await vinr.billing.meterEvents.createBatch({\n  events: [\n${shown.join('\n')}\n  ],\n});`;
  }

  /** The batch line the engine's error points at ('events[3].payload.value' -> 3). */
  get rejectedIndex(): number | null {
    const match = /^events\[(\d+)\]/.exec(this.batchTask.error?.param ?? '');
    return match ? Number(match[1]) : null;
  }

  async send(): Promise<void> {
    const event = await this.eventTask.run(() =>
      this.#app.change('billing.meterEvents.create', this.eventArgs),
    );
    if (event) {
      this.lastResult = `Accepted ${event.identifier}: ${event.payload[this.chosenMeter?.valueSettings.eventPayloadKey ?? 'value'] ?? '(no value)'}.`;
      this.identifier = '';
    }
  }

  async sendBatch(): Promise<void> {
    const events = this.batchEvents;
    const result = await this.batchTask.run(() =>
      this.#app.change('billing.meterEvents.createBatch', { events }),
    );
    if (result) this.lastResult = `Accepted ${result.count} events.`;
  }

  async cancel(): Promise<void> {
    const meter = this.chosenMeter;
    const identifier = this.cancelIdentifier.trim();
    if (!meter || !identifier) return;
    const adjustment = await this.cancelTask.run(() =>
      this.#app.change('billing.meterEventAdjustments.create', {
        eventName: meter.eventName,
        type: 'cancel',
        cancel: { identifier },
      }),
    );
    if (adjustment) {
      this.lastResult = `Canceled the event '${identifier}': it counts nowhere now.`;
      this.cancelIdentifier = '';
    }
  }

  async createAlert(): Promise<void> {
    const meter = this.chosenMeter;
    const customer = this.chosenCustomer;
    if (!meter) return;
    const gte = Number(this.alertGte.trim());
    const alert = await this.alertTask.run(() =>
      this.#app.change('billing.alerts.create', {
        alertType: 'usage_threshold',
        title: this.alertTitle.trim() || `${meter.displayName} ≥ ${this.alertGte.trim()}`,
        usageThreshold: {
          meter: meter.id,
          gte: Number.isFinite(gte) && this.alertGte.trim() !== '' ? gte : (this.alertGte as never),
          recurrence: 'one_time',
          ...(this.alertForCustomer && customer
            ? { filters: [{ type: 'customer' as const, customer }] }
            : {}),
        },
      }),
    );
    if (alert) this.alertTitle = '';
  }

  /** Triggered alerts as rows: when, which alert, whose usage, the value. */
  get triggeredRows(): { id: string; created: number; data: BillingAlertTriggered }[] {
    return (this.triggered.value?.data ?? []).map((event) => ({
      id: event.id,
      created: event.created,
      data: event.data as unknown as BillingAlertTriggered,
    }));
  }
}
