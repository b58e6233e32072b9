import { describe, expect, it } from 'vitest';
import type { Customer, Price, Subscription, UpcomingInvoice } from '../../../core/public/types';
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

describe('CustomersState list', () => {
  function paged(total: number) {
    const customer = (n: number) => ({ id: `cust_${n}`, name: `Team ${n}` }) as Customer;
    const transport = new FakeTransport()
      .on('analysis.customerPage', (args) => {
        const offset = args?.offset ?? 0;
        const count = Math.max(0, Math.min(args?.limit ?? 50, total - offset));
        return {
          object: 'customer_page',
          data: Array.from({ length: count }, (_, i) => customer(total - offset - i)),
          offset,
          total,
        };
      })
      .on('subscriptions.list', () => ({ object: 'list', data: [], hasMore: false }));
    return { transport, people: new CustomersState(new AppState(createApiClient(transport))) };
  }

  it('pages 50 customers at a time and keeps the selected one shown past its page', async () => {
    const { transport, people } = paged(500);
    await people.customers.load();
    people.select('cust_500');
    expect(transport.callsOf('subscriptions.list').at(-1)).toEqual([
      { limit: 100, customer: 'cust_500' },
    ]);
    await people.page(1);
    expect(people.customers.value?.data[0]?.name).toBe('Team 450');
    expect(people.total).toBe(500);
    expect(people.customer?.name).toBe('Team 500');
  });

  it('finds customers by name from the first page', async () => {
    const { transport, people } = paged(120);
    await people.page(1);
    await people.find(' Team 7 ');
    expect(transport.callsOf('analysis.customerPage').at(-1)).toEqual([
      { offset: 0, limit: 50, name: 'Team 7' },
    ]);
  });
});
