// Compare: 2 to 5 metered prices applied by the engine to the same usage, shown per calendar
// month and per customer, with each candidate's difference to the price marked as current. The
// engine sums the charts and sends one page of the table (10,000 customers are 20,000 rows).
import type { PriceComparison } from '../../core/public/types';
import type { Coupon, Customer, List, Price, Subscription } from '../../core/public/types';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';
import { minorUnits } from '../lib/money-input';
import { namesById } from '../../core/public/compare-groups';
import { narrowChoices, type Choice } from '../lib/choices';

export const minCompared = 2;
export const maxCompared = 5;
/** Rows of the per-period, per-customer table shown at a time. */
export const tableRows = 100;

export class CompareState {
  readonly coupons: Resource<List<Coupon>>;
  readonly prices: Resource<List<Price>>;
  readonly context: Resource<{ customers: List<Customer>; subscriptions: List<Subscription> }>;
  readonly result: Resource<PriceComparison | null>;
  selected = $state<string[]>([]);
  /** Per candidate price: a coupon id and a minimum per period (major units), or empty. */
  adjustments = $state<Record<string, { coupon: string; minimum: string }>>({});
  /** The price the others are measured against ("the current price"). */
  baseline = $state('');
  subscription = $state('');
  /** The first row of the table's page (the table shows `tableRows` at a time). */
  rowOffset = $state(0);
  /** Part of a customer's name (or a subscription id) that narrows the choice of subscription. */
  find = $state('');
  readonly task = new Task();
  readonly #app: AppState;
  /** Customer names by id, made once per load (a search of the list per row was O(n²)). */
  readonly #names: ReadonlyMap<string, string>;

  constructor(app: AppState) {
    this.#app = app;
    this.prices = new Resource(() => app.api.call('prices.list', { limit: 100 }));
    this.coupons = new Resource(() => app.api.call('coupons.list', { limit: 100 }));
    this.context = new Resource(() => app.lookups());
    this.#names = $derived(namesById(this.context.value?.customers.data ?? []));
    this.result = new Resource(async () => {
      if (!this.ready) return null;
      const baseline = this.baselinePrice;
      return app.api.call('analysis.comparePrices', {
        ...this.#comparedArgs(),
        page: {
          offset: this.rowOffset,
          limit: tableRows,
          ...(baseline ? { price: baseline } : {}),
        },
      });
    });
  }

  /**
   * Loads the lists and the comparison. The first time, the prices compared are chosen from the
   * lists, so the comparison waits for them (not for the coupons); after a change they are known,
   * and it is asked at once, beside them.
   */
  async load(): Promise<void> {
    const chosen = this.selected.length > 0;
    const lists = Promise.all([this.prices.load(), this.context.load()]);
    const coupons = this.coupons.load();
    if (!chosen) {
      await lists;
      this.#preselect();
    }
    await Promise.all([lists, coupons, this.result.load()]);
  }

  get metered(): Price[] {
    return (this.prices.value?.data ?? []).filter((p) => p.recurring.usageType === 'metered');
  }

  get ready(): boolean {
    return this.selected.length >= minCompared && this.selected.length <= maxCompared;
  }

  get baselinePrice(): string | null {
    return this.selected.includes(this.baseline) ? this.baseline : (this.selected[0] ?? null);
  }

  /** Starts with the price subscriptions use and the next prices of its currency. */
  #preselect(): void {
    const inUse = this.context.value?.subscriptions.data
      .flatMap((s) => s.items.data.map((i) => i.price))
      .find((id) => this.metered.some((p) => p.id === id));
    const first = this.metered.find((p) => p.id === inUse) ?? this.metered[0];
    if (!first) return;
    const same = this.metered.filter((p) => p.currency === first.currency && p.id !== first.id);
    this.selected = [first.id, ...same.slice(0, 2).map((p) => p.id)];
    this.baseline = first.id;
  }

  /** The engine's arguments: the prices, the usage, and each candidate's coupon and minimum. */
  #comparedArgs() {
    const adjustments = this.selected.flatMap((price) => {
      const entry = this.adjustments[price];
      const currency = this.prices.value?.data.find((p) => p.id === price)?.currency ?? 'EUR';
      const minimum = entry?.minimum.trim() ? minorUnits(entry.minimum, currency) : null;
      if (!entry?.coupon && minimum === null) return [];
      return [
        {
          price,
          ...(entry?.coupon ? { coupon: entry.coupon } : {}),
          ...(minimum !== null ? { minimumCommitment: { amount: minimum } } : {}),
        },
      ];
    });
    return {
      prices: this.selected,
      ...(this.subscription ? { subscription: this.subscription } : {}),
      ...(adjustments.length > 0 ? { adjustments } : {}),
    };
  }

  /** Sets a candidate's coupon or minimum and compares again. */
  adjust(price: string, change: Partial<{ coupon: string; minimum: string }>): void {
    const entry = this.adjustments[price] ?? { coupon: '', minimum: '' };
    this.adjustments = { ...this.adjustments, [price]: { ...entry, ...change } };
    void this.result.load();
  }

  /** Marks the price the others are measured against; the top customers are ranked by it. */
  chooseBaseline(price: string): void {
    this.baseline = price;
    void this.result.load();
  }

  toggle(price: string): void {
    if (this.selected.includes(price)) this.selected = this.selected.filter((p) => p !== price);
    else if (this.selected.length < maxCompared) this.selected = [...this.selected, price];
    void this.result.load();
  }

  /** Downloads what the chart shows, revenue per calendar month and price, as CSV or JSON. */
  async exportFile(format: 'csv' | 'json'): Promise<void> {
    if (!this.ready) return;
    const file = await this.task.run(() =>
      this.#app.api.call('workspace.exportComparison', { ...this.#comparedArgs(), format }),
    );
    if (file) this.#app.saveFile(file);
  }

  chooseSubscription(id: string): void {
    this.subscription = id;
    this.rowOffset = 0;
    void this.result.load();
  }

  /** Every subscription whose usage can be compared alone, labelled with its customer. */
  get subscriptionChoices(): Choice[] {
    return (this.context.value?.subscriptions.data ?? []).map((s) => ({
      id: s.id,
      label: `${this.customerName(s.customer)} · ${s.id}`,
    }));
  }

  /** The subscriptions the choice shows: a few of those matching `find`, and the one chosen. */
  get shownSubscriptions(): Choice[] {
    return narrowChoices(this.subscriptionChoices, this.find, this.subscription || null);
  }

  /** Subscriptions compared that have more than one metered item, with how many they have. */
  get multiItem(): { subscription: Subscription; metered: number }[] {
    const metered = this.metered.map((price) => price.id);
    return (this.context.value?.subscriptions.data ?? [])
      .filter((s) => !this.subscription || s.id === this.subscription)
      .map((subscription) => ({
        subscription,
        metered: subscription.items.data.filter((item) => metered.includes(item.price)).length,
      }))
      .filter((entry) => entry.metered > 1);
  }

  customerName(id: string): string {
    return this.#names.get(id) ?? id;
  }

  /** Moves the table a page on or back, within `total` rows, and asks the engine for it. */
  pageRows(direction: 1 | -1, total: number): void {
    const next = this.rowOffset + direction * tableRows;
    this.rowOffset = Math.max(0, Math.min(next, total - 1));
    void this.result.load();
  }

  priceName(id: string): string {
    const price = this.prices.value?.data.find((p) => p.id === id);
    return price?.nickname ?? id;
  }
}
