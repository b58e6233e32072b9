import { describe, expect, it } from 'vitest';
import type { Price, Subscription } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { meteredItems, parseBatch, UsageState } from '../../../renderer/state/usage.svelte';
import { EngineRefusal, FakeTransport, settle } from '../fake-transport';

const list = <T>(data: T[]) => ({ object: 'list' as const, data, hasMore: false });

function price(id: string, usageType: 'metered' | 'licensed'): Price {
  return {
    id,
    object: 'price',
    product: 'prod_1',
    currency: 'EUR',
    nickname: id === 'price_api' ? 'API calls' : null,
    billingScheme: 'per_unit',
    unitAmount: null,
    unitAmountDecimal: '0.2',
    tiers: null,
    tiersMode: null,
    transformQuantity: null,
    recurring: {
      interval: 'month',
      intervalCount: 1,
      usageType,
      aggregateUsage: usageType === 'metered' ? 'sum' : null,
      meter: null,
    },
    created: 0,
  };
}

const subscription: Subscription = {
  id: 'sub_1',
  object: 'subscription',
  customer: 'cust_1',
  status: 'active',
  currency: 'EUR',
  startDate: 0,
  billingCycleAnchor: 0,
  trialStart: null,
  trialEnd: null,
  currentPeriodStart: 0,
  currentPeriodEnd: 2_592_000,
  cancelAtPeriodEnd: false,
  canceledAt: null,
  endedAt: null,
  latestInvoice: null,
  items: list([
    {
      id: 'si_seats',
      object: 'subscription_item',
      subscription: 'sub_1',
      price: 'price_seats',
      quantity: 3,
      usageStart: 0,
      billingThresholds: null,
      created: 0,
    },
    {
      id: 'si_api',
      object: 'subscription_item',
      subscription: 'sub_1',
      price: 'price_api',
      quantity: null,
      usageStart: 0,
      billingThresholds: null,
      created: 0,
    },
  ]),
  discounts: [],
  defaultTaxRates: [],
  minimumCommitment: null,
  billingThresholds: null,
  created: 0,
};

function setup() {
  const transport = new FakeTransport()
    .on('subscriptions.list', () => list([subscription]))
    .on('prices.list', () =>
      list([price('price_seats', 'licensed'), price('price_api', 'metered')]),
    )
    .on('customers.list', () =>
      list([
        {
          id: 'cust_1',
          object: 'customer',
          name: 'Acme',
          email: null,
          paymentMethod: 'pm_card_visa',
          balance: 0,
          currency: 'EUR',
          created: 0,
        },
      ]),
    )
    .on('usageRecords.summaries', () => list([]))
    .on('analysis.usageSeries', (args) => ({
      subscriptionItem: args.subscriptionItem,
      start: 0,
      end: 1,
      buckets: [],
      periods: [],
      totalTimestamps: 0,
    }))
    .on('workspace.current', () => null);
  const usage = new UsageState(new AppState(createApiClient(transport)));
  return { transport, usage };
}

describe('parseBatch', () => {
  it('reads quantity, then an optional timestamp (unix or UTC time) and action', () => {
    const text = [
      '# guide example',
      '1200, 1748390400, increment',
      '',
      '980 2025-05-29T00:00:00',
      '7;set',
      '18420',
    ].join('\n');
    expect(parseBatch(text)).toEqual([
      { quantity: 1200, timestamp: 1748390400, action: 'increment' },
      { quantity: 980, timestamp: 1748476800 },
      { quantity: 7, action: 'set' },
      { quantity: 18420 },
    ]);
  });

  it('passes a quantity that is not a number on as typed, for the engine to refuse', () => {
    expect(parseBatch('twelve')).toEqual([{ quantity: 'twelve' }]);
  });
});

describe('UsageState', () => {
  it('offers the metered items only, labelled with customer and price', async () => {
    const { usage } = setup();
    await usage.load();
    expect(usage.items.map((item) => item.label)).toEqual(['Acme · API calls (si_api)']);
    expect(usage.chosenItem).toBe('si_api');
    expect(meteredItems(undefined)).toEqual([]);
  });

  it('shows the equivalent SDK call, with the idempotency key as a request option', async () => {
    const { usage } = setup();
    await usage.load();
    usage.quantity = '3';
    usage.idempotencyKey = 'usage-req-1';
    expect(usage.apiCall).toContain("subscriptionItem: 'si_api',");
    expect(usage.apiCall).toContain('quantity: 3,');
    expect(usage.apiCall).toContain("// timestamp omitted: the test clock's frozenTime");
    expect(usage.apiCall).toContain("{ idempotencyKey: 'usage-req-1' }");
    usage.useClockTime = false;
    usage.timestamp = '2025-05-28T00:00:00';
    expect(usage.apiCall).toContain('timestamp: 1748390400,');
  });

  it('sends the key as the second argument and shows a backdated refusal', async () => {
    const { transport, usage } = setup();
    await usage.load();
    transport.on('usageRecords.create', () => {
      throw new EngineRefusal(
        'timestamp_backdated',
        'timestamp',
        'Invalid timestamp: it falls before the current period.',
      );
    });
    usage.idempotencyKey = 'k1';
    await usage.submitRecord();
    expect(transport.callsOf('usageRecords.create')[0]).toEqual([
      { subscriptionItem: 'si_api', quantity: 1, action: 'increment' },
      { idempotencyKey: 'k1' },
    ]);
    expect(usage.recordTask.error?.envelope.code).toBe('timestamp_backdated');
  });

  it('points at the batch line the engine refused', async () => {
    const { transport, usage } = setup();
    await usage.load();
    transport.on('usageRecords.createBatch', () => {
      throw new EngineRefusal('timestamp_in_future', 'records[1].timestamp', 'In the future.');
    });
    usage.batchText = '5\n6, 99999999999';
    await usage.submitBatch();
    await settle();
    expect(usage.rejectedIndex).toBe(1);
    expect(usage.lastBatch).toBeNull();
  });
});
