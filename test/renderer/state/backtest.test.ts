import { describe, expect, it } from 'vitest';
import type { BacktestOutcome, UsagePreview } from '../../../core/public/backtest';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import {
  BacktestState,
  changeDistribution,
  draftOf,
  entryOf,
  sortRows,
  type CustomerRow,
} from '../../../renderer/state/backtest.svelte';
import { FakeTransport } from '../fake-transport';

const rows: CustomerRow[] = [
  { customer: 'cust_10', amount: 500, change: 100, changePct: 25 },
  { customer: 'cust_2', amount: 100, change: -100, changePct: -50 },
  { customer: 'cust_1', amount: 300, change: 300, changePct: null },
  { customer: 'cust_3', amount: 200, change: 0, changePct: 0 },
];

describe('the customer table and the distribution', () => {
  it('sorts by a column either way, ties by customer in numeric order', () => {
    expect(sortRows(rows, 'change', true).map((r) => r.customer)).toEqual([
      'cust_1',
      'cust_10',
      'cust_3',
      'cust_2',
    ]);
    expect(sortRows(rows, 'customer', false).map((r) => r.customer)).toEqual([
      'cust_1',
      'cust_2',
      'cust_3',
      'cust_10',
    ]);
    // From nothing (no percentage) sorts as the largest rise.
    expect(sortRows(rows, 'changePct', true)[0]!.customer).toBe('cust_1');
  });

  it('counts customers per bucket of change, from-nothing apart', () => {
    const { labels, counts } = changeDistribution(rows);
    const count = (label: string) => counts[labels.indexOf(label)];
    expect(count('≤ −50%')).toBe(1);
    expect(count('unchanged')).toBe(1);
    expect(count('20 to 50%')).toBe(1);
    expect(count('from nothing')).toBe(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(rows.length);
  });
});

describe('hypothesis drafts', () => {
  it('round-trips a prices.json entry, coupon and minimum in minor units', () => {
    const entry = {
      key: 'b',
      name: 'B',
      meter: 'api_calls',
      currency: 'EUR',
      unitAmountDecimal: '0.15',
      coupon: { percentOff: 20, duration: 'repeating', durationInMonths: 3 },
      minimumCommitment: { amount: 10050 },
    };
    const draft = draftOf(entry);
    expect(draft).toMatchObject({ couponPct: '20', couponMonths: '3', minimum: '100.50' });
    expect(entryOf(draft)).toEqual(entry);
    expect(entryOf({ ...draft, couponPct: '', couponMonths: '', minimum: '' })).toEqual({
      key: 'b',
      name: 'B',
      meter: 'api_calls',
      currency: 'EUR',
      unitAmountDecimal: '0.15',
    });
  });
});

describe('a coupon the form does not edit', () => {
  it('stays as the prices.json gave it', () => {
    const coupon = { amountOff: 500, currency: 'EUR', duration: 'once' };
    const entry = { key: 'c', name: 'C', meter: 'm', currency: 'EUR', unitAmount: 1, coupon };
    const draft = draftOf(entry);
    expect(draft.couponPct).toBe('');
    expect(entryOf(draft)).toEqual(entry);
  });
});

describe('BacktestState', () => {
  const preview: UsagePreview = {
    file: { id: 'file_1', name: 'usage-sample.csv.gz', size: 10 },
    source: 'usage-sample.csv.gz',
    columns: [{ name: 'customer', type: 'VARCHAR' }],
    rows: [{ customer: 'c1' }],
    mapping: {
      customer: 'customer',
      meter: 'meter',
      timestamp: 'timestamp',
      quantity: 'quantity',
      action: null,
    },
  };
  const outcome = {
    current: 'a',
    hypotheses: [{ key: 'a', byCustomer: rows }],
  } as unknown as BacktestOutcome;

  it('tries the sample in one click: its file previewed, its hypotheses, one run', async () => {
    const transport = new FakeTransport()
      .on('backtest.sample', () => ({
        file: preview.file!,
        hypotheses: [
          { key: 'a', name: 'A', meter: 'api_calls', currency: 'EUR', unitAmountDecimal: '0.2' },
        ],
      }))
      .on('backtest.preview', () => preview)
      .on('backtest.run', () => outcome);
    const backtest = new BacktestState(new AppState(createApiClient(transport)));
    await backtest.trySample();
    expect(transport.calls.map((call) => call.method)).toEqual([
      'backtest.sample',
      'backtest.preview',
      'backtest.run',
    ]);
    expect(transport.callsOf('backtest.run')[0]).toEqual([
      {
        file: 'file_1',
        mapping: preview.mapping,
        hypotheses: [
          { key: 'a', name: 'A', meter: 'api_calls', currency: 'EUR', unitAmountDecimal: '0.2' },
        ],
        current: 'a',
        riskThresholdPct: 20,
        skipBadRows: false,
      },
    ]);
    expect(backtest.outcome).toEqual(outcome);
    // The threshold recounts at once, without a call.
    expect(backtest.atRisk.map((r) => r.customer)).toEqual(['cust_1', 'cust_10']);
    backtest.riskThresholdPct = 30;
    expect(backtest.atRisk.map((r) => r.customer)).toEqual(['cust_1']);
  });

  it('says a prices.json is not JSON or not a list, naming the file', () => {
    const backtest = new BacktestState(new AppState(createApiClient(new FakeTransport())));
    backtest.loadPricesJson('prices.json', '{ nope');
    expect(backtest.error?.message).toMatch(/^prices\.json is not JSON/);
    backtest.loadPricesJson('prices.json', '{"key": "a"}');
    expect(backtest.error?.message).toBe(
      'prices.json is not a list of hypotheses: [{ "key", "name", "meter", ... }].',
    );
    expect(backtest.drafts).toEqual([]);
  });
});
