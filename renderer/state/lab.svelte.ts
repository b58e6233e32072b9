// The aggregation lab: one item's usage on a timeline, and per period what sum, max,
// last_during_period and last_ever would bill under a chosen price, all computed by the engine.
import type { StrategyComparison, UsageSeries } from '../../core/public/types';
import type { AggregateUsage, Price } from '../../core/public/types';
import type { DecidingMark } from '../lib/usage-chart';
import { formatCount } from '../lib/count';
import { formatTime } from '../lib/time';
import { aggregationStrategies } from '../../core/public/descriptions';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';
import { loadCatalog, meteredItems, type MeteredItem } from './usage.svelte';

/** The four strategies, in the engine's own words (core/public/descriptions). */
export const strategies: { id: AggregateUsage; label: string; use: string }[] = (
  Object.keys(aggregationStrategies) as AggregateUsage[]
).map((id) => ({ id, label: id, use: aggregationStrategies[id].useFor }));

export class LabState {
  readonly catalog: Resource<Awaited<ReturnType<typeof loadCatalog>>>;
  readonly series: Resource<UsageSeries | null>;
  readonly comparison: Resource<StrategyComparison | null>;
  item = $state('');
  price = $state('');
  strategy = $state<AggregateUsage | null>(null);
  readonly task = new Task();
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.catalog = new Resource(() => loadCatalog(app));
    this.series = new Resource(async () =>
      this.chosenItem
        ? app.api.call('analysis.usageSeries', { subscriptionItem: this.chosenItem.id })
        : null,
    );
    this.comparison = new Resource(async () => {
      const item = this.chosenItem;
      if (!item) return null;
      const price = this.chosenPrice?.id;
      return app.api.call('analysis.strategies', {
        subscriptionItem: item.id,
        ...(price ? { price } : {}),
      });
    });
  }

  async load(): Promise<void> {
    await this.catalog.load();
    await Promise.all([this.series.load(), this.comparison.load()]);
  }

  get items(): MeteredItem[] {
    return meteredItems(this.catalog.value);
  }

  get chosenItem(): MeteredItem | null {
    const items = this.items;
    const wanted = [this.item, this.#app.focusItem];
    return items.find((i) => wanted.includes(i.id)) ?? items[0] ?? null;
  }

  /** Metered prices in the item's currency: the candidates to bill its usage with. */
  get prices(): Price[] {
    const currency = this.chosenItem?.price.currency;
    return (this.catalog.value?.prices.data ?? []).filter(
      (p) => p.recurring.usageType === 'metered' && p.currency === currency,
    );
  }

  get chosenPrice(): Price | null {
    return this.prices.find((p) => p.id === this.price) ?? this.chosenItem?.price ?? null;
  }

  /** The strategy highlighted: the one picked, else the price's own. */
  get chosenStrategy(): AggregateUsage {
    return this.strategy ?? this.chosenPrice?.recurring.aggregateUsage ?? 'sum';
  }

  /** The records that decided the chosen strategy's quantity, one per period (none for sum). */
  get marks(): DecidingMark[] {
    const strategy = this.chosenStrategy;
    return (this.comparison.value?.periods ?? []).flatMap((period) => {
      const { aggregation } = period.strategies[strategy];
      if (aggregation.decidingTimestamp === null || strategy === 'sum') return [];
      return [
        {
          timestamp: aggregation.decidingTimestamp,
          quantity: aggregation.quantity,
          label: `${strategy}: ${formatCount(aggregation.quantity)} at ${formatTime(aggregation.decidingTimestamp)}`,
        },
      ];
    });
  }

  chooseItem(id: string): void {
    this.item = id;
    this.price = '';
    this.#app.focusItem = id;
    void this.series.load();
    void this.comparison.load();
  }

  choosePrice(id: string): void {
    this.price = id;
    void this.comparison.load();
  }

  chooseStrategy(strategy: AggregateUsage): void {
    this.strategy = strategy;
  }

  /** last_ever and last_during_period agree while every period has records of its own. */
  get lastStrategiesAgree(): boolean {
    return (this.comparison.value?.periods ?? []).every(
      (period) =>
        period.strategies.last_ever.aggregation.quantity ===
        period.strategies.last_during_period.aggregation.quantity,
    );
  }

  /**
   * The lesson of last_ever: close the period with no new records, so the next one opens empty:
   * last_during_period bills 0 there, last_ever carries the last value over.
   */
  advanceToSeeCarryOver(): Promise<unknown> {
    const item = this.chosenItem;
    if (!item) return Promise.resolve();
    this.strategy = 'last_ever';
    return this.task.run(() =>
      this.#app.change('testClock.advanceBillingPeriod', { subscription: item.subscription }),
    );
  }
}
