// Customers and subscriptions: test cards, subscribe, swap or resize an item with the proration
// behaviour, cancel now or at period end. The upcoming invoice comes from the engine.
import type {
  Coupon,
  Customer,
  CustomerPage,
  List,
  Price,
  ProrationBehavior,
  Subscription,
  TaxRate,
  TestCard,
  UpcomingInvoice,
} from '../../core/public/types';
import type { SubscriptionUpdateArgs } from '../../core/simulator/api';
import { formatMoney } from '../../core/public/format';
import { formatTime } from '../lib/time';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';
import { describeCoupon } from './coupons.svelte';
import { SubscribeForm } from './subscribe-form.svelte';
import { describeTaxRate } from './tax-rates.svelte';

export const testCards: { id: TestCard; label: string }[] = [
  { id: 'pm_card_visa', label: 'Visa: payments succeed' },
  { id: 'pm_card_chargeDeclined', label: 'Declined card' },
  { id: 'pm_card_chargeDeclinedInsufficientFunds', label: 'Insufficient funds' },
];

export const prorationBehaviors: { id: ProrationBehavior; label: string }[] = [
  { id: 'create_prorations', label: 'create_prorations: on the next invoice' },
  { id: 'always_invoice', label: 'always_invoice: invoice at once' },
  { id: 'none', label: 'none: no proration (metered usage so far is discarded)' },
];

export const customerPageSize = 50;

export class CustomersState {
  readonly customers: Resource<CustomerPage>;
  readonly subscriptions: Resource<List<Subscription>>;
  readonly prices: Resource<List<Price>>;
  readonly coupons: Resource<List<Coupon>>;
  readonly taxRates: Resource<List<TaxRate>>;
  readonly upcoming: Resource<UpcomingInvoice | null>;
  readonly task = new Task();
  name = $state('');
  email = $state('');
  card = $state<TestCard>('pm_card_visa');
  /** Whether the name's problem is shown: after a submit, until a customer is created. */
  showNameError = $state(false);
  selected = $state<string | null>(null);
  /** The customers list: its first row (newest first, from 0) and the name searched for. */
  offset = $state(0);
  search = $state('');
  /** The subscribe form: prices ticked (a quantity for licensed ones) and the options. */
  readonly subscribeForm = new SubscribeForm();
  changeSubscription = $state<string | null>(null);
  changeItem = $state('');
  changePrice = $state('');
  changeQuantity = $state('1');
  prorationBehavior = $state<ProrationBehavior>('create_prorations');
  invoiceNow = $state(true);
  #chosen = $state.raw<Customer | null>(null);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.customers = new Resource(() =>
      app.api.call('analysis.customerPage', {
        offset: this.offset,
        limit: customerPageSize,
        ...(this.search.trim() ? { name: this.search.trim() } : {}),
      }),
    );
    // The selected customer's subscriptions only: the list stays small however many there are.
    this.subscriptions = new Resource(() =>
      app.api.call('subscriptions.list', {
        limit: 100,
        ...(this.selected ? { customer: this.selected } : {}),
      }),
    );
    this.prices = new Resource(() => app.api.call('prices.list', { limit: 100 }));
    this.coupons = new Resource(() => app.api.call('coupons.list', { limit: 100 }));
    this.taxRates = new Resource(() => app.api.call('taxRates.list', { limit: 100 }));
    // With the change form open: the next invoice as it would be after the proposed change.
    this.upcoming = new Resource(async () => {
      const subscription = this.changeSubscription;
      if (!subscription) return null;
      const proposed = this.proposedUpdate();
      return app.api.call('invoices.upcoming', { subscription, ...(proposed ?? {}) });
    });
  }

  load(): void {
    void this.customers.load().then(() => {
      if (!this.selected) this.select(this.customers.value?.data[0]?.id ?? null);
    });
    void this.subscriptions.load();
    void this.prices.load();
    void this.coupons.load();
    void this.taxRates.load();
    void this.upcoming.load();
  }

  select(id: string | null): void {
    this.selected = id;
    this.#chosen = this.customers.value?.data.find((c) => c.id === id) ?? null;
    void this.subscriptions.load();
  }

  /** Customers matching the search, in all pages. */
  get total(): number {
    return this.customers.value?.total ?? 0;
  }

  page(direction: 1 | -1): Promise<void> {
    this.offset = Math.max(0, this.offset + direction * customerPageSize);
    return this.customers.load();
  }

  find(text: string): Promise<void> {
    this.search = text;
    this.offset = 0;
    return this.customers.load();
  }

  /** The selected customer, still shown when the list pages or searches past it. */
  get customer(): Customer | null {
    const onPage = this.customers.value?.data.find((c) => c.id === this.selected);
    return onPage ?? (this.#chosen?.id === this.selected ? this.#chosen : null);
  }

  subscriptionsOf(customer: string): Subscription[] {
    return this.subscriptions.value?.data.filter((s) => s.customer === customer) ?? [];
  }

  price(id: string): Price | undefined {
    return this.prices.value?.data.find((p) => p.id === id);
  }

  /** A subscription's trial, coupons, tax rates and minimum, in words. */
  termsOf(subscription: Subscription): string[] {
    const coupon = (id: string) => this.coupons.value?.data.find((c) => c.id === id);
    const rate = (id: string) => this.taxRates.value?.data.find((r) => r.id === id);
    const minimum = subscription.minimumCommitment;
    return [
      ...(subscription.trialEnd !== null
        ? [`Trial until ${formatTime(subscription.trialEnd)}`]
        : []),
      ...subscription.discounts.map((discount) => {
        const found = coupon(discount.coupon);
        const name = found
          ? `${found.name ?? found.id} (${describeCoupon(found)})`
          : discount.coupon;
        return `Coupon ${name}${discount.end === null ? '' : ` until ${formatTime(discount.end)}`}`;
      }),
      ...subscription.defaultTaxRates.map((id) => {
        const found = rate(id);
        return `Tax ${found ? describeTaxRate(found) : id}`;
      }),
      ...(minimum ? [`Minimum ${formatMoney(minimum.amount, minimum.currency)} per period`] : []),
    ];
  }

  get nameError(): string | null {
    return this.name.trim() ? null : 'name: give the customer a name.';
  }

  async createCustomer(): Promise<void> {
    this.showNameError = true;
    if (this.nameError) return;
    const email = this.email.trim();
    const customer = await this.task.run(() =>
      this.#app.change('customers.create', {
        name: this.name.trim(),
        ...(email ? { email } : {}),
        paymentMethod: this.card,
      }),
    );
    if (!customer) return;
    this.showNameError = false;
    this.name = '';
    this.email = '';
    this.offset = 0;
    this.search = '';
    this.select(customer.id);
  }

  async setCard(customer: string, card: TestCard): Promise<void> {
    await this.task.run(() =>
      this.#app.change('customers.update', customer, { paymentMethod: card }),
    );
  }

  isTicked(price: string): boolean {
    return this.subscribeForm.isTicked(price);
  }

  toggle(price: string): void {
    const form = this.subscribeForm;
    form.toggle(price);
    // The minimum and the spend threshold are in the subscription's currency: its prices'.
    const first = form.lines[0] && this.price(form.lines[0].price);
    if (first) form.currency = first.currency;
  }

  async subscribe(): Promise<void> {
    const customer = this.selected;
    const form = this.subscribeForm;
    if (!customer || form.lines.length === 0) return;
    const args = form.args(customer, (id) => this.price(id));
    const created = await form.submit(() => this.#app.change('subscriptions.create', args));
    if (!created) return;
    form.reset();
    this.#app.focusItem = created.items.data[0]?.id ?? null;
    // The next step of the flow: usage for the new item (the Usage view opens on it).
    this.#app.notify('info', `Subscribed: ${created.id}.`, {
      label: 'Report usage',
      run: () => this.#app.go('usage'),
    });
  }

  /** Opens the change panel of a subscription, on its first item. */
  startChange(subscription: Subscription): void {
    this.changeSubscription = subscription.id;
    const item = subscription.items.data[0];
    this.changeItem = item?.id ?? '';
    this.changePrice = item?.price ?? '';
    this.changeQuantity = String(item?.quantity ?? 1);
    void this.upcoming.load();
  }

  closeChange(): void {
    this.changeSubscription = null;
    void this.upcoming.load();
  }

  /** The subscriptions.update arguments the change form describes, or null when incomplete. */
  proposedUpdate(): SubscriptionUpdateArgs | null {
    if (!this.changeItem || !this.changePrice) return null;
    const licensed = this.price(this.changePrice)?.recurring.usageType === 'licensed';
    return {
      items: [
        {
          id: this.changeItem,
          price: this.changePrice,
          ...(licensed ? { quantity: Number(this.changeQuantity) } : {}),
        },
      ],
      prorationBehavior: this.prorationBehavior,
    };
  }

  /** Re-asks the engine for the preview after the change form was edited. */
  refreshPreview(): void {
    void this.upcoming.load();
  }

  async applyChange(): Promise<void> {
    const id = this.changeSubscription;
    const update = this.proposedUpdate();
    if (!id || !update) return;
    await this.task.run(() => this.#app.change('subscriptions.update', id, update));
  }

  async cancelAtPeriodEnd(subscription: Subscription): Promise<void> {
    await this.task.run(() =>
      this.#app.change('subscriptions.update', subscription.id, {
        cancelAtPeriodEnd: !subscription.cancelAtPeriodEnd,
      }),
    );
  }

  async cancelNow(subscription: Subscription): Promise<void> {
    await this.task.run(() =>
      this.#app.change('subscriptions.cancel', subscription.id, { invoiceNow: this.invoiceNow }),
    );
  }
}
