// Invoices: the list with status badges, one invoice in detail, the actions an open invoice
// allows, the engine's preview of the invoice the open period will produce, and the exports
// (CSV, JSON, and a print page or PDF of one invoice or all).
import type {
  Customer,
  Invoice,
  InvoicePage,
  InvoiceStatus,
  List,
  Subscription,
  UpcomingInvoice,
} from '../../core/public/types';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export const invoicePageSize = 50;

export class InvoicesState {
  readonly invoices: Resource<InvoicePage>;
  readonly context: Resource<{ customers: List<Customer>; subscriptions: List<Subscription> }>;
  readonly upcoming: Resource<UpcomingInvoice | null>;
  readonly task = new Task();
  /** The invoice shown; null shows the newest. */
  selected = $state<string | null>(null);
  status = $state<InvoiceStatus | ''>('');
  /** The first invoice of the page shown, counted newest first from 0. */
  offset = $state(0);
  upcomingFor = $state('');
  /** "Print all" prints the zero invoices made at subscription creation too. */
  includeZero = $state(false);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.invoices = new Resource(() =>
      app.api.call('analysis.invoicePage', {
        offset: this.offset,
        limit: invoicePageSize,
        ...(this.status ? { status: this.status } : {}),
      }),
    );
    this.context = new Resource(() => app.lookups());
    this.upcoming = new Resource(async () => {
      const subscription = this.upcomingSubscription;
      return subscription ? app.api.call('invoices.upcoming', { subscription }) : null;
    });
  }

  async load(): Promise<void> {
    await Promise.all([this.invoices.load(), this.context.load()]);
    await this.upcoming.load();
  }

  /** The page shown (the engine filters by status). */
  get filtered(): Invoice[] {
    return this.invoices.value?.data ?? [];
  }

  /** Invoices matching the filter, in all pages. */
  get total(): number {
    return this.invoices.value?.total ?? 0;
  }

  /** 'Invoices 51–100 of 866' as numbers: the page's first and last, counted from 1. */
  get shown(): { first: number; last: number } {
    const count = this.filtered.length;
    return { first: count ? this.offset + 1 : 0, last: this.offset + count };
  }

  get hasPrevious(): boolean {
    return this.offset > 0;
  }

  get hasNext(): boolean {
    return this.offset + invoicePageSize < this.total;
  }

  filter(status: InvoiceStatus | ''): Promise<void> {
    this.status = status;
    this.offset = 0;
    return this.invoices.load();
  }

  page(direction: 1 | -1): Promise<void> {
    this.offset = Math.max(0, this.offset + direction * invoicePageSize);
    return this.invoices.load();
  }

  get invoice(): Invoice | null {
    const all = this.invoices.value?.data ?? [];
    const wanted = this.selected ?? this.#app.focusInvoice;
    return all.find((i) => i.id === wanted) ?? all[0] ?? null;
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

  /**
   * Downloads all invoices of the open scenario as CSV (one row per line) or JSON, or with
   * `by: 'calendar-month'` what was billed per calendar month (as Compare sums, open months marked).
   */
  async exportFile(format: 'csv' | 'json', by?: 'calendar-month'): Promise<void> {
    const file = await this.task.run(() =>
      this.#app.api.call('workspace.exportInvoices', by ? { format, by } : { format }),
    );
    if (file) this.#app.saveFile(file);
  }

  /** Zero invoices made at subscription creation, which "Print all" leaves out by default. */
  get zeroAtCreation(): number {
    return this.invoices.value?.zeroAtCreation ?? 0;
  }

  /**
   * One invoice, or all when none is given (without the zero creation invoices unless
   * includeZero): a print tab in a browser, a saved PDF in Electron.
   */
  async print(invoice?: string): Promise<void> {
    const all = invoice === undefined;
    const options = all && this.includeZero ? { includeZero: true } : undefined;
    const left = all && !this.includeZero ? this.zeroAtCreation : 0;
    const leftOut = left
      ? ` ${left.toLocaleString('en')} zero invoice${left === 1 ? '' : 's'} made at subscription creation ${left === 1 ? 'is' : 'are'} left out.`
      : '';
    // Called straight from the click: a browser opens the tab only within the user's gesture.
    const outcome = await this.task.run(() => this.#app.api.printInvoices(invoice, options));
    if (outcome?.kind === 'opened') {
      this.#app.notify(
        'info',
        `The print page opened in a new tab: print it or save it as PDF.${leftOut}`,
      );
    } else if (outcome?.kind === 'saved') {
      this.#app.notify('info', `Saved the PDF to ${outcome.path}.${leftOut}`);
    }
  }
}
