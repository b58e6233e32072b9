// Meter formulas (BILLING-RULES "Meters"): the non-canceled events of one customer in one window
// [start, end) become one value, with the explanation a line shows. Whole values are summed as
// numbers while the running sum stays exact; decimals (and sums beyond 2^53) go through Dec.
import { Dec } from '../../values/money';
import { utcSeconds } from '../../values/time';
import type { MeterAggregationExplanation, MeterEventNote, MeterFormula } from '../../public/types';
import { CANCELED } from './columns';
import type { MeterEventColumns } from './columns';

export interface Window {
  start: number;
  end: number;
}

interface Scan {
  value: string;
  counted: number;
  canceled: number;
  late: number;
  decidingRow: number;
  /** The first NAMED_EVENTS canceled and late rows, when asked for. */
  canceledRows: number[];
  lateRows: number[];
}

/** How many canceled (and late) events an explanation names; the counts give the rest. */
export const NAMED_EVENTS = 20;

/** A decimal as a canonical string: no exponent, no trailing zeros, no '-0'. */
export function canonicalDecimal(value: Dec): string {
  return value.isZero() ? '0' : value.toFixed();
}

function scan(
  formula: MeterFormula,
  columns: MeterEventColumns | undefined,
  window: Window,
  lateAfter: number,
  nameEvents = false,
): Scan {
  const result: Scan = {
    value: '0',
    counted: 0,
    canceled: 0,
    late: 0,
    decidingRow: -1,
    canceledRows: [],
    lateRows: [],
  };
  if (!columns) return result;
  const [lo, hi] = columns.candidateRows(window.start, window.end);
  const timestamps = columns.timestamps;
  const created = columns.created;
  const values = columns.values;
  const flags = columns.flags;
  const { start, end } = window;
  let sum = 0;
  let exactSum = true;
  let decimalSum: Dec | null = null;
  let peak = -Infinity;
  let peakDecimal: Dec | null = null;
  let lastTimestamp = -1;
  const unique = formula === 'unique_count' ? new Set<string>() : null;
  for (let row = lo; row < hi; row++) {
    const timestamp = timestamps[row]!;
    if (timestamp < start || timestamp >= end) continue;
    if ((flags[row]! & CANCELED) !== 0) {
      if (nameEvents && result.canceled < NAMED_EVENTS) result.canceledRows.push(row);
      result.canceled++;
      continue;
    }
    result.counted++;
    if (created[row]! >= lateAfter) {
      if (nameEvents && result.late < NAMED_EVENTS) result.lateRows.push(row);
      result.late++;
    }
    const value = values[row]!;
    switch (formula) {
      case 'sum':
        if (value === value) {
          sum += value;
          if (sum > Number.MAX_SAFE_INTEGER || sum < -Number.MAX_SAFE_INTEGER) exactSum = false;
        } else decimalSum = (decimalSum ?? new Dec(0)).plus(columns.decimalAt(row));
        break;
      case 'max': {
        // NOTE: a repeated peak is decided by its first event in the order they were accepted.
        if (value === value && peakDecimal === null) {
          if (value > peak) {
            peak = value;
            result.decidingRow = row;
          }
          break;
        }
        const exact = new Dec(value === value ? value : columns.decimalAt(row));
        const current = peakDecimal ?? (peak === -Infinity ? null : new Dec(peak));
        if (current === null || exact.gt(current)) {
          peakDecimal = exact;
          result.decidingRow = row;
        }
        break;
      }
      case 'last':
        // NOTE: last: the latest timestamp; a tie goes to the later sent, then the later accepted
        // (rows are in acceptance order, so a later row wins a tie).
        if (timestamp >= lastTimestamp) {
          lastTimestamp = timestamp;
          result.decidingRow = row;
        }
        break;
      case 'unique_count':
        unique!.add(columns.valueText(row));
        break;
      case 'count':
        break;
    }
  }
  switch (formula) {
    case 'sum': {
      if (!exactSum) {
        let total = new Dec(0);
        for (let row = lo; row < hi; row++) {
          const timestamp = timestamps[row]!;
          if (timestamp >= start && timestamp < end && (flags[row]! & CANCELED) === 0)
            total = total.plus(columns.valueText(row));
        }
        result.value = canonicalDecimal(total);
      } else if (decimalSum !== null) result.value = canonicalDecimal(decimalSum.plus(sum));
      else result.value = String(sum + 0);
      break;
    }
    case 'count':
      result.value = String(result.counted);
      break;
    case 'unique_count':
      result.value = String(unique!.size);
      break;
    default:
      if (result.decidingRow !== -1) result.value = columns.valueText(result.decidingRow);
  }
  return result;
}

/** The raw value of `formula` over a window (event summaries, alerts): not clamped at 0. */
export function meterValue(
  formula: MeterFormula,
  columns: MeterEventColumns | undefined,
  window: Window,
): string {
  return scan(formula, columns, window, Infinity).value;
}

const FORMULA_MEANING: Record<MeterFormula, string> = {
  sum: 'the values add up to',
  count: 'the number of events is',
  last: 'the value of the latest event is',
  max: 'the largest value is',
  unique_count: 'the number of distinct values is',
};

function eventsText(count: number): string {
  return `${count} ${count === 1 ? 'event' : 'events'}`;
}

/** The identifier of an accepted event (see MeterEventNote.identifier). */
export type IdentifierOf = (columns: MeterEventColumns, row: number) => string | null;

/**
 * The billable quantity of a meter's events for one customer over `span`, with its explanation;
 * with `identifierOf`, it names the canceled and late events and the deciding one's identifier.
 * NOTE: billed quantity = max(0, aggregate); a window without events is 0 for every formula.
 */
export function aggregateMeter(
  meter: string,
  formula: MeterFormula,
  columns: MeterEventColumns | undefined,
  span: Window,
  identifierOf?: IdentifierOf,
): MeterAggregationExplanation {
  const result = scan(formula, columns, span, span.end, identifierOf !== undefined);
  const note = (row: number): MeterEventNote => ({
    identifier: identifierOf!(columns!, row),
    timestamp: columns!.timestamps[row]!,
    created: columns!.created[row]!,
    value: columns!.valueText(row),
  });
  const quantity = result.value[0] === '-' ? '0' : result.value;
  const deciding =
    result.decidingRow === -1
      ? null
      : {
          timestamp: columns!.timestamps[result.decidingRow]!,
          created: columns!.created[result.decidingRow]!,
          value: columns!.valueText(result.decidingRow),
        };
  const parts: string[] = [];
  if (result.counted === 0) parts.push(`${formula}: no events in the window, so the quantity is 0`);
  else
    parts.push(
      `${formula}: over ${eventsText(result.counted)}, ${FORMULA_MEANING[formula]} ${result.value}`,
    );
  if (deciding && formula === 'last')
    parts.push(
      `decided by the event stamped ${utcSeconds(deciding.timestamp)} (value ${deciding.value}, sent ${utcSeconds(deciding.created)})`,
    );
  if (deciding && formula === 'max')
    parts.push(`the peak was stamped ${utcSeconds(deciding.timestamp)}`);
  if (quantity !== result.value) parts.push(`negative usage bills quantity 0`);
  if (result.canceled > 0) parts.push(`${eventsText(result.canceled)} canceled, counted nowhere`);
  if (result.late > 0)
    parts.push(`${eventsText(result.late)} arrived after the period ended and updated the draft`);
  parts.push('duplicates are refused when sent, so none is counted');
  return {
    meter,
    formula,
    value: result.value,
    quantity,
    eventsCounted: result.counted,
    eventsCanceled: result.canceled,
    eventsLate: result.late,
    deciding,
    ...(identifierOf
      ? {
          decidingIdentifier:
            result.decidingRow === -1 ? null : identifierOf(columns!, result.decidingRow),
          canceledEvents: result.canceledRows.map(note),
          lateEvents: result.lateRows.map(note),
        }
      : {}),
    span: { start: span.start, end: span.end },
    summary: `${parts.join('; ')}.`,
  };
}
