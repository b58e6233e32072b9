// The meters flow end to end through dispatch, as every host calls the engine: create a meter and
// a meter price, send events (one duplicate, one canceled), advance, read the invoice and its
// explanation; then load the workspace again from its store and read the same invoice.
import { describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../core/contract';
import { createDispatcher } from '../../core/dispatch';
import type { Invoice } from '../../core/public/types';
import { Workspace } from '../../core/workspace';
import { MemoryWorkspaceStore } from '../../core/workspace-store';

function data<T>(result: DispatchResult): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data as T;
}

describe('billing meters through dispatch', () => {
  it('bills a meter price with its explanation, and survives a reload', async () => {
    const store = new MemoryWorkspaceStore();
    const workspace = await Workspace.load({ store, now: () => 1_750_000_000_000 });
    const dispatch = createDispatcher(workspace);
    const call = (method: string, args: unknown[]) => dispatch(method, args, { onEvent: () => {} });
    data(await call('workspace.create', [{ name: 'Meters' }]));
    const meter = data<{ id: string }>(
      await call('billing.meters.create', [
        {
          displayName: 'API requests',
          eventName: 'api_requests',
          defaultAggregation: { formula: 'sum' },
        },
      ]),
    );
    const product = data<{ id: string }>(await call('products.create', [{ name: 'API' }]));
    const price = data<{ id: string }>(
      await call('prices.create', [
        {
          product: product.id,
          currency: 'EUR',
          unitAmountDecimal: '0.5',
          recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
        },
      ]),
    );
    data(
      await call('customers.create', [{ id: 'cust_E', name: 'E', paymentMethod: 'pm_card_visa' }]),
    );
    const sub = data<{ id: string }>(
      await call('subscriptions.create', [{ customer: 'cust_E', items: [{ price: price.id }] }]),
    );
    const send = (value: string, identifier: string) =>
      call('billing.meterEvents.create', [
        { eventName: 'api_requests', payload: { customer: 'cust_E', value }, identifier },
      ]);
    data(await send('100', 'r1'));
    data(await send('0.75', 'r2'));
    data(await send('40', 'r3'));
    const duplicate = await send('100', 'r1');
    expect(duplicate.ok ? null : duplicate.error).toMatchObject({
      code: 'duplicate_meter_event',
      param: 'identifier',
    });
    data(
      await call('billing.meterEventAdjustments.create', [
        { eventName: 'api_requests', type: 'cancel', cancel: { identifier: 'r3' } },
      ]),
    );
    data(await call('testClock.advanceBillingPeriod', [{ subscription: sub.id }]));
    const read = async () =>
      data<{ data: Invoice[] }>(await call('invoices.list', [{ subscription: sub.id }])).data[0]!;
    const invoice = await read();
    // 100 + 0.75 = 100.75 units at 0.5 = 50.375 -> EUR 0.50.
    expect(invoice).toMatchObject({ status: 'paid', total: 50 });
    const [line] = invoice.lines.data;
    expect(line).toMatchObject({ quantityDecimal: '100.75', amountExact: '50.375', amount: 50 });
    expect(line!.explanation.meter).toMatchObject({
      formula: 'sum',
      eventsCounted: 2,
      eventsCanceled: 1,
    });
    expect(line!.explanation.meter!.summary).toMatch(/over 2 events, the values add up to 100\.75/);

    const again = await Workspace.load({ store, now: () => 1_750_000_000_000 });
    const reloaded = createDispatcher(again);
    const list = await reloaded('invoices.list', [{ subscription: sub.id }], { onEvent: () => {} });
    expect(data<{ data: Invoice[] }>(list).data[0]).toEqual(invoice);
  });
});
