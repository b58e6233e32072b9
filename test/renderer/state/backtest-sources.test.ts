// BacktestState's sources and edits: a ClickHouse table previewed and run, the from/until range
// passed as typed, and edited hypotheses re-priced with only the newest answer shown.
import { describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../../core/contract';
import type { BacktestOutcome, UsagePreview } from '../../../core/public/backtest';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { BacktestState } from '../../../renderer/state/backtest.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

const tablePreview: UsagePreview = {
  file: null,
  source: 'ClickHouse table billing.usage',
  columns: [{ name: 'account', type: 'String' }],
  rows: [{ account: 'c1' }],
  mapping: {
    customer: 'account',
    meter: 'meter',
    timestamp: 'ts',
    quantity: 'quantity',
    action: null,
    sequence: 'seq',
  },
};

const entries = [
  { key: 'a', name: 'A', meter: 'api', currency: 'EUR', unitAmountDecimal: '0.2' },
  { key: 'b', name: 'B', meter: 'api', currency: 'EUR', unitAmountDecimal: '0.1' },
];

const outcomeOf = (current: string, label: string) =>
  ({
    current,
    source: label,
    hypotheses: [{ key: 'a', byCustomer: [] }],
  }) as unknown as BacktestOutcome;

/** A fake whose re-pricings answer when the test says, in any order. */
class ControlledTransport extends FakeTransport {
  readonly pending: { args: unknown[]; answer: (result: DispatchResult) => void }[] = [];

  override call(method: string, args: unknown[]): Promise<DispatchResult> {
    if (method !== 'backtest.reprice') return super.call(method, args);
    this.calls.push({ method, args: structuredClone(args) });
    return new Promise((answer) => this.pending.push({ args, answer }));
  }
}

async function ranBacktest(transport: FakeTransport) {
  transport
    .on('backtest.preview', () => tablePreview)
    .on('backtest.run', () => outcomeOf('a', 'run'));
  const backtest = new BacktestState(new AppState(createApiClient(transport)));
  backtest.loadPricesJson('prices.json', JSON.stringify(entries));
  backtest.clickhouse = { url: 'http://127.0.0.1:8123', table: 'billing.usage' };
  await backtest.previewTable();
  backtest.from = '2025-03-01';
  backtest.until = '2025-06-15';
  await backtest.run();
  return backtest;
}

describe('BacktestState with a ClickHouse table and a range', () => {
  it('previews the table and runs it with its mapping and the range as typed', async () => {
    const transport = new FakeTransport();
    const backtest = await ranBacktest(transport);
    expect(backtest.sourceKind).toBe('clickhouse');
    expect(transport.callsOf('backtest.preview')).toEqual([
      [{ clickhouse: { url: 'http://127.0.0.1:8123', table: 'billing.usage' } }],
    ]);
    expect(backtest.mapping.sequence).toBe('seq');
    expect(transport.callsOf('backtest.run')[0]).toEqual([
      {
        clickhouse: { url: 'http://127.0.0.1:8123', table: 'billing.usage' },
        mapping: tablePreview.mapping,
        hypotheses: entries,
        current: 'a',
        riskThresholdPct: 20,
        skipBadRows: false,
        from: '2025-03-01',
        until: '2025-06-15',
      },
    ]);
    expect(backtest.outcome?.source).toBe('run');
    // Back to a file: the table's preview is not the file's.
    backtest.setSourceKind('file');
    expect(backtest.preview).toBeNull();
    expect(backtest.ready).toBe(false);
  });
});

describe('editing a hypothesis once results are shown', () => {
  it('re-prices with the edited hypotheses, once per change, showing only the newest answer', async () => {
    const transport = new ControlledTransport();
    const backtest = await ranBacktest(transport);
    void backtest.edited();
    expect(transport.pending).toHaveLength(0); // nothing changed since the run

    backtest.drafts[1]!.couponPct = '5';
    const first = backtest.edited();
    backtest.drafts[1]!.couponPct = '50';
    const second = backtest.edited();
    expect(transport.pending.map((call) => call.args)).toEqual([
      [
        {
          hypotheses: [
            entries[0],
            { ...entries[1], coupon: { percentOff: 5, duration: 'forever' } },
          ],
          current: 'a',
          riskThresholdPct: 20,
        },
      ],
      [
        {
          hypotheses: [
            entries[0],
            { ...entries[1], coupon: { percentOff: 50, duration: 'forever' } },
          ],
          current: 'a',
          riskThresholdPct: 20,
        },
      ],
    ]);
    // The newest answers first; the older one's late answer is not shown.
    transport.pending[1]!.answer({ ok: true, data: outcomeOf('a', 'newest') });
    await second;
    transport.pending[0]!.answer({ ok: true, data: outcomeOf('a', 'older') });
    await first;
    expect(backtest.outcome?.source).toBe('newest');

    // Superseded re-pricings say nothing; another refusal is shown, naming its field.
    backtest.drafts[1]!.meter = 'storage';
    const third = backtest.edited();
    transport.pending[2]!.answer({
      ok: false,
      error: new EngineRefusal('backtest_superseded', null, 'A newer edit.').envelope,
    });
    await third;
    expect(backtest.error).toBeNull();
    backtest.drafts[1]!.meter = 'storage_gb';
    const fourth = backtest.edited();
    transport.pending[3]!.answer({
      ok: false,
      error: new EngineRefusal('backtest_rerun_needed', 'hypotheses[1].meter', 'Run again.')
        .envelope,
    });
    await fourth;
    expect(backtest.error?.envelope).toMatchObject({
      code: 'backtest_rerun_needed',
      param: 'hypotheses[1].meter',
    });
    expect(backtest.outcome?.source).toBe('newest');
  });
});
