// The aggregation lab: one item's usage on a timeline, and per period what sum, max,
// last_during_period and last_ever would bill under a chosen price, beside what each meter
// formula would bill for the same stream, all computed by the engine; and the price's move to a
// meter.
import type { RecordsVsMeters, StrategyComparison, UsageSeries } from '../../core/public/types';
import { migrationPlan, priceArgsFor, type MigrationPlan } from '../lib/migration';
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
  /** The same stream billed by the legacy strategies and the meter formulas. */
  readonly models: Resource<RecordsVsMeters | null>;
  /** How many distinct ids the stream's events draw from (unique_count). */
  uniqueValues = $state(10);
  readonly migrateTask = new Task();
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
    this.models = new Resource(async () => {
      const item = this.chosenItem;
      if (!item) return null;
      const price = this.chosenPrice?.id;
      return app.api.call('analysis.recordsVsMeters', {
        subscriptionItem: item.id,
        uniqueValues: this.uniqueValues,
        ...(price ? { price } : {}),
      });
    });
  }

  async load(): Promise<void> {
    await this.catalog.load();
    await Promise.all([this.series.load(), this.comparison.load(), this.models.load()]);
  }

  /** The chosen price's move to a meter, or null when it is not a legacy metered price. */
  get migration(): MigrationPlan | null {
    const price = this.chosenPrice;
    const models = this.models.value;
    if (!price || !models || models.price !== price.id) return null;
    return migrationPlan(price, price.nickname ?? 'Usage', models);
  }

  /** Creates the proposed meter, then the price on it (the old price stays). */
  async migrate(): Promise<void> {
    const plan = this.migration;
    const price = this.chosenPrice;
    if (!plan || !price) return;
    await this.migrateTask.run(async () => {
      const meter = await this.#app.change('billing.meters.create', plan.meterArgs);
      const created = await this.#app.change(
        'prices.create',
        priceArgsFor(price, meter.id) as never,
      );
      this.#app.notify('info', `Created ${meter.id} and ${created.id}: subscribe customers to it.`);
    });
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
    void this.models.load();
  }

  choosePrice(id: string): void {
    this.price = id;
    void this.comparison.load();
    void this.models.load();
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
