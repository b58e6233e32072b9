import { describe, expect, it } from 'vitest';
import type { Price, Subscription, UpcomingInvoice } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CustomersState } from '../../../renderer/state/customers.svelte';
import { FakeTransport } from '../fake-transport';

const seats = { id: 'price_seats', recurring: { usageType: 'licensed' } } as Price;
const subscription = {
  id: 'sub_1',
  items: {
    object: 'list',
    data: [{ id: 'si_1', price: 'price_basic', quantity: 1 }],
    hasMore: false,
  },
} as unknown as Subscription;
const preview = { id: null, status: 'upcoming', lines: { data: [] } } as unknown as UpcomingInvoice;

describe('CustomersState change panel', () => {
  it('previews the proposed change through invoices.upcoming, then applies the same update', async () => {
    const transport = new FakeTransport()
      .on('prices.list', () => ({ object: 'list', data: [seats], hasMore: false }))
      .on('invoices.upcoming', () => preview)
      .on('subscriptions.update', () => subscription)
      // A change refreshes the app's picture of the scenario.
      .on('workspace.current', () => null);
    const people = new CustomersState(new AppState(createApiClient(transport)));
    await people.prices.load();
    people.startChange(subscription);
    people.changePrice = 'price_seats';
    people.changeQuantity = '3';
    people.prorationBehavior = 'always_invoice';
    people.refreshPreview();
    await people.upcoming.load();

    const proposal = {
      items: [{ id: 'si_1', price: 'price_seats', quantity: 3 }],
      prorationBehavior: 'always_invoice',
    };
    expect(transport.callsOf('invoices.upcoming').at(-1)).toEqual([
      { subscription: 'sub_1', ...proposal },
    ]);
    expect(people.upcoming.value).toEqual(preview);
    await people.applyChange();
    expect(transport.callsOf('subscriptions.update')).toEqual([['sub_1', proposal]]);
  });
});
