// Catalog: products, prices, and the price builder. The builder keeps the form as text, turns it
// into PriceCreateArgs (and a draft Price for quotes), and lets the engine judge it: every change
// is quoted on the draft, so the engine's own validation names the bad field while typing.
import type { PriceCreateArgs, PriceTierArgs, QuotablePrice } from '../../core/simulator/api';
import type {
  AggregateUsage,
  Interval,
  List,
  Meter,
  Price,
  Product,
  Quote,
  UsageType,
} from '../../core/public/types';
import { asApiError, type ApiError } from '../api/client';
import { pricingModels } from '../../core/public/descriptions';
import type { AppState } from './app.svelte';
import { humanMessage } from '../lib/errors';
import { Resource, Task } from './resource.svelte';

export type PriceModel = 'per_unit' | 'package' | 'graduated' | 'volume';

/** The price builder's models, in the engine's own words (core/public/descriptions). */
export const priceModels: { id: PriceModel; label: string; hint: string }[] = (
  Object.keys(pricingModels) as PriceModel[]
).map((id) => ({ id, label: pricingModels[id].title, hint: pricingModels[id].description }));

export interface TierDraft {
  key: number;
  upTo: string;
  unitAmountDecimal: string;
  flatAmountDecimal: string;
}

export interface CurveSeries {
  mode: PriceModel;
  points: { x: number; y: number }[];
}

/** A field's error from the engine, or from the builder before it could ask. */
export interface FieldIssue {
  param: string | null;
  message: string;
}

/** '12' -> 12; anything else is passed on as typed, for the engine to name and reject. */
function wholeOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function optionalText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}

export class PriceBuilder {
  product = $state('');
  currency = $state('EUR');
  nickname = $state('');
  usageType = $state<UsageType>('metered');
  aggregateUsage = $state<AggregateUsage>('sum');
  /** A meter id: the price bills the meter's events (recurring.meter) instead of usage records. */
  meter = $state('');
  interval = $state<Interval>('month');
  intervalCount = $state('1');
  model = $state<PriceModel>('per_unit');
  /** Which argument the per-unit amount is sent as. */
  amountParam = $state<'unitAmount' | 'unitAmountDecimal'>('unitAmountDecimal');
  amount = $state('0.2');
  divideBy = $state('1000');
  round = $state<'up' | 'down'>('up');
  tiers = $state<TierDraft[]>([
    { key: 1, upTo: '1000', unitAmountDecimal: '0', flatAmountDecimal: '' },
    { key: 2, upTo: '10000', unitAmountDecimal: '0.2', flatAmountDecimal: '500' },
    { key: 3, upTo: 'inf', unitAmountDecimal: '0.1', flatAmountDecimal: '' },
  ]);
  /** The quantity whose explanation is shown beside the curve. */
  probe = $state('2500');
  /** Right end of the curve; empty means chosen from the tiers or package size. */
  curveMax = $state('');
  #nextTierKey = 4;

  get tiered(): boolean {
    return this.model === 'graduated' || this.model === 'volume';
  }

  /** The arguments for prices.create, exactly as the form says (the engine validates them). */
  get args(): PriceCreateArgs {
    const recurring: PriceCreateArgs['recurring'] = {
      interval: this.interval,
      intervalCount: Number(this.intervalCount),
      usageType: this.usageType,
      ...(this.usageType !== 'metered'
        ? {}
        : this.meter
          ? { meter: this.meter }
          : { aggregateUsage: this.aggregateUsage }),
    };
    const common = {
      product: this.product,
      currency: this.currency.trim(),
      ...(this.nickname.trim() ? { nickname: this.nickname.trim() } : {}),
      recurring,
    };
    if (this.tiered) {
      return {
        ...common,
        billingScheme: 'tiered',
        tiersMode: this.model === 'volume' ? 'volume' : 'graduated',
        tiers: this.tiers.map((tier) => this.#tierArgs(tier)),
      };
    }
    const amount = this.amount.trim();
    return {
      ...common,
      billingScheme: 'per_unit',
      ...(this.amountParam === 'unitAmount'
        ? { unitAmount: Number(amount) }
        : { unitAmountDecimal: amount }),
      ...(this.model === 'package'
        ? { transformQuantity: { divideBy: Number(this.divideBy), round: this.round } }
        : {}),
    };
  }

  #tierArgs(tier: TierDraft): PriceTierArgs {
    const upTo = tier.upTo.trim() === 'inf' || tier.upTo.trim() === '∞' ? 'inf' : tier.upTo;
    const unit = optionalText(tier.unitAmountDecimal);
    const flat = optionalText(tier.flatAmountDecimal);
    return {
      // An upTo that is not a whole number goes to the engine as typed, to be named and refused.
      upTo: (upTo === 'inf' ? 'inf' : wholeOrText(upTo)) as number | 'inf',
      ...(unit !== null ? { unitAmountDecimal: unit } : {}),
      ...(flat !== null ? { flatAmountDecimal: flat } : {}),
    };
  }

  /** The price the form describes, as the engine's quote takes it (in `mode`'s tiers mode). */
  draft(mode: PriceModel = this.model): QuotablePrice {
    const { product: _product, ...args } = this.args;
    return args.billingScheme === 'tiered' && (mode === 'graduated' || mode === 'volume')
      ? { ...args, tiersMode: mode }
      : args;
  }

  /** Problems the builder can name before asking the engine. */
  get localIssues(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!this.product) issues.push({ param: 'product', message: 'Pick a product for the price.' });
    if (!this.tiered && this.amountParam === 'unitAmount' && !/^\d+$/.test(this.amount.trim())) {
      issues.push({
        param: 'unitAmount',
        message:
          'unitAmount takes whole minor units (5 = EUR 0.05); use unitAmountDecimal for fractions.',
      });
    }
    return issues;
  }

  /** Quantities to quote for the curve: evenly spaced, plus both sides of each tier boundary. */
  get curveQuantities(): number[] {
    const max = this.curveEnd;
    const points: number[] = [];
    const steps = 40;
    for (let i = 0; i <= steps; i += 1) points.push(Math.round((max * i) / steps));
    if (this.tiered) {
      for (const tier of this.tiers) {
        const upTo = Number(tier.upTo);
        if (Number.isInteger(upTo) && upTo > 0 && upTo < max) {
          points.push(upTo);
          points.push(upTo + 1);
        }
      }
    } else if (this.model === 'package') {
      const size = Number(this.divideBy);
      if (Number.isInteger(size) && size > 0 && max / size <= 20) {
        for (let units = size; units < max; units += size) {
          points.push(units);
          points.push(units + 1);
        }
      }
    }
    return points
      .sort((a, b) => a - b)
      .filter((point, index, sorted) => index === 0 || point !== sorted[index - 1]);
  }

  get curveEnd(): number {
    const chosen = Number(this.curveMax);
    if (Number.isInteger(chosen) && chosen > 0) return chosen;
    if (this.tiered) {
      const bounds = this.tiers.map((t) => Number(t.upTo)).filter((n) => Number.isInteger(n));
      const last = Math.max(0, ...bounds);
      return last > 0 ? Math.ceil(last * 1.5) : 100;
    }
    if (this.model === 'package') {
      const size = Number(this.divideBy);
      return Number.isInteger(size) && size > 0 ? size * 5 : 100;
    }
    return 100;
  }

  /** The curves to draw: the chosen model, and for tiers the other mode too, to compare. */
  get curveModes(): PriceModel[] {
    if (!this.tiered) return [this.model];
    return this.model === 'graduated' ? ['graduated', 'volume'] : ['volume', 'graduated'];
  }

  addTier(): void {
    const last = this.tiers.at(-1);
    const before = this.tiers.slice(0, -1);
    const previous = Number(before.at(-1)?.upTo ?? 0);
    const upTo = Number.isInteger(previous) ? String(previous * 2 || 100) : '';
    this.tiers = [
      ...before,
      { key: this.#nextTierKey++, upTo, unitAmountDecimal: '0', flatAmountDecimal: '' },
      ...(last ? [last] : []),
    ];
  }

  removeTier(key: number): void {
    if (this.tiers.length > 1) this.tiers = this.tiers.filter((tier) => tier.key !== key);
  }
}

export class CatalogState {
  readonly products: Resource<List<Product>>;
  readonly prices: Resource<List<Price>>;
  /** Active meters, for pricing by meter. */
  readonly meters: Resource<List<Meter>>;
  readonly builder = new PriceBuilder();
  readonly productTask = new Task();
  readonly priceTask = new Task();
  productName = $state('');
  /** The engine's verdict on the draft (null while it is fine). */
  draftError = $state<ApiError | null>(null);
  curve = $state.raw<CurveSeries[]>([]);
  probeQuote = $state.raw<Quote | null>(null);
  #quoteSequence = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.products = new Resource(() => app.api.call('products.list', { limit: 100 }));
    this.prices = new Resource(() => app.api.call('prices.list', { limit: 100 }));
    this.meters = new Resource(() =>
      app.api.call('billing.meters.list', { status: 'active', limit: 100 }),
    );
  }

  load(): void {
    void this.products.load().then(() => {
      const first = this.products.value?.data[0];
      if (!this.builder.product && first) this.builder.product = first.id;
    });
    void this.prices.load();
    void this.meters.load();
  }

  productLabel(id: string): string {
    return this.products.value?.data.find((p) => p.id === id)?.name ?? id;
  }

  /** The issue to show at a field: the builder's own, else the engine's when its param matches. */
  issueFor(param: string): string | null {
    const local = this.builder.localIssues.find((issue) => issue.param === param);
    if (local) return local.message;
    // The draft check runs before anything is typed: a missing product is the card above's job
    // (nothing is red on arrival); once Create price is pressed, the engine's word shows.
    const error = this.priceTask.error ?? (param === 'product' ? null : this.draftError);
    return error && error.param === param ? humanMessage(error.envelope) : null;
  }

  /** An engine error that no field shows (its param is not on the form). */
  get unplacedError(): ApiError | null {
    const error = this.priceTask.error ?? this.draftError;
    if (!error) return null;
    return error.param && fieldParams(this.builder).includes(error.param) ? null : error;
  }

  async createProduct(): Promise<void> {
    const name = this.productName.trim();
    if (!name) return;
    const product = await this.productTask.run(() => this.#app.change('products.create', { name }));
    if (!product) return;
    this.productName = '';
    this.builder.product = product.id;
  }

  async createPrice(): Promise<Price | undefined> {
    if (this.builder.localIssues.length) return undefined;
    const price = await this.priceTask.run(() =>
      this.#app.change('prices.create', this.builder.args),
    );
    if (price) {
      this.builder.nickname = '';
      // The next step of the flow: a price bills once a customer subscribes to it.
      this.#app.notify('info', `Created ${price.id}.`, {
        label: 'Subscribe a customer',
        run: () => this.#app.go('customers'),
      });
    }
    return price;
  }

  /** Quotes the draft again after the form settles (typing should not send a request per key). */
  scheduleQuotes(delayMs = 150): void {
    this.priceTask.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refreshQuotes(), delayMs);
  }

  async refreshQuotes(): Promise<void> {
    const sequence = ++this.#quoteSequence;
    const builder = this.builder;
    if (builder.localIssues.some((issue) => issue.param !== 'product')) {
      this.curve = [];
      this.probeQuote = null;
      return;
    }
    const api = this.#app.api;
    try {
      const probe = Number(builder.probe);
      const draft = builder.draft();
      const probeQuote = await api.call('quote', draft, Number.isInteger(probe) ? probe : 0);
      const quantities = builder.curveQuantities;
      const curve = await Promise.all(
        builder.curveModes.map(async (mode) => {
          const price = builder.draft(mode);
          const quotes = await Promise.all(quantities.map((q) => api.call('quote', price, q)));
          return { mode, points: quotes.map((q) => ({ x: q.quantity, y: q.amount })) };
        }),
      );
      if (sequence !== this.#quoteSequence) return;
      this.draftError = null;
      this.probeQuote = probeQuote;
      this.curve = curve;
    } catch (error) {
      if (sequence !== this.#quoteSequence) return;
      this.draftError = asApiError(error);
      this.curve = [];
      this.probeQuote = null;
    }
  }
}

/** Params the builder has a field for (tier params included). */
export function fieldParams(builder: PriceBuilder): string[] {
  const params = [
    'product',
    'currency',
    'nickname',
    'unitAmount',
    'unitAmountDecimal',
    'transformQuantity.divideBy',
    'recurring.intervalCount',
    'recurring.aggregateUsage',
    'recurring.meter',
  ];
  builder.tiers.forEach((_tier, index) => {
    params.push(`tiers[${index}].upTo`, `tiers[${index}].unitAmountDecimal`);
    params.push(`tiers[${index}].flatAmountDecimal`);
  });
  return params;
}
