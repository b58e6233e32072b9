// Real webhook delivery for `meterlab serve`: each new event goes by HTTP POST to every endpoint
// that enabled its type, signed with `x-vinr-signature` (core/rules/signatures.ts) at the time of
// sending. The queue is the engine's (core/resources/webhook-queue.ts), kept with the workspace:
// new events are queued through dispatch (webhookEndpoints.queueDeliveries), the engine says what
// is due (dueDeliveries: per endpoint one delivery at a time, in event order, and resends), and
// every try is recorded (recordAttempt), so the Events view lists it and a restart goes on with
// the pending ones. A try without a 2xx answer (other status, redirect, timeout, reset) is retried
// after each of `retryDelaysMs` in real time; after those, the engine schedules the retries on
// the test clock (they go when it passes them) and then marks the delivery failed. A receiver
// that hangs, resets, redirects or answers 10 MB costs its own queue at most `timeoutMs` per try:
// it never holds up other endpoints or the API.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HostEvent } from '../core/contract';
import type { Dispatch } from '../core/dispatch';
import type { BillingEvent, WebhookDueDelivery } from '../core/public/types';
import { SIGNATURE_HEADER, signatureHeader } from '../core/rules/signatures';

export interface WebhookSenderOptions {
  dispatch: Dispatch;
  /** Send to any http(s) host; otherwise only to loopback addresses. */
  allowRemote?: boolean;
  /** Waits before each retry (default 2 s, 10 s, 30 s: a few quick tries in real time). */
  retryDelaysMs?: readonly number[];
  /** A try without an answer by then fails (default 10 s). */
  timeoutMs?: number;
  /** Wall clock in milliseconds (default Date.now). */
  now?: () => number;
  /** Hears the host events of the sender's own calls (its tries), so a window shows them live. */
  onEvent?: (event: HostEvent) => void;
}

// NOTE: a few quick retries in real time, then on the test clock (docs/billing-rules.md).
export const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000, 30_000] as const;
const RESPONSE_EXCERPT_CHARS = 500;
const EVENTS_PAGE_MAX = 10_000;

/** True for URLs on this machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface Outcome {
  status: number | null;
  error: string | null;
  excerpt: string;
}

/** One POST: the status and the first characters of the answer, or why none came. */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) {
  return new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(
      () => finish({ status: null, error: `timeout after ${timeoutMs} ms`, excerpt: '' }),
      timeoutMs,
    );
    request.on('response', (response: IncomingMessage) => {
      let excerpt = '';
      response.setEncoding('utf8');
      // Only the start is kept; a huge answer is cut off rather than read.
      response.on('data', (chunk: string) => {
        excerpt += chunk;
        if (excerpt.length >= RESPONSE_EXCERPT_CHARS) {
          finish({
            status: response.statusCode ?? null,
            error: null,
            excerpt: excerpt.slice(0, RESPONSE_EXCERPT_CHARS),
          });
        }
      });
      response.on('end', () =>
        finish({ status: response.statusCode ?? null, error: null, excerpt }),
      );
      response.on('error', () =>
        finish({ status: response.statusCode ?? null, error: null, excerpt }),
      );
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: null, error: error.code ?? error.message, excerpt: '' }),
    );
    request.end(body);
  });
}

export interface WebhookSender {
  /** Something changed: look for new events and for deliveries that are due. */
  poke(): void;
  /** Waits until no delivery is being tried in real time (tests). */
  idle(): Promise<void>;
  /** Stops sending; tries in flight are abandoned (their deliveries stay pending). */
  close(): void;
}

export async function startWebhookSender(options: WebhookSenderOptions): Promise<WebhookSender> {
  const { dispatch } = options;
  const now = options.now ?? Date.now;
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const hooks = options.onEvent ? { onEvent: options.onEvent } : {};
  const seen = new Set<string>();
  /** Endpoints with a delivery in its turn being tried, and resends being tried. */
  const busy = new Set<string>();
  const workers = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();
  let closed = false;
  let scanning: Promise<void> | null = null;
  let rescan = false;

  async function call<T>(method: string, args: unknown[]): Promise<T | null> {
    const result = await dispatch(method, args, hooks);
    return result.ok ? (result.data as T) : null;
  }

  /** Events not seen before, oldest first. */
  async function newEvents(): Promise<BillingEvent[]> {
    for (let limit = 100; ; limit *= 10) {
      const page = await call<{ data: BillingEvent[]; hasMore: boolean }>('events.list', [
        { limit },
      ]);
      if (!page) return [];
      const known = page.data.findIndex((event) => seen.has(event.id));
      if (known >= 0 || !page.hasMore || limit >= EVENTS_PAGE_MAX) {
        const fresh = known >= 0 ? page.data.slice(0, known) : page.data;
        for (const event of fresh) seen.add(event.id);
        return fresh.reverse();
      }
    }
  }

  /** The open scenario whose events `seen` holds. */
  let scenario: string | null = null;
  const currentScenario = async () =>
    (await call<{ id: string } | null>('workspace.current', []))?.id ?? null;

  async function scan(): Promise<void> {
    const before = await currentScenario();
    const fresh = await newEvents();
    const after = await currentScenario();
    if (closed) return;
    if (before !== after) {
      // Another scenario was opened while listing: look again, now that it is open.
      rescan = true;
      return;
    }
    const switched = after !== scenario;
    scenario = after;
    // NOTE: the events of a scenario opened while sending are history, as those from before the
    // start; its own queue goes on.
    if (fresh.length > 0 && !switched) {
      await call('webhookEndpoints.queueDeliveries', [{ events: fresh.map((e) => e.id) }]);
    }
    for (const due of (await call<WebhookDueDelivery[]>('webhookEndpoints.dueDeliveries', [])) ??
      []) {
      const key = due.resend ? `resend ${due.entry.event} ${due.endpoint.id}` : due.endpoint.id;
      if (busy.has(key) || closed) continue;
      busy.add(key);
      const worker: Promise<void> = (
        due.resend ? tryOnce(due, due.entry.attempts + 1).then(() => {}) : deliver(due)
      )
        .catch(() => {})
        .finally(() => {
          busy.delete(key);
          workers.delete(worker);
          poke();
        });
      workers.add(worker);
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  /** A delivery in its turn: tries in real time until a 2xx or the quick retries run out. */
  async function deliver(due: WebhookDueDelivery): Promise<void> {
    for (let attempt = due.entry.attempts + 1; !closed; attempt++) {
      const retried = await tryOnce(due, attempt);
      if (!retried) return;
      await sleep(retryDelays[attempt - 1]!);
    }
  }

  /** One try, recorded; true when the host should try again shortly itself. */
  async function tryOnce(due: WebhookDueDelivery, attempt: number): Promise<boolean> {
    const { event, endpoint } = due;
    const started = now();
    // NOTE: loopback URLs only, unless serve runs with --allow-remote-webhooks.
    const allowed = options.allowRemote || isLoopbackUrl(endpoint.url);
    // NOTE: signed at the time of sending (wall clock), not at the event's simulated time.
    const sentAt = Math.floor(started / 1000);
    let outcome: Outcome;
    if (!allowed) {
      outcome = {
        status: null,
        error: 'url_not_allowed: only loopback URLs unless serve runs with --allow-remote-webhooks',
        excerpt: '',
      };
    } else if (event === null) {
      outcome = {
        status: null,
        error: 'event_not_kept: the event is older than the retention',
        excerpt: '',
      };
    } else {
      const payload = JSON.stringify(event);
      outcome = await post(
        endpoint.url,
        payload,
        {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Meterlab-Webhooks',
          [SIGNATURE_HEADER]: signatureHeader(payload, endpoint.secret, sentAt),
        },
        timeoutMs,
      );
    }
    if (closed) return false;
    const succeeded = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const retry =
      !allowed || event === null
        ? 'never'
        : attempt <= retryDelays.length
          ? 'realTime'
          : 'testClock';
    await call('webhookEndpoints.recordAttempt', [
      {
        endpoint: endpoint.id,
        event: due.entry.event,
        attempt: Math.min(attempt, 1000),
        url: endpoint.url.slice(0, 2048),
        status: outcome.status,
        error: outcome.error?.slice(0, 500) ?? null,
        latencyMs: Math.max(0, now() - started),
        responseExcerpt: outcome.excerpt.slice(0, RESPONSE_EXCERPT_CHARS),
        sentAt,
        ...(due.resend ? { resend: true } : { retry }),
      },
    ]);
    return !succeeded && !due.resend && retry === 'realTime';
  }

  function poke() {
    if (closed) return;
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = scan()
      .catch(() => {})
      .finally(() => {
        scanning = null;
        if (rescan) {
          rescan = false;
          poke();
        }
      });
  }

  // NOTE: events from before this run are history: only new ones are queued. Deliveries queued
  // before (a restart) go on where they stopped.
  scenario = await currentScenario();
  await newEvents();
  poke();

  return {
    poke,
    async idle() {
      while (scanning || workers.size > 0) {
        await scanning;
        await Promise.all([...workers]);
      }
    },
    close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
