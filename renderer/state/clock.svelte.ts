// The clock bar: advance the scenario's test clock by a step, to a date, or past the end of a
// subscription's billing period. The engine does the work; this keeps the bar's form and status.
import type { Customer, List, Subscription } from '../../core/public/types';
import { asApiError, type ApiError } from '../api/client';
import { formatTime, fromDateTimeInput, toDateTimeInput } from '../lib/time';
import type { AppState } from './app.svelte';
import { Resource } from './resource.svelte';
import { narrowChoices, type Choice } from '../lib/choices';

export const clockSteps = [
  { label: '+1 hour', seconds: 3600 },
  { label: '+1 day', seconds: 86_400 },
  { label: '+1 week', seconds: 604_800 },
] as const;

export { shownChoices } from '../lib/choices';

/** Jumps past this many billing periods in total, or this far, ask first. */
export const bigJump = { periods: 24, seconds: 366 * 86_400 };

export interface JumpEstimate {
  target: number;
  /** Billing periods that would close, over all live subscriptions (about: months vary). */
  periods: number;
  subscriptions: number;
}

/** The host's progress task names in words ('testClock.advance' -> 'Advancing the clock'). */
export function progressLabel(task: string | undefined): string {
  if (task === 'testClock.advance') return 'Advancing the clock';
  if (task === 'testClock.advanceBillingPeriod') return 'Advancing the billing period';
  if (task === 'backtest') return 'Running the backtest';
  return 'Clock work';
}

/**
 * About how many periods a jump to `target` closes: each live subscription closes its current
 * period and then one per period length (its current one's) until the target.
 */
export function estimatePeriods(subscriptions: Subscription[], target: number): JumpEstimate {
  let periods = 0;
  let counted = 0;
  for (const s of subscriptions) {
    if (s.status === 'canceled' || s.endedAt !== null || target < s.currentPeriodEnd) continue;
    const length = Math.max(1, s.currentPeriodEnd - s.currentPeriodStart);
    periods += 1 + Math.floor((target - s.currentPeriodEnd) / length);
    counted += 1;
  }
  return { target, periods, subscriptions: counted };
}

/** Going back in time: rewind the scenario itself, or branch a new scenario from that time. */
export interface TimeTravel {
  kind: 'rewind' | 'branch';
  at: number;
}

export class ClockState {
  /** What is running now ('Advancing billing period'), or null. */
  busy = $state<string | null>(null);
  error = $state<ApiError | null>(null);
  target = $state('');
  subscription = $state('');
  /** Part of a customer's name (or a subscription id) that narrows the choice of subscription. */
  find = $state('');
  /** Milliseconds the last advance took, end to end. */
  lastDurationMs = $state<number | null>(null);
  /** A big jump waiting for the person's yes (see bigJump), or null. */
  pending = $state.raw<JumpEstimate | null>(null);
  /** The earlier time typed for a rewind or a branch. */
  travelTarget = $state('');
  /** A rewind or branch waiting for the person's yes, or null. */
  travel = $state.raw<TimeTravel | null>(null);
  readonly subscriptions: Resource<{
    subscriptions: List<Subscription>;
    customers: List<Customer>;
  }>;
  readonly #app: AppState;
  /** The scenario the status line is about (undefined before the first). */
  #scenarioId: string | null | undefined = undefined;

  constructor(app: AppState) {
    this.#app = app;
    this.subscriptions = new Resource(() => app.lookups());
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

  /**
   * The choices the select shows: a few of those matching `find`, and always the one chosen.
   */
  get shownChoices(): Choice[] {
    return narrowChoices(this.choices, this.find, this.chosenSubscription);
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
    this.travelTarget = toDateTimeInput(frozenTime);
  }

  advanceBy(seconds: number): Promise<void> {
    const now = this.#app.clock?.frozenTime;
    if (now === undefined) return Promise.resolve();
    return this.#advanceTo(now + seconds);
  }

  /** To the date typed; a big jump waits in `pending` for confirm() (or cancelJump()). */
  advanceToTarget(): Promise<void> {
    const frozenTime = this.targetTime;
    const now = this.#app.clock?.frozenTime;
    if (frozenTime === null || now === undefined) return Promise.resolve();
    const estimate = estimatePeriods(
      this.subscriptions.value?.subscriptions.data ?? [],
      frozenTime,
    );
    if (estimate.periods > bigJump.periods || frozenTime - now > bigJump.seconds) {
      this.pending = estimate;
      return Promise.resolve();
    }
    return this.#advanceTo(frozenTime);
  }

  confirmJump(): Promise<void> {
    const pending = this.pending;
    this.pending = null;
    return pending ? this.#advanceTo(pending.target) : Promise.resolve();
  }

  cancelJump(): void {
    this.pending = null;
  }

  #advanceTo(frozenTime: number): Promise<void> {
    return this.#run('Advancing the clock', () =>
      this.#app.change('testClock.advance', { frozenTime }),
    );
  }

  /** Advances, then points to the invoice the closed period produced. */
  advanceBillingPeriod(): Promise<void> {
    const subscription = this.chosenSubscription;
    if (!subscription) return Promise.resolve();
    return this.#run('Advancing the billing period', async () => {
      await this.#app.change('testClock.advanceBillingPeriod', { subscription });
      const [invoice] = (await this.#app.api.call('invoices.list', { subscription, limit: 1 }))
        .data;
      if (!invoice) return;
      this.#app.notify('info', `Invoice ${invoice.id} is ${invoice.status}.`, {
        label: 'Show invoice',
        run: () => this.#app.showInvoice(invoice.id),
      });
    });
  }

  get travelTime(): number | null {
    return fromDateTimeInput(this.travelTarget);
  }

  /** A rewind or branch at the time typed waits in `travel` for confirmTravel() (both change a lot). */
  askTravel(kind: TimeTravel['kind']): void {
    const at = this.travelTime;
    if (at !== null) this.travel = { kind, at };
  }

  cancelTravel(): void {
    this.travel = null;
  }

  confirmTravel(): Promise<void> {
    const travel = this.travel;
    const id = this.#app.scenario?.id;
    this.travel = null;
    if (!travel || !id) return Promise.resolve();
    if (travel.kind === 'rewind') {
      return this.#run('Rewinding', async () => {
        await this.#app.change('workspace.rewind', { id, at: travel.at });
        this.#app.notify('info', `Rewound to ${formatTime(travel.at)}.`, {
          label: 'Undo',
          run: () => void this.#app.change('workspace.undoRewind').catch(() => {}),
        });
      });
    }
    return this.#run('Branching', async () => {
      const branch = await this.#app.change('workspace.branch', { id, at: travel.at });
      this.#app.notify('info', `Branched as “${branch.name}”.`);
    });
  }

  /** The confirmation's words for a rewind or a branch. */
  describeTravel(travel: TimeTravel): string {
    const when = formatTime(travel.at);
    return travel.kind === 'rewind'
      ? `Rewind this scenario to ${when}? Everything after it (calls, usage, invoices) is removed; Undo brings it back.`
      : `Branch a new scenario from ${when}? This scenario stays as it is; the new one opens.`;
  }

  /**
   * The open scenario is `id`. Another scenario than before starts with a clean status line; the
   * same one again (the app re-reads it after every change, as a new object) keeps "Done in".
   */
  scenarioOpened(id: string | null): void {
    if (id === this.#scenarioId) return;
    this.#scenarioId = id;
    this.forgetStatus();
  }

  /** A new scenario starts with a clean status line. */
  forgetStatus(): void {
    this.error = null;
    this.lastDurationMs = null;
    this.pending = null;
    this.travel = null;
  }

  /** The confirmation's words: where to, and about how many periods close. */
  describe(estimate: JumpEstimate): string {
    const now = this.#app.clock?.frozenTime ?? estimate.target;
    const days = Math.round((estimate.target - now) / 86_400);
    const span = days >= 730 ? `${Math.round(days / 365)} years` : `${days} days`;
    return (
      `Advance ${span} to ${formatTime(estimate.target)}? About ${estimate.periods} billing ` +
      `periods close across ${estimate.subscriptions} subscription` +
      `${estimate.subscriptions === 1 ? '' : 's'}, each with its invoice.`
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
      // The last progress event may say "almost done": the work is over either way.
      this.#app.progress = null;
    }
  }
}
