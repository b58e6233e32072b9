// What a meter-priced invoice line shows of its events: the counts, and one row per event the
// engine's explanation names (the one that decided a last or a max, the canceled, the late).
import type { MeterAggregationExplanation, MeterEventNote } from '../../core/public/types';
import { formatCount } from './count';

export interface MeterEventRow {
  kind: 'decided' | 'canceled' | 'late';
  /** What the kind means for the bill, in a few words. */
  meaning: string;
  identifier: string | null;
  timestamp: number;
  created: number;
  value: string;
}

export interface MeterLineEvents {
  /** '3 counted · 1 canceled · 0 late': every event of the window, named or not. */
  counts: string;
  rows: MeterEventRow[];
  /** Events counted beyond those named ('and 4 more canceled'), or ''. */
  more: string;
}

function row(kind: MeterEventRow['kind'], meaning: string, note: MeterEventNote): MeterEventRow {
  return { kind, meaning, ...note };
}

export function meterLineEvents(meter: MeterAggregationExplanation): MeterLineEvents {
  const rows: MeterEventRow[] = [];
  if (meter.deciding) {
    rows.push(
      row(
        'decided',
        meter.formula === 'last' ? 'latest timestamp: its value is billed' : 'the peak: billed',
        { identifier: meter.decidingIdentifier ?? null, ...meter.deciding },
      ),
    );
  }
  for (const note of meter.canceledEvents ?? [])
    rows.push(row('canceled', 'counted nowhere', note));
  for (const note of meter.lateEvents ?? [])
    rows.push(row('late', 'sent after the period ended; counted in the draft', note));
  const more: string[] = [];
  const moreCanceled = meter.eventsCanceled - (meter.canceledEvents?.length ?? 0);
  const moreLate = meter.eventsLate - (meter.lateEvents?.length ?? 0);
  if (moreCanceled > 0) more.push(`${formatCount(moreCanceled)} more canceled`);
  if (moreLate > 0) more.push(`${formatCount(moreLate)} more late`);
  return {
    counts: [
      `${formatCount(meter.eventsCounted)} counted`,
      `${formatCount(meter.eventsCanceled)} canceled`,
      `${formatCount(meter.eventsLate)} late`,
    ].join(' · '),
    rows,
    more: more.length > 0 ? `And ${more.join(', ')} (not listed).` : '',
  };
}
