import { describe, expect, it } from 'vitest';
import type { DispatchResult, HostEvent } from '../../core/contract';
import { createDispatcher, methods } from '../../core/dispatch';
import { plainJson } from '../../core/values/json';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';
import type { WorkspaceData } from '../../core/workspace-store';
import { runGuideFlow } from './guide-flow';
import { createFakeSimulator } from './workspace-fake';

async function setup(options: { scenario?: boolean; store?: MemoryWorkspaceStore } = {}) {
  const store = options.store ?? new MemoryWorkspaceStore();
  const workspace = await Workspace.load({
    store,
    createSimulator: createFakeSimulator,
    now: () => 1_750_000_000_000,
  });
  const dispatch = createDispatcher(workspace);
  const events: HostEvent[] = [];
  const call = (method: string, args: unknown, signal?: { aborted: boolean }) =>
    dispatch(method, args, { onEvent: (e) => events.push(e), ...(signal ? { signal } : {}) });
  if (options.scenario !== false) await call('workspace.create', [{ name: 'Guide' }]);
  events.length = 0;
  store.saves = 0;
  return { workspace, store, call, events };
}

function errorOf(result: DispatchResult) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return result.error;
}

describe('dispatch: method names', () => {
  it('refuses an unknown method, naming it and the closest real one', async () => {
    const { call } = await setup();
    const error = errorOf(await call('products.craete', [{ name: 'x' }]));
    expect(error).toEqual({
      type: 'invalid_request_error',
      code: 'unknown_method',
      param: 'method',
      message: "Unknown method 'products.craete': did you mean 'products.create'?",
    });
    expect(errorOf(await call('drop.everything', [])).message).toContain('core/contract.ts');
  });

  it.each([
    '__proto__',
    'constructor',
    'toString',
    'products.constructor',
    'snapshot',
    'hasOwnProperty',
  ])('refuses %s, which is not in the contract', async (method) => {
    const { call } = await setup();
    expect(errorOf(await call(method, [])).code).toBe('unknown_method');
  });

  it('refuses a method that is not a string', async () => {
    const { call } = await setup();
    const disguised = { toString: () => 'products.list' };
    expect(errorOf(await call(disguised as unknown as string, [])).code).toBe('unknown_method');
  });

  it('lists every engine and workspace method of the contract once', () => {
    expect(new Set(methods).size).toBe(methods.length);
    expect(methods).toContain('quote');
    expect(methods).toContain('testClock.advanceBillingPeriod');
    expect(methods).toContain('workspace.undoDelete');
  });
});

describe('dispatch: arguments', () => {
  it('wants the argument tuple as an array', async () => {
    const { call } = await setup();
    const error = errorOf(await call('products.create', { name: 'x' }));
    expect([error.code, error.param]).toEqual(['parameter_invalid', 'args']);
    expect(error.message).toContain('as an array');
  });

  it('checks the number of arguments', async () => {
    const { call } = await setup();
    const missing = errorOf(await call('products.create', []));
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'args[0]' });
    expect(missing.message).toBe('products.create takes 1 argument; got 0.');
    const extra = errorOf(await call('products.list', [{}, {}]));
    expect(extra).toMatchObject({ code: 'parameter_invalid', param: 'args' });
    expect(extra.message).toBe('products.list takes 0 to 1 arguments; got 2.');
  });

  it('drops trailing undefined (IPC clones keep it, JSON cannot send it)', async () => {
    const { call } = await setup();
    expect((await call('products.list', [undefined])).ok).toBe(true);
  });

  it.each([
    [[{ name: new Date(0) }], 'args[0].name'],
    [[{ name: () => 1 }], 'args[0].name'],
    [[{ name: 'x', n: Number.NaN }], 'args[0].n'],
    [[{ name: 'x', list: [1, Infinity] }], 'args[0].list[1]'],
    [[new Uint8Array(2)], 'args[0]'],
    [[{ name: 10n }], 'args[0].name'],
  ])('refuses values that are not plain JSON (case %#)', async (args, param) => {
    const { call, workspace } = await setup();
    const error = errorOf(await call('products.create', args));
    expect([error.code, error.param]).toEqual(['parameter_invalid', param]);
    expect(workspace.simulator!.products.list().data).toEqual([]);
  });

  it('refuses absurd nesting', async () => {
    const { call } = await setup();
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(errorOf(await call('products.create', [{ name: deep }])).message).toContain('deeper');
  });

  it('keeps a __proto__ key as data, without touching prototypes', () => {
    const copy = plainJson(
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
      'args',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('dispatch: running calls', () => {
  it('answers engine methods with no scenario open with no_scenario_open', async () => {
    const { call } = await setup({ scenario: false });
    const error = errorOf(await call('products.list', []));
    expect(error.code).toBe('no_scenario_open');
    expect(error.message).toContain('workspace.create');
  });

  it("passes the engine's own errors on as envelopes", async () => {
    const { call } = await setup();
    expect(errorOf(await call('products.create', [{}]))).toEqual({
      type: 'invalid_request_error',
      code: 'parameter_missing',
      param: 'name',
      message: 'Missing required param name: pass a string.',
    });
  });

  it('returns copies: changing a result changes nothing in the engine', async () => {
    const { call } = await setup();
    await call('products.create', [{ name: 'API access' }]);
    const listed = await call('products.list', []);
    if (!listed.ok) throw new Error('list failed');
    (listed.data as { data: { name: string }[] }).data[0]!.name = 'changed';
    const again = await call('products.list', []);
    expect(again.ok && (again.data as { data: { name: string }[] }).data[0]!.name).toBe(
      'API access',
    );
  });

  it('refuses to pass on a result that is not plain JSON', async () => {
    const { call } = await setup();
    expect(errorOf(await call('quote', ['price_1', 1]))).toMatchObject({
      type: 'api_error',
      code: 'result_not_json',
    });
  });

  it('runs workspace methods, validating their arguments', async () => {
    const { call } = await setup({ scenario: false });
    const created = await call('workspace.create', [{ name: 'Guide' }]);
    expect(created.ok && (created.data as { name: string }).name).toBe('Guide');
    expect(errorOf(await call('workspace.create', [{ name: 'x', extra: 1 }])).param).toBe('extra');
    expect(errorOf(await call('workspace.open', [42])).param).toBe('id');
    const listed = await call('workspace.list', []);
    expect(listed.ok && (listed.data as unknown[]).length).toBe(1);
  });

  it('refuses a call whose signal was already aborted', async () => {
    const { call, workspace } = await setup();
    const error = errorOf(await call('products.create', [{ name: 'x' }], { aborted: true }));
    expect(error.code).toBe('request_aborted');
    expect(workspace.simulator!.products.list().data).toEqual([]);
  });
});

describe('dispatch: saving and events', () => {
  it('saves after a change and announces it with the new revision', async () => {
    const { call, store, events, workspace } = await setup();
    const result = await call('products.create', [{ name: 'API access' }]);
    expect(result.ok).toBe(true);
    expect(store.saves).toBe(1);
    expect(events).toEqual([{ type: 'state.changed', scenario: workspace.currentId, revision: 2 }]);
    const saved = (await store.load()).data!;
    expect(saved.revision).toBe(2);
    expect(saved.scenarios[0]!.snapshot.products.map((p) => p.name)).toEqual(['API access']);
  });

  it('does not save or announce read-only calls', async () => {
    const { call, store, events } = await setup();
    for (const method of [
      'products.list',
      'testClock.retrieve',
      'workspace.list',
      'workspace.current',
      'workspace.templates',
    ]) {
      expect((await call(method, [])).ok).toBe(true);
    }
    expect(store.saves).toBe(0);
    expect(events).toEqual([]);
  });

  it('does not save a call that failed', async () => {
    const { call, store, events } = await setup();
    expect((await call('products.create', [{ name: '' }])).ok).toBe(false);
    expect(store.saves).toBe(0);
    expect(events).toEqual([]);
  });

  it('answers each change only once it is saved, and merges a burst into few writes', async () => {
    const store = new (class extends MemoryWorkspaceStore {
      // A slow disk: the data is read at once, the write is durable 5 ms later.
      override async save(data: WorkspaceData, read?: () => void) {
        const saved = super.save(data, read);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return saved;
      }
    })();
    const { call } = await setup({ store });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('products.create', [{ name: `p${i}` }])),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // The first change starts a write; the other 19 run while it is in flight and share one more.
    expect(store.saves).toBeLessThanOrEqual(2);
    expect((await store.load()).data!.scenarios[0]!.snapshot.products).toHaveLength(20);
  });

  it('runs no change while a write reads the live state', async () => {
    // A store that reads slowly: it keeps the write's data and says it has read it when told.
    let finishReading: () => void = () => undefined;
    let names: string[] = [];
    let slow = false;
    const store = new (class extends MemoryWorkspaceStore {
      override async save(data: WorkspaceData, read?: () => void) {
        const live = data.scenarios[0]!.snapshot;
        if (slow) await new Promise<void>((resolve) => (finishReading = resolve));
        // What the write serializes now: no change may have slipped in while it read.
        names = live.products.map((product) => product.name);
        return super.save(data, read);
      }
    })();
    const { call, workspace } = await setup({ store });
    slow = true;
    const first = call('products.create', [{ name: 'first' }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(workspace.reading).not.toBeNull();
    const second = call('products.create', [{ name: 'second' }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The second change waits for the read; nothing stops it from being listed after it.
    expect(workspace.simulator!.products.list().data.map((p) => p.name)).toEqual(['first']);
    finishReading();
    await first;
    expect(names).toEqual(['first']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    finishReading();
    expect(await second).toMatchObject({ ok: true });
    expect(names).toEqual(['first', 'second']);
  });

  it('tells the caller a change was made but not saved, and retries the save alone', async () => {
    const store = new (class extends MemoryWorkspaceStore {
      fail = false;
      override save(data: WorkspaceData) {
        return this.fail ? Promise.reject(new Error('disk full')) : super.save(data);
      }
    })();
    const { call, events } = await setup({ store });
    store.fail = true;
    const made = await call('products.create', [{ name: 'x' }]);
    // Made but not saved: the answer says so, and a retry of the call would make it twice.
    expect(made).toMatchObject({ ok: true, saved: false, warning: { code: 'save_failed' } });
    expect((made as { warning: { message: string } }).warning.message).toContain('disk full');
    expect(events.map((e) => e.type)).toEqual(['save.failed', 'state.changed']);
    store.fail = false;
    // Retrying the save alone stores the change once.
    expect(await call('workspace.save', [])).toEqual({ ok: true, data: { saved: true } });
    expect((await store.load()).data!.scenarios[0]!.snapshot.products).toHaveLength(1);
  });
});

describe('dispatch on the real engine', () => {
  async function engineSetup() {
    const store = new MemoryWorkspaceStore();
    const workspace = await Workspace.load({ store, now: () => 1_750_000_000_000 });
    const dispatch = createDispatcher(workspace, {
      yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    });
    const call = async (method: string, ...args: unknown[]) => {
      const result = await dispatch(method, args);
      if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
      return result.data as Record<string, unknown>;
    };
    await call('workspace.create', { name: 'Guide', seed: 42 });
    return { dispatch, call, store, workspace };
  }

  it("bills the guide's flow: 18420 calls at EUR 0.002 is EUR 36.84, paid", async () => {
    const { call } = await engineSetup();
    const billed = await runGuideFlow(call);
    // 18420 x 0.2 cents = 3684 cents = EUR 36.84.
    expect(billed).toMatchObject({ total: 3684, status: 'paid' });
    const current = await call('workspace.current');
    expect(current).toMatchObject({ customers: 1, invoicedTotals: { EUR: 3684 } });
  });

  it('reports progress while the clock advances over many periods', async () => {
    const { dispatch, call } = await engineSetup();
    const product = await call('products.create', { name: 'Seats' });
    const price = await call('prices.create', {
      product: product.id,
      currency: 'EUR',
      unitAmount: 500,
      recurring: { interval: 'day', usageType: 'licensed' },
    });
    await call('customers.create', { name: 'Acme', paymentMethod: 'pm_card_visa' });
    const customers = await call('customers.list');
    const customer = (customers.data as { id: string }[])[0]!.id;
    await call('subscriptions.create', { customer, items: [{ price: price.id, quantity: 1 }] });
    const start = ((await call('testClock.retrieve')) as { frozenTime: number }).frozenTime;
    const events: HostEvent[] = [];
    const target = start + 200 * 86_400;
    const result = await dispatch('testClock.advance', [{ frozenTime: target }], {
      onEvent: (e) => events.push(e),
    });
    expect(result).toMatchObject({ ok: true, data: { frozenTime: target } });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.length).toBeLessThanOrEqual(101);
    expect(progress[0]).toMatchObject({ task: 'testClock.advance', total: target - start });
    expect(events.at(-1)?.type).toBe('state.changed');
  });

  it('stops a cancelled advance at a consistent point and saves it', async () => {
    const { dispatch, call, store } = await engineSetup();
    const product = await call('products.create', { name: 'Seats' });
    const price = await call('prices.create', {
      product: product.id,
      currency: 'EUR',
      unitAmount: 500,
      recurring: { interval: 'day', usageType: 'licensed' },
    });
    const customer = await call('customers.create', {
      name: 'Acme',
      paymentMethod: 'pm_card_visa',
    });
    await call('subscriptions.create', {
      customer: customer.id,
      items: [{ price: price.id, quantity: 1 }],
    });
    const start = ((await call('testClock.retrieve')) as { frozenTime: number }).frozenTime;
    const signal = { aborted: false };
    let steps = 0;
    const result = await dispatch('testClock.advance', [{ frozenTime: start + 365 * 86_400 }], {
      signal,
      onEvent: (e) => {
        if (e.type === 'progress' && ++steps === 5) signal.aborted = true;
      },
    });
    if (!result.ok) throw new Error(result.error.message);
    const stoppedAt = (result.data as { frozenTime: number }).frozenTime;
    expect(stoppedAt).toBeGreaterThan(start);
    expect(stoppedAt).toBeLessThan(start + 365 * 86_400);
    const saved = (await store.load()).data!.scenarios[0]!.snapshot;
    expect(saved.clock.frozenTime).toBe(stoppedAt);
    // Consistent: every invoice the saved state holds belongs to a period that has ended.
    expect(saved.invoices.every((invoice) => invoice.periodEnd <= stoppedAt)).toBe(true);
  });
});
