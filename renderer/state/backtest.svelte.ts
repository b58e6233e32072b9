// Backtest: a usage file (uploaded, chosen in the desktop app's dialog, or the shipped sample) or
// a ClickHouse table, its columns mapped, hypotheses picked (catalog prices, a prices.json), then
// the host reads, aggregates (DuckDB, or the ClickHouse server) and prices it, and the view reads
// the results: revenue per period, who wins and loses against the current hypothesis, who is at
// risk, and any cell explained. Editing a hypothesis re-prices the last run's aggregates.
import {
  hypothesisFromPrice,
  isAtRisk,
  type BacktestOutcome,
  type ColumnMapping,
  type UsageFileHandle,
  type UsagePreview,
  type UsageSourceArgs,
} from '../../core/public/backtest';
import type { BacktestLine } from '../../core/rules/backtest';
import type { List, Price } from '../../core/public/types';
import { ApiError, asApiError } from '../api/client';
import { currencyExponent } from '../../core/public/format';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';
import { minorUnits } from '../lib/money-input';

export type CustomerRow = BacktestOutcome['hypotheses'][number]['byCustomer'][number];
export type SortKey = 'customer' | 'amount' | 'change' | 'changePct';

/** A prices.json is a small file of hypotheses: anything larger is not one. */
export const MAX_PRICES_FILE_BYTES = 1024 * 1024;

/** One hypothesis as the form holds it: a prices.json entry and its optional adjustments. */
export interface HypothesisDraft {
  key: string;
  name: string;
  meter: string;
  /** The pricing fields of prices.create (currency, billingScheme, tiers, recurring, ...). */
  fields: Record<string, unknown>;
  /** A percent-off coupon for its first `couponMonths` periods (empty: every period). */
  couponPct: string;
  couponMonths: string;
  /** A minimum per period in major units of the currency. */
  minimum: string;
}

/** A prices.json entry as a draft: its key, name and meter apart, its adjustments as text. */
export function draftOf(entry: Record<string, unknown>): HypothesisDraft {
  const { key, name, meter, coupon, minimumCommitment, ...rest } = entry;
  const given = coupon as { percentOff?: number; duration?: string; durationInMonths?: number };
  // The form edits a percent-off coupon for some months or all; any other coupon (amountOff,
  // once) stays as the prices.json gave it.
  const editable = given?.percentOff !== undefined && given.duration !== 'once';
  const fields = coupon === undefined || editable ? rest : { ...rest, coupon };
  const percent = editable ? given.percentOff : undefined;
  const months = editable ? given.durationInMonths : undefined;
  const minimum = (minimumCommitment as { amount?: number } | undefined)?.amount;
  const currency = String(fields.currency ?? 'EUR');
  return {
    key: String(key ?? ''),
    name: String(name ?? key ?? ''),
    meter: String(meter ?? ''),
    fields,
    couponPct: percent === undefined ? '' : String(percent),
    couponMonths: months === undefined ? '' : String(months),
    minimum: minimum === undefined ? '' : majorText(minimum, currency),
  };
}

/** Minor units as the text a person types ('12.50'), digit by digit. */
function majorText(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return String(minor);
  const digits = String(minor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** The draft as a prices.json entry, as the host checks it (coupon and minimum only if set). */
export function entryOf(draft: HypothesisDraft): Record<string, unknown> {
  const currency = String(draft.fields.currency ?? 'EUR');
  const percent = draft.couponPct.trim();
  const months = draft.couponMonths.trim();
  const minimum = draft.minimum.trim();
  return {
    ...draft.fields,
    key: draft.key,
    name: draft.name,
    meter: draft.meter,
    ...(percent
      ? {
          coupon: {
            percentOff: Number(percent),
            ...(months
              ? { duration: 'repeating', durationInMonths: Number(months) }
              : { duration: 'forever' }),
          },
        }
      : {}),
    // A minimum the currency cannot hold goes as typed: the host names the field.
    ...(minimum ? { minimumCommitment: { amount: minorUnits(minimum, currency) ?? minimum } } : {}),
  };
}

/** The rows sorted by a column; ties by customer, so the order is stable. */
export function sortRows(
  rows: readonly CustomerRow[],
  key: SortKey,
  descending: boolean,
): CustomerRow[] {
  const sign = descending ? -1 : 1;
  const value = (row: CustomerRow) =>
    key === 'changePct' ? (row.changePct ?? Number.POSITIVE_INFINITY) : row[key];
  return [...rows].sort((a, b) => {
    const byKey =
      key === 'customer'
        ? a.customer.localeCompare(b.customer, 'en', { numeric: true })
        : (value(a) as number) - (value(b) as number);
    return sign * byKey || a.customer.localeCompare(b.customer, 'en', { numeric: true });
  });
}

/** The buckets of the distribution of changes: bounds in percent, lower exclusive. */
export const CHANGE_BUCKETS = [
  { label: '≤ −50%', test: (pct: number) => pct <= -50 },
  { label: '−50 to −20%', test: (pct: number) => pct > -50 && pct <= -20 },
  { label: '−20 to −5%', test: (pct: number) => pct > -20 && pct <= -5 },
  { label: '−5 to 0%', test: (pct: number) => pct > -5 && pct < 0 },
  { label: 'unchanged', test: (pct: number) => pct === 0 },
  { label: '0 to 5%', test: (pct: number) => pct > 0 && pct < 5 },
  { label: '5 to 20%', test: (pct: number) => pct >= 5 && pct < 20 },
  { label: '20 to 50%', test: (pct: number) => pct >= 20 && pct < 50 },
  { label: '≥ 50%', test: (pct: number) => pct >= 50 },
] as const;

/** How many customers fall in each bucket of change vs current; `new` pays from nothing. */
export function changeDistribution(rows: readonly CustomerRow[]): {
  labels: string[];
  counts: number[];
} {
  const counts: number[] = CHANGE_BUCKETS.map(() => 0);
  let fromNothing = 0;
  for (const row of rows) {
    if (row.changePct === null) fromNothing += 1;
    else counts[CHANGE_BUCKETS.findIndex((bucket) => bucket.test(row.changePct!))]! += 1;
  }
  return {
    labels: [...CHANGE_BUCKETS.map((bucket) => bucket.label), 'from nothing'],
    counts: [...counts, fromNothing],
  };
}

export class BacktestState {
  /** Where the usage is: a file, or a ClickHouse table (its server's URL and its name). */
  sourceKind = $state<'file' | 'clickhouse'>('file');
  clickhouse = $state({ url: 'http://127.0.0.1:8123', table: '' });
  file = $state.raw<UsageFileHandle | null>(null);
  preview = $state.raw<UsagePreview | null>(null);
  mapping = $state<ColumnMapping>({
    customer: null,
    meter: null,
    timestamp: null,
    quantity: null,
    action: null,
  });
  drafts = $state<HypothesisDraft[]>([]);
  current = $state('');
  skipBadRows = $state(false);
  /** Only usage in [from, until), as ISO dates ('' for no bound). */
  from = $state('');
  until = $state('');
  riskThresholdPct = $state(20);
  outcome = $state.raw<BacktestOutcome | null>(null);
  /** The hypothesis the customer table, distribution and at-risk list compare with current. */
  shown = $state('');
  sortKey = $state<SortKey>('change');
  descending = $state(true);
  /** The cell whose invoice line is shown. */
  cell = $state.raw<{ customer: string; period: number; hypothesis: string } | null>(null);
  line = $state.raw<BacktestLine | null>(null);
  /** Choosing and previewing a file; running; exporting and explaining. */
  readonly source = new Task();
  readonly running = new Task();
  readonly task = new Task();
  readonly prices: Resource<List<Price>>;
  readonly #app: AppState;
  /** The hypotheses (prices.json text) the shown results were priced with. */
  #priced = '';
  /** Counts re-pricings: only the latest one's answer is shown. */
  #repricings = 0;

  constructor(app: AppState) {
    this.#app = app;
    this.prices = new Resource(() =>
      app.scenario ? app.api.call('prices.list', { limit: 100 }) : Promise.resolve(emptyList()),
    );
  }

  get metered(): Price[] {
    return (this.prices.value?.data ?? []).filter((p) => p.recurring.usageType === 'metered');
  }

  /** The meters seen in the preview's rows, for the hypotheses' meter fields. */
  get meters(): string[] {
    const column = this.mapping.meter;
    if (!column || !this.preview) return [];
    const seen = this.preview.rows.map((row) => row[column] ?? '').filter(Boolean);
    return seen.filter((meter, index) => seen.indexOf(meter) === index);
  }

  get error(): ApiError | null {
    return this.source.error ?? this.running.error ?? this.task.error;
  }

  /** The source as the host's methods take it. */
  get sourceArgs(): UsageSourceArgs | null {
    if (this.sourceKind === 'clickhouse') return { clickhouse: { ...this.clickhouse } };
    return this.file ? { file: this.file.id } : null;
  }

  /** A source and hypotheses: the host names what else is missing (a column of the mapping). */
  get ready(): boolean {
    return this.sourceArgs !== null && this.drafts.length > 0;
  }

  /** The shown hypothesis's results (default: the first that is not current). */
  get shownResult() {
    const hypotheses = this.outcome?.hypotheses ?? [];
    return (
      hypotheses.find((h) => h.key === this.shown) ??
      hypotheses.find((h) => h.key !== this.outcome?.current) ??
      hypotheses[0] ??
      null
    );
  }

  get sortedRows(): CustomerRow[] {
    return sortRows(this.shownResult?.byCustomer ?? [], this.sortKey, this.descending);
  }

  /** Customers whose bill rises more than the threshold under the shown hypothesis, worst first. */
  get atRisk(): CustomerRow[] {
    const rows = (this.shownResult?.byCustomer ?? []).filter((row) =>
      isAtRisk(row, this.riskThresholdPct),
    );
    return sortRows(rows, 'change', true);
  }

  atRiskCount(key: string): number {
    const hypothesis = this.outcome?.hypotheses.find((h) => h.key === key);
    return (hypothesis?.byCustomer ?? []).filter((row) => isAtRisk(row, this.riskThresholdPct))
      .length;
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else [this.sortKey, this.descending] = [key, key !== 'customer'];
  }

  /** Lets the user choose a usage file (dialog or upload), then previews it. */
  async chooseFile(): Promise<void> {
    const file = await this.source.run(() => this.#app.api.chooseUsageFile());
    if (file) await this.#use(file);
  }

  async #use(file: UsageFileHandle): Promise<boolean> {
    this.sourceKind = 'file';
    this.file = file;
    return this.#preview({ file: file.id });
  }

  /** A file or a ClickHouse table: the preview shown belongs to the one chosen before. */
  setSourceKind(kind: 'file' | 'clickhouse'): void {
    if (kind === this.sourceKind) return;
    this.sourceKind = kind;
    this.preview = null;
    this.source.clear();
  }

  /** The ClickHouse table's columns and first rows, and the guessed mapping. */
  async previewTable(): Promise<void> {
    this.sourceKind = 'clickhouse';
    await this.#preview({ clickhouse: { ...this.clickhouse } });
  }

  async #preview(source: UsageSourceArgs): Promise<boolean> {
    // Results belong to the source they were read from: a new one starts over.
    this.preview = null;
    this.outcome = null;
    this.cell = null;
    this.line = null;
    const preview = await this.source.run(() => this.#app.api.call('backtest.preview', source));
    if (!preview) return false;
    this.preview = preview;
    this.mapping = { ...preview.mapping };
    return true;
  }

  /** A prices.json's text: its entries become the hypotheses (the first is current). */
  loadPricesJson(name: string, text: string): void {
    this.source.clear();
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch (error) {
      this.#fail(`${name} is not JSON: ${(error as Error).message}`);
      return;
    }
    if (
      !Array.isArray(entries) ||
      entries.length === 0 ||
      !entries.every((entry) => typeof entry === 'object' && entry !== null)
    ) {
      this.#fail(`${name} is not a list of hypotheses: [{ "key", "name", "meter", ... }].`);
      return;
    }
    this.#setDrafts((entries as Record<string, unknown>[]).map(draftOf));
  }

  #fail(message: string): void {
    const envelope = { type: 'invalid_request_error', code: 'parameter_invalid', param: 'prices' };
    this.source.error = new ApiError({ ...envelope, message });
  }

  #setDrafts(drafts: HypothesisDraft[]): void {
    this.drafts = drafts;
    if (!drafts.some((draft) => draft.key === this.current)) this.current = drafts[0]?.key ?? '';
  }

  /** A catalog price as a hypothesis on `meter` (the first meter of the preview by default). */
  addPrice(price: Price): void {
    if (this.drafts.some((draft) => draft.key === price.id)) return;
    const meter = this.meters[0] ?? '';
    this.#setDrafts([...this.drafts, draftOf(hypothesisFromPrice(price, meter))]);
  }

  remove(key: string): void {
    this.#setDrafts(this.drafts.filter((draft) => draft.key !== key));
  }

  /** One click: the shipped sample file with its hypotheses, previewed and run. */
  async trySample(): Promise<void> {
    const sample = await this.source.run(() => this.#app.api.call('backtest.sample'));
    if (!sample) return;
    this.#setDrafts((sample.hypotheses as Record<string, unknown>[]).map(draftOf));
    this.current = this.drafts[0]?.key ?? '';
    if (await this.#use(sample.file)) await this.run();
  }

  async run(): Promise<void> {
    const source = this.sourceArgs;
    if (!source) return;
    this.cell = null;
    this.line = null;
    const hypotheses = this.drafts.map(entryOf);
    this.#repricings += 1;
    const outcome = await this.running.run(() =>
      this.#app.api.call('backtest.run', {
        ...source,
        mapping: this.mapping,
        hypotheses,
        current: this.current,
        riskThresholdPct: this.riskThresholdPct,
        skipBadRows: this.skipBadRows,
        ...(this.from ? { from: this.from } : {}),
        ...(this.until ? { until: this.until } : {}),
      }),
    );
    if (outcome) {
      this.#priced = JSON.stringify(hypotheses);
      this.outcome = outcome;
      // Edits made while it ran are priced now.
      await this.edited();
    }
  }

  async cancel(): Promise<void> {
    await this.task.run(() => this.#app.api.call('backtest.cancel'));
  }

  /** Another current hypothesis: the last run is priced again (the usage is not read again). */
  async setCurrent(key: string): Promise<void> {
    this.current = key;
    if (!this.outcome || !this.outcome.hypotheses.some((h) => h.key === key)) return;
    await this.#reprice({ current: key, riskThresholdPct: this.riskThresholdPct });
  }

  /**
   * The hypotheses as edited (a coupon, a minimum, one removed): once results are shown, the
   * last run's aggregates are priced again with them. Each edit replaces the re-pricing before.
   */
  async edited(): Promise<void> {
    const hypotheses = this.drafts.map(entryOf);
    const text = JSON.stringify(hypotheses);
    if (!this.outcome || this.running.running || hypotheses.length === 0 || text === this.#priced)
      return;
    this.#priced = text;
    const current = hypotheses.some((h) => h.key === this.current)
      ? this.current
      : String(hypotheses[0]!.key);
    await this.#reprice({ hypotheses, current, riskThresholdPct: this.riskThresholdPct });
  }

  async #reprice(args: { current: string; riskThresholdPct: number; hypotheses?: unknown[] }) {
    const turn = ++this.#repricings;
    this.task.clear();
    try {
      const outcome = await this.#app.api.call('backtest.reprice', args);
      if (turn === this.#repricings) this.outcome = outcome;
    } catch (error) {
      // A newer edit's re-pricing replaced this one: its answer is the one to show.
      const superseded = error instanceof ApiError && error.code === 'backtest_superseded';
      if (turn === this.#repricings && !superseded) this.task.error = asApiError(error);
    }
  }

  /** The invoice line of a customer in a period under a hypothesis, with its explanation. */
  async explain(customer: string, period: number, hypothesis: string): Promise<void> {
    this.cell = { customer, period, hypothesis };
    this.line = null;
    const line = await this.task.run(() =>
      this.#app.api.call('backtest.explain', { customer, period, hypothesis }),
    );
    if (line !== undefined && this.cell?.customer === customer) this.line = line;
  }

  async exportFile(format: 'csv' | 'json'): Promise<void> {
    const file = await this.task.run(() => this.#app.api.call('backtest.export', { format }));
    if (file) this.#app.saveFile(file);
  }

  async print(): Promise<void> {
    const outcome = await this.task.run(() => this.#app.api.printBacktest());
    if (outcome?.kind === 'saved') this.#app.notify('info', `Saved the report as ${outcome.path}.`);
  }
}

function emptyList(): List<Price> {
  return { object: 'list', data: [], hasMore: false, url: '/v1/prices' } as List<Price>;
}
