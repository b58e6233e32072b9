// Meter events back as the calls that sent them, for scenario files: the journal keeps one marker
// per billing.meterEvents call, and the columns keep the events, each call's first one marked.
// Expanding the markers in order gives calls that replay to the same columns and identifiers.
import type { Meter } from '../../public/types';
import type { MeterEventsJson } from './store';

export interface MeterEventArgs {
  eventName: string;
  payload: Record<string, string>;
  timestamp: number;
  identifier?: string;
}

/** The events of each meter event call, oldest call first. */
export function meterEventCalls(
  meters: readonly Meter[],
  events: MeterEventsJson,
): MeterEventArgs[][] {
  const meterById = new Map(meters.map((meter) => [meter.id, meter]));
  const count = events.nextSeq;
  const partitionOf = new Uint32Array(count);
  const rowOf = new Uint32Array(count);
  events.partitions.forEach((partition, index) => {
    partition.seqs.forEach((seq, row) => {
      // NOTE: generated events (no seq) are left out: the file replays their generator instead.
      if (seq >= count) return;
      partitionOf[seq] = index;
      rowOf[seq] = row;
    });
  });
  const starts = events.partitions.map((partition) => new Set(partition.callStarts));
  const calls: MeterEventArgs[][] = [];
  for (let seq = 0; seq < count; seq++) {
    const index = partitionOf[seq]!;
    const row = rowOf[seq]!;
    const partition = events.partitions[index]!;
    const meter = meterById.get(partition.meter)!;
    const payload: Record<string, string> = {
      [meter.customerMapping.eventPayloadKey]: partition.customer,
    };
    // NOTE: count stores no value of its own; the other payload keys are not kept.
    if (meter.defaultAggregation.formula !== 'count')
      payload[meter.valueSettings.eventPayloadKey] = String(partition.values[row]);
    const identifier = partition.identifiers[row] ?? events.identifiers[seq];
    const event: MeterEventArgs = {
      eventName: meter.eventName,
      payload,
      timestamp: partition.timestamps[row]!,
      ...(identifier === undefined ? {} : { identifier }),
    };
    if (starts[index]!.has(row) || calls.length === 0) calls.push([event]);
    else calls.at(-1)!.push(event);
  }
  return calls;
}
