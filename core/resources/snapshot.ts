// The engine's whole state as plain JSON, with ordered, pure migrations on load. Usage lives in
// columns of numbers; hosts may move those columns to a binary sidecar (splitSnapshot).
import { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { schemaProblems } from '../values/validation';
import { snapshotSchema } from './snapshot-schema';
import type { StoredGenerator } from '../rules/usage/generated';
import { valuesFrom } from '../rules/usage/columns';
import type { UsageColumns, UsageValues } from '../rules/usage/columns';
import { EMPTY_METER_EVENTS } from '../rules/meters/store';
import type { MeterEventsJson } from '../rules/meters/store';
import type { StoredMeterGenerator } from '../rules/meters/generated';
import type {
  BillingAlert,
  BillingEvent,
  Coupon,
  CreditBalanceTransaction,
  CreditGrant,
  Customer,
  CustomerBalanceTransaction,
  Invoice,
  InvoiceLine,
  Meter,
  Price,
  Product,
  SimulatorSettings,
  Subscription,
  TaxRate,
  TestClock,
  WebhookAttempt,
  WebhookQueueEntry,
  WebhookEndpoint,
} from '../public/types';

export const SNAPSHOT_SCHEMA_VERSION = 4;

/**
 * A scenario as the workspace keeps and saves it without copying usage: the snapshot's JSON part
 * (each item's usage listed as null) and the usage columns apart, owned by this view.
 */
export interface SaveView {
  snapshot: Snapshot;
  columns: ReadonlyMap<string, UsageColumns>;
}

/** A whole snapshot from a view: the usage columns as JSON arrays in it. */
export function joinColumns({ snapshot, columns }: SaveView): Snapshot {
  const usage: Snapshot['usage'] = {};
  for (const [item, stored] of columns) usage[item] = stored.toJSON();
  return { ...snapshot, usage };
}

/** Columns of usage numbers, kept out of the JSON by hosts that store them in a binary sidecar. */
export interface BulkColumns {
  timestamps: Uint32Array;
  /** Uint32 while every value fits one, else Float64 (as UsageColumns holds them). */
  values: UsageValues;
}

export interface UsageColumnsJson {
  timestamps: number[];
  values: number[];
}

export interface IdempotencyEntry {
  fingerprint: string;
  response: unknown;
  createdAt: number;
}

export interface PendingLine {
  subscription: string;
  line: InvoiceLine;
}

/** A mutating call as it was made, so a scenario can be replayed (usage is kept in `usage`). */
export interface JournalEntry {
  at: number;
  method: string;
  args: unknown[];
  /** The id a create call made, so later rewrites (materialize) can find it. */
  result?: string;
}

export interface Snapshot {
  schemaVersion: number;
  seed: number;
  idCounter: number;
  /** Usage records, events and generators count their ids apart, so the ids of everything else
   * don't depend on how usage was reported, which events a draft refresh emitted, or on
   * generators that were later materialized. */
  usageRecordCounter: number;
  eventCounter: number;
  generatorCounter: number;
  rngState: number;
  clock: TestClock;
  settings: SimulatorSettings;
  products: Product[];
  prices: Price[];
  customers: Customer[];
  subscriptions: Subscription[];
  /** Subscription id -> index of its current billing period. */
  periodIndex: Record<string, number>;
  invoices: Invoice[];
  events: BillingEvent[];
  webhookEndpoints: WebhookEndpoint[];
  /** Delivery tries hosts reported (webhookEndpoints.recordAttempt), newest last; optional, so
   * snapshots from before it need no migration. */
  webhookAttempts?: WebhookAttempt[];
  /** Events on their way to endpoints, in the order they were queued (optional, as above). */
  webhookQueue?: WebhookQueueEntry[];
  /** Every move of a customer's credit balance, oldest first. */
  balanceTransactions: CustomerBalanceTransaction[];
  coupons: Coupon[];
  taxRates: TaxRate[];
  creditGrants: CreditGrant[];
  /** Debits (applied, expired) and credits back (restored) of credit grants, oldest first. */
  creditBalanceTransactions: CreditBalanceTransaction[];
  pendingLines: PendingLine[];
  idempotency: Record<string, IdempotencyEntry>;
  journal: JournalEntry[];
  /** Usage generators: spec and cursor position; their records are regenerated on load. */
  generators: StoredGenerator[];
  /**
   * Subscription item id -> its usage columns (for items with generators: only the manually
   * reported records); null where a host moved them to `bulk`.
   */
  usage: Record<string, UsageColumnsJson | null>;
  /** Billing meters, their events in columns, and usage alerts (schemaVersion 3). */
  billing: BillingState;
}

export interface BillingState {
  meters: Meter[];
  alerts: BillingAlert[];
  /** Alert id -> the customers it fired for (one time each). */
  alertsFired: Record<string, string[]>;
  meterEvents: MeterEventsJson;
  /** Meter event generators: spec and cursor position (their events are in meterEvents);
   * optional, so snapshots from before them need no migration. */
  meterGenerators?: StoredMeterGenerator[];
}

export function emptyBillingState(): BillingState {
  return { meters: [], alerts: [], alertsFired: {}, meterEvents: { ...EMPTY_METER_EVENTS } };
}

export const DEFAULT_SETTINGS: SimulatorSettings = {
  finalizationDelaySeconds: 3600,
  retryScheduleDays: [1, 3, 5, 7],
  whenRetriesExhausted: 'cancel',
  idempotencyKeyTtlSeconds: 86_400,
  eventRetentionDays: 30,
  maxGeneratedRecordsPerAdvance: 200_000_000,
};

type Migration = (snapshot: Record<string, unknown>) => Record<string, unknown>;

type Json = Record<string, unknown>;

/** A version 1 line gains the pipeline's per-line parts (none: version 1 had no adjustments). */
function lineV2(line: Json): Json {
  return {
    type: 'subscription',
    discountable: line.proration !== true && (line.amount as number) > 0,
    discountAmounts: [],
    creditGrantAmounts: [],
    taxAmounts: [],
    ...line,
  };
}

/** A version 1 invoice: no discounts, credits or tax; a finalized one left the balance at 0. */
function invoiceV2(invoice: Json): Json {
  const lines = invoice.lines as Json;
  return {
    discounts: [],
    defaultTaxRates: [],
    totalDiscountAmounts: [],
    totalCreditGrantAmounts: [],
    tax: 0,
    totalTaxAmounts: [],
    totalExcludingTax: invoice.total,
    startingBalance: 0,
    endingBalance: invoice.status === 'draft' ? null : 0,
    steps: [],
    ...invoice,
    lines: { ...lines, data: (lines.data as Json[]).map(lineV2) },
  };
}

/** migrations[n] turns version n + 1 into n + 2. */
const migrations: Migration[] = [
  // 1 -> 2: money adjustments (credit balance, coupons, tax rates, credit grants, start options).
  (snapshot) => {
    const subscriptions = snapshot.subscriptions as Json[];
    const currencyOf = (customer: string) =>
      subscriptions.find((subscription) => subscription.customer === customer)?.currency ?? null;
    const withData = (event: Json) =>
      (event.data as Json).object === 'invoice'
        ? { ...event, data: invoiceV2(event.data as Json) }
        : event;
    return {
      ...snapshot,
      schemaVersion: 2,
      customers: (snapshot.customers as Json[]).map((customer) => ({
        balance: 0,
        currency: currencyOf(customer.id as string),
        ...customer,
      })),
      subscriptions: subscriptions.map((subscription) => ({
        startDate: subscription.created,
        trialStart: null,
        trialEnd: null,
        discounts: [],
        defaultTaxRates: [],
        minimumCommitment: null,
        ...subscription,
      })),
      invoices: (snapshot.invoices as Json[]).map(invoiceV2),
      events: (snapshot.events as Json[]).map(withData),
      pendingLines: (snapshot.pendingLines as Json[]).map((pending) => ({
        ...pending,
        line: lineV2(pending.line as Json),
      })),
      balanceTransactions: [],
      coupons: [],
      taxRates: [],
      creditGrants: [],
      creditBalanceTransactions: [],
    };
  },
  // 2 -> 3: billing meters; every earlier price bills usage records (no meter).
  (snapshot) => ({
    ...snapshot,
    schemaVersion: 3,
    prices: Array.isArray(snapshot.prices)
      ? snapshot.prices.map((price: { recurring?: object }) =>
          isRecord(price) && isRecord(price.recurring)
            ? { ...price, recurring: { ...price.recurring, meter: null } }
            : price,
        )
      : snapshot.prices,
    billing: emptyBillingState(),
  }),
  // 3 -> 4: billing thresholds; earlier subscriptions and items have none.
  (snapshot) => ({
    ...snapshot,
    schemaVersion: 4,
    subscriptions: Array.isArray(snapshot.subscriptions)
      ? snapshot.subscriptions.map((subscription: unknown) =>
          isRecord(subscription) && isRecord(subscription.items)
            ? {
                billingThresholds: null,
                ...subscription,
                items: {
                  ...subscription.items,
                  data: Array.isArray(subscription.items.data)
                    ? subscription.items.data.map((item: unknown) =>
                        isRecord(item) ? { billingThresholds: null, ...item } : item,
                      )
                    : subscription.items.data,
                },
              }
            : subscription,
        )
      : snapshot.subscriptions,
  }),
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Brings a stored snapshot of any known version to the current one, or explains what is wrong. */
export function migrateSnapshot(json: unknown, options: { checked?: boolean } = {}): Snapshot {
  if (!isRecord(json)) {
    throw invalidRequest(
      'snapshot_invalid',
      'snapshot',
      'The snapshot is not an object: pass what sim.snapshot() returned.',
    );
  }
  let version = json.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalidRequest(
      'snapshot_invalid',
      'snapshot.schemaVersion',
      'The snapshot has no valid schemaVersion: pass what sim.snapshot() returned.',
    );
  }
  if (version > SNAPSHOT_SCHEMA_VERSION) {
    throw invalidRequest(
      'snapshot_too_new',
      'snapshot.schemaVersion',
      `The snapshot is schemaVersion ${version}, newer than this Meterlab understands (${SNAPSHOT_SCHEMA_VERSION}): update Meterlab to open it.`,
    );
  }
  let current: Record<string, unknown> = json;
  while (version < SNAPSHOT_SCHEMA_VERSION) {
    current = migrations[version - 1]!(current);
    version += 1;
  }
  const snapshot = {
    ...(current as unknown as Snapshot),
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    settings: isRecord(current.settings)
      ? { ...DEFAULT_SETTINGS, ...current.settings }
      : current.settings,
  } as Snapshot;
  if (!options.checked) checkSnapshot(snapshot);
  return snapshot;
}

/** Problems listed in a refusal's message; the rest are counted. */
const LISTED_PROBLEMS = 10;
/** Problems gathered before a check stops looking. */
const PROBLEM_LIMIT = 1000;
/** Elements of a list checked between two yields of checkSnapshotSteps (well under a ms). */
const CHECK_SLICE = 16;

/**
 * Checks every value of a snapshot against the one snapshot schema; a damaged one is refused
 * with the path and reason of each problem (snapshot_invalid, the first problem's path as param).
 */
export function checkSnapshot(snapshot: Snapshot): void {
  const steps = checkSnapshotSteps(snapshot);
  while (!steps.next().done);
}

/**
 * checkSnapshot a slice at a time, yielding between slices: the snapshot with its lists empty,
 * then each list's elements, CHECK_SLICE at a time, against that list's element schema. The
 * schema has no rule across fields, so this finds the very problems one whole check finds.
 */
export function* checkSnapshotSteps(snapshot: Snapshot): Generator<void, void> {
  const head: Record<string, unknown> = { ...snapshot };
  const lists: [string, z.ZodType, unknown[]][] = [];
  for (const [key, schema] of Object.entries(snapshotSchema.shape)) {
    const value = head[key];
    if (!(schema instanceof z.ZodArray) || !Array.isArray(value)) continue;
    lists.push([key, schema.element as z.ZodType, value]);
    head[key] = [];
  }
  const problems = schemaProblems(snapshotSchema, head, 'snapshot', PROBLEM_LIMIT);
  for (const [key, element, values] of lists) {
    for (let i = 0; i < values.length && problems.length < PROBLEM_LIMIT; i++) {
      const prefix = `snapshot.${key}[${i}]`;
      problems.push(...schemaProblems(element, values[i], prefix, PROBLEM_LIMIT - problems.length));
      if (i % CHECK_SLICE === CHECK_SLICE - 1) yield;
    }
    yield;
  }
  if (problems.length === 0) return;
  const listed = problems.slice(0, LISTED_PROBLEMS).map((problem) => problem.message);
  const more = problems.length - listed.length;
  throw invalidRequest(
    'snapshot_invalid',
    problems[0]!.path,
    `The snapshot is damaged (the file was damaged or edited by hand), ${problems.length}${problems.length === PROBLEM_LIMIT ? '+' : ''} problem${problems.length === 1 ? '' : 's'}: ${listed.join(' ')}${more > 0 ? ` And ${more} more.` : ''}`,
  );
}

/** A snapshot's lists that only grow, and whose elements stop changing (see SETTLED). */
export type SettlingList =
  'invoices' | 'events' | 'journal' | 'balanceTransactions' | 'creditBalanceTransactions';

/**
 * For each list that grows without bound, whether an element of it has settled: it never
 * changes again (the rule checkpoints rely on too). Paid and void invoices are final; events,
 * journal entries and ledger transactions never change once added. Hosts store settled
 * elements once and write only the rest again (electron/scenario-parts.ts).
 */
export const SETTLED: Record<SettlingList, (element: never) => boolean> = {
  invoices: (invoice: Invoice) => invoice.status === 'paid' || invoice.status === 'void',
  events: () => true,
  journal: () => true,
  balanceTransactions: () => true,
  creditBalanceTransactions: () => true,
};

export const SETTLING_LISTS = Object.keys(SETTLED) as SettlingList[];

/** Moves the usage columns out of the JSON, for hosts that store them as binary. */
export function splitSnapshot(snapshot: Snapshot): {
  json: Snapshot;
  bulk: Record<string, BulkColumns>;
} {
  const bulk: Record<string, BulkColumns> = {};
  const usage: Record<string, null> = {};
  for (const [item, columns] of Object.entries(snapshot.usage)) {
    if (!columns) continue;
    bulk[item] = {
      timestamps: Uint32Array.from(columns.timestamps),
      values: valuesFrom(columns.values),
    };
    usage[item] = null;
  }
  return { json: { ...snapshot, usage }, bulk };
}

/** The inverse of splitSnapshot. */
export function joinSnapshot(json: Snapshot, bulk: Record<string, BulkColumns>): Snapshot {
  const usage: Record<string, UsageColumnsJson | null> = {};
  for (const [item, columns] of Object.entries(json.usage)) {
    const stored = columns ?? bulk[item];
    if (!stored) {
      throw invalidRequest(
        'snapshot_invalid',
        `snapshot.usage.${item}`,
        `The usage of ${item} is missing from the bulk data: restore the .usage.bin file saved beside the workspace.`,
      );
    }
    usage[item] = columns ?? {
      timestamps: Array.from(stored.timestamps as ArrayLike<number>),
      values: Array.from(stored.values as ArrayLike<number>),
    };
  }
  return { ...json, usage };
}
