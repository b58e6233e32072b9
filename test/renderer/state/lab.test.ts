import { describe, expect, it } from 'vitest';
import type { StrategyComparison } from '../../../core/public/types';
import type { AggregateUsage } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { LabState } from '../../../renderer/state/lab.svelte';
import { LessonState } from '../../../renderer/state/lesson.svelte';
import { FakeTransport } from '../fake-transport';

/** One period of a seat stream: set 5, then 12 (the peak), then 8 (the last). */
function comparison(): StrategyComparison {
  const result = (strategy: AggregateUsage, quantity: number, deciding: number | null) => ({
    aggregation: {
      strategy,
      quantity,
      timestampCount: 3,
      decidingTimestamp: deciding,
      span: { start: 0, end: 100 },
      summary: '',
    },
    amount: quantity * 100,
    amountExact: String(quantity * 100),
  });
  return {
    subscriptionItem: 'si_1',
    price: 'price_seats',
    currency: 'EUR',
    periods: [
      {
        start: 0,
        end: 100,
        open: true,
        strategies: {
          sum: result('sum', 25, null),
          max: result('max', 12, 20),
          last_during_period: result('last_during_period', 8, 30),
          last_ever: result('last_ever', 8, 30),
        },
      },
    ],
  };
}

function setup() {
  const transport = new FakeTransport().on('analysis.strategies', comparison);
  const lab = new LabState(new AppState(createApiClient(transport)));
  return { lab, transport };
}

describe('LabState', () => {
  it('asks nothing and marks nothing without a metered item', async () => {
    const { lab } = setup();
    await lab.comparison.load();
    expect(lab.comparison.value).toBeNull(); // no item chosen yet: nothing is asked
    lab.chooseStrategy('max');
    expect(lab.marks).toEqual([]);
  });

  it('follows the chosen strategy without asking the engine again', async () => {
    const { lab, transport } = setup();
    lab.comparison.value = comparison();
    lab.chooseStrategy('max');
    expect(lab.marks.map((mark) => [mark.timestamp, mark.quantity])).toEqual([[20, 12]]);
    lab.chooseStrategy('last_during_period');
    expect(lab.marks.map((mark) => [mark.timestamp, mark.quantity])).toEqual([[30, 8]]);
    lab.chooseStrategy('sum');
    expect(lab.marks).toEqual([]);
    expect(transport.calls).toEqual([]);
  });
});

describe('LessonState', () => {
  it('hides each figure until the learner answers, then says whether it was right', async () => {
    const { lab } = setup();
    lab.comparison.value = comparison();
    const lesson = new LessonState(lab);
    lesson.start();
    expect(lab.chosenStrategy).toBe('sum');
    expect(lesson.hidden).toEqual(['sum', 'max', 'last_during_period', 'last_ever']);
    lesson.answer = '25';
    await lesson.reveal();
    // set 5, 12, 8: sum 5 + 12 + 8 = 25
    expect(lesson.correct).toBe(true);
    expect(lesson.explanation).toBe('sum adds every record of the period: 25.');
    expect(lesson.hidden).toEqual(['max', 'last_during_period', 'last_ever']);
    lesson.next();
    expect(lab.chosenStrategy).toBe('max');
    lesson.answer = '8';
    await lesson.reveal();
    expect(lesson.correct).toBe(false);
    expect(lesson.expected).toBe(12);
  });

  it('closes the period before answering the last_ever question', async () => {
    const transport = new FakeTransport()
      .on('analysis.strategies', comparison)
      .on('testClock.advanceBillingPeriod', () => ({
        id: 'clock_1',
        object: 'test_clock',
        frozenTime: 100,
      }))
      .on('workspace.current', () => null);
    const lab = new LabState(new AppState(createApiClient(transport)));
    lab.catalog.value = {
      subscriptions: {
        data: [{ id: 'sub_1', customer: 'cust_1', items: { data: [{ id: 'si_1', price: 'p' }] } }],
      },
      prices: { data: [{ id: 'p', currency: 'EUR', recurring: { usageType: 'metered' } }] },
      customers: { data: [] },
    } as never;
    lab.comparison.value = comparison();
    const lesson = new LessonState(lab);
    lesson.start();
    for (let step = 0; step < 3; step++) {
      await lesson.reveal();
      lesson.next();
    }
    expect(lesson.current.strategy).toBe('last_ever');
    expect(transport.callsOf('testClock.advanceBillingPeriod')).toEqual([]);
    await lesson.reveal();
    expect(transport.callsOf('testClock.advanceBillingPeriod')).toEqual([
      [{ subscription: 'sub_1' }],
    ]);
    expect(lesson.hidden).toEqual([]);
    lesson.next();
    expect(lesson.active).toBe(false);
  });
});
