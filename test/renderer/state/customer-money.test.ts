import { describe, expect, it } from 'vitest';
import type {
  CreditBalanceSummary,
  CreditGrant,
  CreditGrantBalance,
  Customer,
} from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CustomerMoneyState, grantRows } from '../../../renderer/state/customer-money.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

const customer = { id: 'cust_1', balance: 0, currency: 'EUR' } as Customer;
const DAY = 86_400;
const now = 1_743_465_600; // 2025-04-01 00:00 UTC

function grant(id: string, value: number, fields: Partial<CreditGrant> = {}): CreditGrant {
  return {
    id,
    amount: { type: 'monetary', monetary: { value, currency: 'EUR' } },
    effectiveAt: now - DAY,
    expiresAt: null,
    voidedAt: null,
    ...fields,
  } as CreditGrant;
}

function setup() {
  const transport = new FakeTransport().on('workspace.current', () => null);
  const app = new AppState(createApiClient(transport));
  return { transport, money: new CustomerMoneyState(app, () => customer) };
}

describe('the credit balance form', () => {
  it('sends a credit of EUR 5.00 as -500 and a debit as +500', async () => {
    const { transport, money } = setup();
    transport.on('customers.createBalanceTransaction', () => ({}) as never);
    Object.assign(money.balanceForm, { amount: '5.00', description: ' Goodwill ' });
    await money.addBalanceTransaction();
    Object.assign(money.balanceForm, { direction: 'debit', amount: '2.50' });
    await money.addBalanceTransaction();
    expect(transport.callsOf('customers.createBalanceTransaction')).toEqual([
      ['cust_1', { amount: -500, currency: 'EUR', description: 'Goodwill' }],
      ['cust_1', { amount: 250, currency: 'EUR' }],
    ]);
    expect(money.balanceForm.amount).toBe('');
  });

  it("places the engine's currency refusal at the currency field", async () => {
    const { transport, money } = setup();
    transport.on('customers.createBalanceTransaction', () => {
      throw new EngineRefusal(
        'currency_mismatch',
        'currency',
        'cust_1 is billed in EUR, not USD: use EUR.',
      );
    });
    Object.assign(money.balanceForm, { amount: '1', currency: 'USD' });
    await money.addBalanceTransaction();
    expect(money.balanceForm.issueFor('currency')).toBe(
      'cust_1 is billed in EUR, not USD: use EUR.',
    );
    expect(money.balanceForm.issueFor('amount')).toBeNull();
  });
});

describe('the credit grant form', () => {
  it('sends a promotional EUR 30.00 grant, priority 10, expiring 2025-05-01 (UTC)', async () => {
    const { transport, money } = setup();
    transport.on('billing.creditGrants.create', () => grant('credgr_1', 3000));
    Object.assign(money.grantForm, {
      amount: '30',
      priority: '10',
      expiresAt: '2025-05-01T00:00',
      name: 'Welcome',
    });
    await money.createGrant();
    expect(transport.callsOf('billing.creditGrants.create')).toEqual([
      [
        {
          customer: 'cust_1',
          amount: { type: 'monetary', monetary: { value: 3000, currency: 'EUR' } },
          category: 'promotional',
          applicabilityConfig: { scope: { priceType: 'metered' } },
          priority: 10,
          expiresAt: 1_746_057_600,
          name: 'Welcome',
        },
      ],
    ]);
  });

  it("shows the engine's expiry refusal at the expiry field, with the dates as dates", async () => {
    const { transport, money } = setup();
    transport.on('billing.creditGrants.create', () => {
      throw new EngineRefusal(
        'credit_grant_invalid',
        'expiresAt',
        'expiresAt 1743379200 is not after effectiveAt 1743465600: pass a later expiry, or none.',
      );
    });
    Object.assign(money.grantForm, { amount: '30', expiresAt: '2025-03-31T00:00' });
    await money.createGrant();
    expect(money.grantForm.issueFor('expiresAt')).toBe(
      '“Expires” 2025-03-31 00:00 UTC is not after “Takes effect” 2025-04-01 00:00 UTC: pass a later expiry, or none.',
    );
  });

  it('expires and voids a grant through the engine', async () => {
    const { transport, money } = setup();
    transport
      .on('billing.creditGrants.expire', () => grant('credgr_1', 1))
      .on('billing.creditGrants.voidGrant', () => {
        throw new EngineRefusal(
          'credit_grant_already_applied',
          'id',
          'credgr_1 already paid finalized invoices: expire it instead to stop further use.',
        );
      });
    await money.expire('credgr_1');
    await money.voidGrant('credgr_1');
    expect(transport.callsOf('billing.creditGrants.expire')).toEqual([['credgr_1']]);
    expect(money.grantTask.error?.code).toBe('credit_grant_already_applied');
  });
});

describe('grantRows', () => {
  it("puts each grant beside the engine's ledger of it, leaving out grants the summary lacks", () => {
    const balance = (creditGrant: string, status: CreditGrantBalance['status']) =>
      ({
        creditGrant,
        status,
        applied: 300,
        expired: 0,
        pending: 150,
        remaining: 700,
        currency: 'EUR',
      }) as const;
    const summary = {
      object: 'billing.credit_balance_summary',
      customer: 'cust_1',
      balances: [],
      grants: [balance('credgr_b', 'scheduled'), balance('credgr_a', 'active')],
    } satisfies CreditBalanceSummary;
    const rows = grantRows(
      [grant('credgr_b', 500), grant('credgr_a', 1000), grant('credgr_x', 1)],
      summary,
    );
    expect(rows.map((row) => [row.grant.id, row.balance.status, row.balance.remaining])).toEqual([
      ['credgr_b', 'scheduled', 700],
      ['credgr_a', 'active', 700],
    ]);
    expect(grantRows([grant('credgr_a', 1000)], null)).toEqual([]);
  });
});
