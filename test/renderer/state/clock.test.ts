import { describe, expect, it } from 'vitest';
import type { Customer, Subscription } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import {
  ClockState,
  estimatePeriods,
  progressLabel,
  shownChoices,
} from '../../../renderer/state/clock.svelte';
import { toDateTimeInput } from '../../../renderer/lib/time';
import { FakeTransport } from '../fake-transport';

const day = 86_400;
/** 2025-03-01 00:00 UTC */
const march1 = 1_740_787_200;

function monthly(id: string, start: number, end: number): Subscription {
  return {
    id,
    status: 'active',
    endedAt: null,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    customer: 'cust_1',
    items: { object: 'list', data: [], hasMore: false },
  } as unknown as Subscription;
}

function setup(now = march1) {
  let frozenTime = now;
  const subscription = monthly('sub_1', march1, march1 + 31 * day);
  const transport = new FakeTransport()
    .on('workspace.current', () => ({
      id: 'scn_1',
      name: 'Guide',
      createdAt: 1,
      lastOpenedAt: 1,
      frozenTime,
      customers: 1,
      invoicedTotals: {},
    }))
    .on('testClock.retrieve', () => ({ id: 'clock_1', object: 'test_clock', frozenTime }))
    .on('testClock.advance', (args) => {
      frozenTime = args.frozenTime;
      return { id: 'clock_1', object: 'test_clock', frozenTime };
    })
    .on('workspace.rewind', (args) => {
      frozenTime = args.at;
      return {
        id: args.id,
        name: 'Guide',
        createdAt: 1,
        lastOpenedAt: 1,
        frozenTime,
        customers: 1,
        invoicedTotals: {},
      };
    })
    .on('workspace.branch', (args) => ({
      id: 'scn_2',
      name: 'Guide (from 2025-03-02 00:00:00 UTC)',
      createdAt: 1,
      lastOpenedAt: 1,
      frozenTime: args.at,
      customers: 1,
      invoicedTotals: {},
    }))
    .on('subscriptions.list', () => ({ object: 'list', data: [subscription], hasMore: false }))
    .on('customers.list', () => ({ object: 'list', data: [], hasMore: false }));
  const app = new AppState(createApiClient(transport));
  return { transport, app, clock: new ClockState(app) };
}

describe('estimatePeriods', () => {
  it('counts the current period and one per period length after it, per subscription', () => {
    const subscription = monthly('sub_1', march1, march1 + 31 * day);
    expect(estimatePeriods([subscription], march1 + 10 * day).periods).toBe(0);
    // The March period closes, then one per 31 days: 2099 is 74 years on, about 871 periods.
    const target = Date.UTC(2099, 0, 1) / 1000;
    const estimate = estimatePeriods([subscription, { ...subscription, id: 'sub_2' }], target);
    expect(estimate.subscriptions).toBe(2);
    expect(estimate.periods).toBe(
      2 * (1 + Math.floor((target - (march1 + 31 * day)) / (31 * day))),
    );
  });
});

describe('ClockState', () => {
  it('asks before a big jump, with the estimate, and only then advances', async () => {
    const { transport, app, clock } = setup();
    await app.refresh();
    await clock.subscriptions.load();
    clock.target = toDateTimeInput(Date.UTC(2099, 0, 1) / 1000);
    await clock.advanceToTarget();
    expect(transport.callsOf('testClock.advance')).toEqual([]);
    expect(clock.describe(clock.pending!)).toMatch(
      /^Advance 74 years to 2099-01-01 00:00 UTC\? About \d{3} billing periods close across 1 subscription/,
    );
    clock.cancelJump();
    expect(clock.pending).toBeNull();
    await clock.advanceToTarget();
    await clock.confirmJump();
    expect(transport.callsOf('testClock.advance')).toEqual([
      [{ frozenTime: Date.UTC(2099, 0, 1) / 1000 }],
    ]);
  });

  it('advances a small step at once and leaves no progress bar behind', async () => {
    const { transport, app, clock } = setup();
    await app.refresh();
    await clock.subscriptions.load();
    app.handleEvent({ type: 'progress', task: 'testClock.advance', done: 3, total: 4 });
    clock.target = toDateTimeInput(march1 + 3 * day);
    await clock.advanceToTarget();
    expect(transport.callsOf('testClock.advance')).toEqual([[{ frozenTime: march1 + 3 * day }]]);
    expect(app.progress).toBeNull();
    expect(clock.lastDurationMs).not.toBeNull();
    clock.forgetStatus();
    expect(clock.lastDurationMs).toBeNull();
  });

  it('keeps "Done in" when the same scenario is re-read after the jump, clears it for another', async () => {
    const { app, clock } = setup();
    await app.refresh();
    clock.scenarioOpened(app.scenario!.id);
    await clock.subscriptions.load();
    clock.target = toDateTimeInput(march1 + 3 * day);
    await clock.advanceToTarget();
    const done = clock.lastDurationMs;
    expect(done).not.toBeNull();
    // The change's reload, then another after the host's late state.changed: the same scenario
    // as new objects (the clock bar's effect calls scenarioOpened on each).
    const first = app.scenario;
    await app.refresh();
    await app.refresh();
    expect(app.scenario).not.toBe(first);
    clock.scenarioOpened(app.scenario!.id);
    expect(clock.lastDurationMs).toBe(done);
    clock.scenarioOpened('scn_2');
    expect(clock.lastDurationMs).toBeNull();
  });

  it('names the progress in words', () => {
    expect(progressLabel('testClock.advance')).toBe('Advancing the clock');
    expect(progressLabel(undefined)).toBe('Clock work');
  });

  it('rewinds or branches only after the yes, at the time typed, naming it', async () => {
    const { transport, app, clock } = setup(march1 + 10 * day);
    await app.refresh();
    clock.resetTarget(app.clock!.frozenTime);
    expect(clock.travelTime).toBe(march1 + 10 * day);
    clock.travelTarget = toDateTimeInput(march1 + day);
    clock.askTravel('rewind');
    expect(transport.callsOf('workspace.rewind')).toEqual([]);
    expect(clock.describeTravel(clock.travel!)).toMatch(
      /^Rewind this scenario to 2025-03-02 00:00 UTC\?/,
    );
    clock.cancelTravel();
    expect(clock.travel).toBeNull();
    clock.askTravel('rewind');
    await clock.confirmTravel();
    expect(transport.callsOf('workspace.rewind')).toEqual([[{ id: 'scn_1', at: march1 + day }]]);
    expect(app.notices.at(-1)?.action?.label).toBe('Undo');

    clock.askTravel('branch');
    expect(clock.describeTravel(clock.travel!)).toMatch(
      /^Branch a new scenario from 2025-03-02 00:00 UTC\?/,
    );
    await clock.confirmTravel();
    expect(transport.callsOf('workspace.branch')).toEqual([[{ id: 'scn_1', at: march1 + day }]]);
    expect(app.notices.at(-1)?.text).toBe('Branched as “Guide (from 2025-03-02 00:00:00 UTC)”.');
    expect(clock.error).toBeNull();
  });
});

describe("the clock bar's choice of subscription", () => {
  it('shows at most 50 subscriptions, those whose customer matches the text typed, and the chosen one', async () => {
    const subscriptions = Array.from({ length: 1000 }, (_, index) => ({
      ...monthly(`sub_${index}`, march1, march1 + 31 * day),
      customer: `cus_${index}`,
    }));
    const customers = subscriptions.map(
      (s, index) => ({ id: s.customer, name: `Customer ${index}` }) as Customer,
    );
    const transport = new FakeTransport()
      .on('subscriptions.list', () => ({ object: 'list', data: subscriptions, hasMore: false }))
      .on('customers.list', () => ({ object: 'list', data: customers, hasMore: false }));
    const clock = new ClockState(new AppState(createApiClient(transport)));
    await clock.subscriptions.load();
    expect(clock.choices).toHaveLength(1000);
    expect(clock.shownChoices).toHaveLength(shownChoices);
    expect(clock.shownChoices[0]).toEqual({ id: 'sub_0', label: 'Customer 0 · sub_0' });
    clock.subscription = 'sub_999';
    // The chosen one stays offered (the select shows it) ahead of the first 50.
    expect(clock.shownChoices.map((c) => c.id).slice(0, 2)).toEqual(['sub_999', 'sub_0']);
    clock.find = 'customer 77';
    expect(clock.shownChoices.map((c) => c.id)).toEqual([
      'sub_999',
      'sub_77',
      ...Array.from({ length: 10 }, (_, n) => `sub_${770 + n}`),
    ]);
    expect(clock.chosenSubscription).toBe('sub_999');
  });
});
