// The webhook delivery queue: each event on its way to each endpoint that enabled its type, kept
// with the scenario so a restarted host goes on where it stopped. The engine sends nothing: the
// host that sends webhooks queues new events, asks which deliveries are due, and reports each try
// (webhookEndpoints.recordAttempt), which settles or reschedules the delivery here.
import { nextClockRetry } from '../rules/webhook-retries';
import type {
  BillingEvent,
  WebhookAttempt,
  WebhookDeliveryLog,
  WebhookDueDelivery,
  WebhookEndpoint,
  WebhookQueueEntry,
} from '../public/types';
import { copy } from '../values/json';
import type { ScenarioState } from './state';

/** Settled deliveries kept (the newest); pending ones are always kept. */
const MAX_SETTLED_KEPT = 1_000;

export type RetryAfterFailure = 'realTime' | 'testClock' | 'never';

export function queueOf(state: ScenarioState): WebhookQueueEntry[] {
  return (state.data.webhookQueue ??= []);
}

export function receives(endpoint: WebhookEndpoint, event: BillingEvent): boolean {
  const wanted = endpoint.enabledEvents ?? ['*'];
  return wanted.includes('*') || wanted.includes(event.type);
}

export function findEntry(
  state: ScenarioState,
  event: string,
  endpoint: string,
): WebhookQueueEntry | undefined {
  return state.data.webhookQueue?.find((e) => e.event === event && e.endpoint === endpoint);
}

export function newEntry(event: BillingEvent, endpoint: string): WebhookQueueEntry {
  return {
    object: 'webhook_queue_entry',
    event: event.id,
    eventType: event.type,
    endpoint,
    status: 'pending',
    attempts: 0,
    clockRetries: 0,
    nextAttemptAt: null,
    resendRequested: false,
  };
}

/** Queues each event (oldest first) for every endpoint that receives it; a pair is queued once. */
export function queueEvents(state: ScenarioState, events: BillingEvent[]): WebhookQueueEntry[] {
  const queue = queueOf(state);
  const queued = new Set(queue.map((e) => `${e.event} ${e.endpoint}`));
  const added: WebhookQueueEntry[] = [];
  for (const event of events) {
    for (const endpoint of state.data.webhookEndpoints) {
      if (!receives(endpoint, event) || queued.has(`${event.id} ${endpoint.id}`)) continue;
      queued.add(`${event.id} ${endpoint.id}`);
      added.push(newEntry(event, endpoint.id));
    }
  }
  queue.push(...added);
  return added.map(copy);
}

/** What a try's outcome does to its delivery. */
export function settleAttempt(
  state: ScenarioState,
  attempt: WebhookAttempt,
  retry: RetryAfterFailure,
): void {
  const entry = findEntry(state, attempt.event, attempt.endpoint);
  if (!entry) return;
  entry.attempts += 1;
  const succeeded = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
  if (attempt.resend) entry.resendRequested = false;
  // NOTE: a resend settles a delivery when it succeeds; when it fails, the schedule is unchanged.
  if (succeeded) {
    entry.status = 'succeeded';
    entry.nextAttemptAt = null;
  } else if (!attempt.resend && entry.status === 'pending') {
    const next = retry === 'realTime' ? null : nextClockRetry(entry.clockRetries, state.now);
    if (retry === 'testClock' && next !== null) {
      entry.nextAttemptAt = next;
      entry.clockRetries += 1;
    } else if (retry !== 'realTime') {
      entry.status = 'failed';
      entry.nextAttemptAt = null;
    }
  }
  if (entry.status !== 'pending') pruneSettled(queueOf(state));
}

function pruneSettled(queue: WebhookQueueEntry[]): void {
  let settled = queue.reduce((n, e) => n + (e.status === 'pending' ? 0 : 1), 0);
  if (settled <= MAX_SETTLED_KEPT) return;
  const kept = queue.filter((e) => e.status === 'pending' || settled-- <= MAX_SETTLED_KEPT);
  queue.splice(0, queue.length, ...kept);
}

/**
 * The deliveries to try now: resends asked for, and per endpoint its first pending delivery
 * when its time has come.
 */
export function dueDeliveries(state: ScenarioState): WebhookDueDelivery[] {
  const endpoints = new Map(state.data.webhookEndpoints.map((e) => [e.id, e]));
  const heads = new Set<string>();
  const due: WebhookDueDelivery[] = [];
  for (const entry of state.data.webhookQueue ?? []) {
    const endpoint = endpoints.get(entry.endpoint);
    if (!endpoint) continue;
    const head = entry.status === 'pending' && !heads.has(entry.endpoint);
    // NOTE: per endpoint in event order: a later event waits until the one before it settles.
    if (head) heads.add(entry.endpoint);
    const time = entry.nextAttemptAt === null || entry.nextAttemptAt <= state.now;
    if (entry.resendRequested || (head && time)) {
      due.push({
        entry: copy(entry),
        event: keptEvent(state, entry.event),
        endpoint: copy(endpoint),
        resend: entry.resendRequested,
      });
    }
  }
  return due;
}

/** The event, or null when it is no longer kept (older than the retention). */
function keptEvent(state: ScenarioState, id: string): BillingEvent | null {
  try {
    return state.event(id);
  } catch {
    return null;
  }
}

/** An event's delivery to each endpoint that receives it (or was sent it), with every try. */
export function deliveryLogs(state: ScenarioState, event: BillingEvent): WebhookDeliveryLog[] {
  const attempts = (state.data.webhookAttempts ?? []).filter((a) => a.event === event.id);
  return state.data.webhookEndpoints
    .filter(
      (endpoint) =>
        receives(endpoint, event) ||
        findEntry(state, event.id, endpoint.id) ||
        attempts.some((a) => a.endpoint === endpoint.id),
    )
    .map((endpoint) => {
      const entry = findEntry(state, event.id, endpoint.id);
      return {
        endpoint: endpoint.id,
        url: endpoint.url,
        status: entry?.status ?? 'not_queued',
        nextAttemptAt: entry?.nextAttemptAt ?? null,
        resendRequested: entry?.resendRequested ?? false,
        attempts: attempts.filter((a) => a.endpoint === endpoint.id).map(copy),
      };
    });
}
