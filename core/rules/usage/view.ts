// How the rules read one item's usage: ascending timestamps, one value per distinct timestamp,
// and the index range of a half-open time span (binary search).

/** Usage of one subscription item: ascending timestamps, one value per distinct timestamp. */
export interface UsageView {
  readonly length: number;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** The first index in [0, length) of ascending `timestamps` holding a time >= `time` (length when none). */
export function lowerBound(timestamps: ArrayLike<number>, length: number, time: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The indices [lo, hi) of the timestamps in the half-open span [start, end).
 * NOTE: a record stamped exactly at `end` belongs to the next period.
 */
export function indexRange(usage: UsageView, start: number, end: number): [number, number] {
  const timestamps = usage.timestamps;
  const lo = lowerBound(timestamps, usage.length, start);
  return [lo, Math.max(lo, lowerBound(timestamps, usage.length, end))];
}
