// A meter line's events as the invoice view lists them: counts, then the deciding, canceled and
// late events the explanation names, and how many it did not list.
import { describe, expect, it } from 'vitest';
import type { MeterAggregationExplanation } from '../../../core/public/types';
import { meterLineEvents } from '../../../renderer/lib/meter-line';

const base: MeterAggregationExplanation = {
  meter: 'mtr_1',
  formula: 'last',
  value: '6',
  quantity: '6',
  eventsCounted: 1200,
  eventsCanceled: 22,
  eventsLate: 1,
  deciding: { timestamp: 1_738_300_000, created: 1_738_300_060, value: '6' },
  decidingIdentifier: 'reading-2',
  canceledEvents: Array.from({ length: 20 }, (_, i) => ({
    identifier: `req-${i}`,
    timestamp: 1_738_000_000 + i,
    created: 1_738_000_000 + i,
    value: '1',
  })),
  lateEvents: [{ identifier: null, timestamp: 1_738_367_990, created: 1_738_369_000, value: '2' }],
  span: { start: 1_735_689_600, end: 1_738_368_000 },
  summary: 'last: …',
};

describe('meterLineEvents', () => {
  it('counts every event and lists the named ones, the deciding one first', () => {
    const events = meterLineEvents(base);
    expect(events.counts).toBe('1,200 counted · 22 canceled · 1 late');
    expect(events.rows.map((row) => row.kind)).toEqual([
      'decided',
      ...Array<string>(20).fill('canceled'),
      'late',
    ]);
    expect(events.rows[0]).toMatchObject({
      identifier: 'reading-2',
      timestamp: 1_738_300_000,
      created: 1_738_300_060,
      value: '6',
      meaning: 'latest timestamp: its value is billed',
    });
    expect(events.rows[21]).toMatchObject({ identifier: null, value: '2' });
    expect(events.more).toBe('And 2 more canceled (not listed).');
  });

  it('reads an explanation made before events were named: counts only', () => {
    const { decidingIdentifier, canceledEvents, lateEvents, ...older } = base;
    void [decidingIdentifier, canceledEvents, lateEvents];
    const events = meterLineEvents({ ...older, formula: 'sum', deciding: null });
    expect(events.rows).toEqual([]);
    expect(events.more).toBe('And 22 more canceled, 1 more late (not listed).');
  });
});
