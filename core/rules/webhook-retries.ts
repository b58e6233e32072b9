// When a webhook delivery is tried again. A host sending webhooks makes a few quick tries in real
// time (its own schedule, seconds apart); after the last of those fails, the delivery waits for
// the test clock, so a developer who fixes their route can watch the retries come as they advance
// the clock instead of waiting hours of wall time.

const HOUR = 3_600;

// NOTE: retries on the test clock come 1 h, 6 h, 24 h and 72 h after the try before them
// (about four days in all, as a live sandbox retries for days); then the delivery has failed.
export const WEBHOOK_CLOCK_RETRY_DELAYS = [HOUR, 6 * HOUR, 24 * HOUR, 72 * HOUR] as const;

/**
 * The test-clock time of the next retry after a failed try at `now`, when `scheduled` retries on
 * the test clock were scheduled before; null when they have run out.
 */
export function nextClockRetry(scheduled: number, now: number): number | null {
  const delay = WEBHOOK_CLOCK_RETRY_DELAYS[scheduled];
  return delay === undefined ? null : now + delay;
}
