// Invoices: the list with status badges, one invoice in detail, the actions an open invoice
// allows, the engine's preview of the invoice the open period will produce, and the exports
// (CSV, JSON, and a print page or PDF of one invoice or all).
import type {
  Customer,
  Invoice,
  InvoiceStatus,
  List,
  Subscription,
  UpcomingInvoice,
} from '../../core/public/types';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export class InvoicesState {
  readonly invoices: Resource<List<Invoice>>;
  readonly context: Resource<{ customers: List<Customer>; subscriptions: List<Subscription> }>;
  readonly upcoming: Resource<UpcomingInvoice | null>;
  readonly task = new Task();
  /** The invoice shown; null shows the newest. */
  selected = $state<string | null>(null);
  status = $state<InvoiceStatus | ''>('');
  upcomingFor = $state('');
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.invoices = new Resource(() => app.api.call('invoices.list', { limit: 100 }));
    this.context = new Resource(async () => ({
      customers: await app.api.call('customers.list', { limit: 100 }),
      subscriptions: await app.api.call('subscriptions.list', { limit: 100 }),
    }));
    this.upcoming = new Resource(async () => {
      const subscription = this.upcomingSubscription;
      return subscription ? app.api.call('invoices.upcoming', { subscription }) : null;
    });
  }

  async load(): Promise<void> {
    await Promise.all([this.invoices.load(), this.context.load()]);
    await this.upcoming.load();
  }

  get filtered(): Invoice[] {
    const all = this.invoices.value?.data ?? [];
    return this.status ? all.filter((i) => i.status === this.status) : all;
  }

  get invoice(): Invoice | null {
    const all = this.invoices.value?.data ?? [];
    return all.find((i) => i.id === this.selected) ?? all[0] ?? null;
  }

  get liveSubscriptions(): Subscription[] {
    return (this.context.value?.subscriptions.data ?? []).filter((s) => s.endedAt === null);
  }

  get upcomingSubscription(): string | null {
    const live = this.liveSubscriptions;
    return live.find((s) => s.id === this.upcomingFor)?.id ?? live[0]?.id ?? null;
  }

  customerName(id: string): string {
    return this.context.value?.customers.data.find((c) => c.id === id)?.name ?? id;
  }

  chooseUpcoming(subscription: string): void {
    this.upcomingFor = subscription;
    void this.upcoming.load();
  }

  pay(id: string): Promise<unknown> {
    return this.task.run(() => this.#app.change('invoices.pay', id));
  }

  voidInvoice(id: string): Promise<unknown> {
    return this.task.run(() => this.#app.change('invoices.voidInvoice', id));
  }

  markUncollectible(id: string): Promise<unknown> {
    return this.task.run(() => this.#app.change('invoices.markUncollectible', id));
  }

  /** Downloads all invoices of the open scenario as CSV (one row per line) or JSON. */
  async exportFile(format: 'csv' | 'json'): Promise<void> {
    const file = await this.task.run(() =>
      this.#app.api.call('workspace.exportInvoices', { format }),
    );
    if (file) this.#app.saveFile(file);
  }

  /** One invoice, or all when none is given: a print tab in a browser, a saved PDF in Electron. */
  async print(invoice?: string): Promise<void> {
    // Called straight from the click: a browser opens the tab only within the user's gesture.
    const outcome = await this.task.run(() => this.#app.api.printInvoices(invoice));
    if (outcome?.kind === 'opened') {
      this.#app.notify('info', 'The print page opened in a new tab: print it or save it as PDF.');
    } else if (outcome?.kind === 'saved') {
      this.#app.notify('info', `Saved the PDF to ${outcome.path}.`);
    }
  }
}
