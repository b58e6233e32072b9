// The clock bar: advance the scenario's test clock by a step, to a date, or past the end of a
// subscription's billing period. The engine does the work; this keeps the bar's form and status.
import type { Customer, List, Subscription } from '../../core/public/types';
import { asApiError, type ApiError } from '../api/client';
import { fromDateTimeInput, toDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { Resource } from './resource.svelte';

export const clockSteps = [
  { label: '+1 hour', seconds: 3600 },
  { label: '+1 day', seconds: 86_400 },
  { label: '+1 week', seconds: 604_800 },
] as const;

export class ClockState {
  /** What is running now ('Advancing billing period'), or null. */
  busy = $state<string | null>(null);
  error = $state<ApiError | null>(null);
  target = $state('');
  subscription = $state('');
  /** Milliseconds the last advance took, end to end. */
  lastDurationMs = $state<number | null>(null);
  readonly subscriptions: Resource<{
    subscriptions: List<Subscription>;
    customers: List<Customer>;
  }>;
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.subscriptions = new Resource(async () => ({
      subscriptions: await app.api.call('subscriptions.list', { limit: 100 }),
      customers: await app.api.call('customers.list', { limit: 100 }),
    }));
  }

  /** Subscriptions whose period can still be advanced, labelled with their customer. */
  get choices(): { id: string; label: string }[] {
    const loaded = this.subscriptions.value;
    if (!loaded) return [];
    const names = Object.fromEntries(loaded.customers.data.map((c) => [c.id, c.name]));
    return loaded.subscriptions.data
      .filter((s) => s.status !== 'canceled' && s.endedAt === null)
      .map((s) => ({ id: s.id, label: `${names[s.customer] ?? s.customer} · ${s.id}` }));
  }

  /** The subscription "advance billing period" acts on: the chosen one or the first. */
  get chosenSubscription(): string | null {
    const choices = this.choices;
    return choices.find((c) => c.id === this.subscription)?.id ?? choices[0]?.id ?? null;
  }

  get targetTime(): number | null {
    return fromDateTimeInput(this.target);
  }

  resetTarget(frozenTime: number): void {
    this.target = toDateTimeInput(frozenTime + 86_400);
  }

  advanceBy(seconds: number): Promise<void> {
    const now = this.#app.clock?.frozenTime;
    if (now === undefined) return Promise.resolve();
    return this.#run('Advancing the clock', () =>
      this.#app.change('testClock.advance', { frozenTime: now + seconds }),
    );
  }

  advanceToTarget(): Promise<void> {
    const frozenTime = this.targetTime;
    if (frozenTime === null) return Promise.resolve();
    return this.#run('Advancing the clock', () =>
      this.#app.change('testClock.advance', { frozenTime }),
    );
  }

  advanceBillingPeriod(): Promise<void> {
    const subscription = this.chosenSubscription;
    if (!subscription) return Promise.resolve();
    return this.#run('Advancing the billing period', () =>
      this.#app.change('testClock.advanceBillingPeriod', { subscription }),
    );
  }

  async #run(label: string, work: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.busy = label;
    this.error = null;
    const started = performance.now();
    try {
      await work();
      this.lastDurationMs = performance.now() - started;
    } catch (error) {
      this.error = asApiError(error);
    } finally {
      this.busy = null;
    }
  }
}
