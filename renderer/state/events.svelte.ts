// Events: the log, each event's signed webhook delivery, and the guide's handler check: verify
// the delivery as received (succeeds), then with a tampered body (fails). With the developer
// sandbox on, each event's real deliveries too: every try per endpoint, and a resend.
import type {
  BillingEvent,
  EventPage,
  EventType,
  List,
  SimulatorSettings,
  WebhookDelivery,
  WebhookDeliveryLog,
  WebhookEndpoint,
} from '../../core/public/types';
import { asApiError, type ApiError } from '../api/client';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export type VerifyOutcome = { ok: true; event: BillingEvent } | { ok: false; error: ApiError };

/** The delivery's body with its first digit changed, as if someone altered an amount. */
export function tamper(body: string): string {
  return body.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
}

/** The `t=` of a signature header: when the delivery was signed. */
export function signedAt(header: string): number | null {
  const match = /(?:^|,)\s*t=(\d+)/.exec(header);
  return match ? Number(match[1]) : null;
}

/** What the guide's webhook handler does with a verified event. */
export function handlerAction(type: EventType): string {
  if (type === 'invoice.paid') return 'extendAccess(subscription, periodEnd)';
  if (type === 'invoice.payment_failed') return 'startDunning(customer)';
  return 'nothing (the guide handles invoice.paid and invoice.payment_failed)';
}

export const eventPageSize = 50;

/** How often the deliveries are read again while a resend waits for its try. */
const resendPollMs = 400;
const resendPollTries = 25;

/** A try's outcome in a few words: the status, or why none came. */
export function attemptOutcome(attempt: { status: number | null; error: string | null }): string {
  if (attempt.status !== null) return `HTTP ${attempt.status}`;
  return attempt.error ?? 'no answer';
}

export class EventsState {
  readonly events: Resource<EventPage>;
  readonly endpoints: Resource<List<WebhookEndpoint>>;
  readonly deliveries: Resource<WebhookDelivery[]>;
  readonly settings: Resource<SimulatorSettings>;
  /** The selected event's real deliveries (sent by the developer sandbox), per endpoint. */
  readonly sent: Resource<WebhookDeliveryLog[]>;
  readonly endpointTask = new Task();
  readonly resendTask = new Task();
  type = $state<EventType | ''>('');
  selected = $state<string | null>(null);
  /** The log's first row shown (newest first, from 0). */
  offset = $state(0);
  endpointUrl = $state('http://127.0.0.1:3000/hooks');
  body = $state('');
  header = $state('');
  outcome = $state.raw<VerifyOutcome | null>(null);
  #loadedFor: string | null = null;
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.events = new Resource(() =>
      app.api.call('analysis.eventPage', {
        offset: this.offset,
        limit: eventPageSize,
        ...(this.type ? { type: this.type } : {}),
      }),
    );
    this.endpoints = new Resource(() => app.api.call('webhookEndpoints.list', { limit: 100 }));
    this.settings = new Resource(() => app.api.call('settings.retrieve'));
    this.deliveries = new Resource(async () => {
      const event = this.event;
      return event ? app.api.call('webhookEndpoints.deliveries', { event: event.id }) : [];
    });
    this.sent = new Resource(async () => {
      const event = this.event;
      return event ? app.api.call('webhookEndpoints.deliveryLog', { event: event.id }) : [];
    });
  }

  async load(): Promise<void> {
    await Promise.all([this.events.load(), this.endpoints.load(), this.settings.load()]);
    await this.#loadDeliveries();
  }

  get event(): BillingEvent | null {
    const all = this.events.value?.data ?? [];
    return all.find((e) => e.id === this.selected) ?? all[0] ?? null;
  }

  get delivery(): WebhookDelivery | null {
    return this.deliveries.value?.[0] ?? null;
  }

  get endpoint(): WebhookEndpoint | null {
    const id = this.delivery?.endpoint;
    return this.endpoints.value?.data.find((e) => e.id === id) ?? null;
  }

  async select(id: string): Promise<void> {
    this.selected = id;
    await this.#loadDeliveries();
  }

  filter(type: EventType | ''): void {
    this.type = type;
    this.selected = null;
    this.offset = 0;
    void this.load();
  }

  /** Events matching the filter, in all pages. */
  get total(): number {
    return this.events.value?.total ?? 0;
  }

  page(direction: 1 | -1): Promise<void> {
    this.offset = Math.max(0, this.offset + direction * eventPageSize);
    return this.events.load();
  }

  async #loadDeliveries(): Promise<void> {
    await Promise.all([this.deliveries.load(), this.sent.load()]);
    const delivery = this.delivery;
    const key = delivery ? `${delivery.event}/${delivery.endpoint}` : null;
    if (key === this.#loadedFor) return;
    this.#loadedFor = key;
    this.body = delivery?.payload ?? '';
    this.header = delivery?.signatureHeader ?? '';
    this.outcome = null;
  }

  async createEndpoint(): Promise<void> {
    const url = this.endpointUrl.trim();
    const created = await this.endpointTask.run(() =>
      this.#app.change('webhookEndpoints.create', { url }),
    );
    if (created) this.#app.notify('info', `Endpoint ${created.id} signs with ${created.secret}.`);
  }

  /**
   * Sends the selected event to the endpoint again (the sandbox tries it at once, out of turn),
   * then reads the deliveries until the try is recorded.
   */
  async resend(endpoint: string): Promise<void> {
    const event = this.event;
    if (!event) return;
    const done = await this.resendTask.run(() =>
      this.#app.change('webhookEndpoints.resend', { event: event.id, endpoint }),
    );
    if (!done) return;
    for (let i = 0; i < resendPollTries; i++) {
      await new Promise((resolve) => setTimeout(resolve, resendPollMs));
      await this.sent.load();
      const log = this.sent.value?.find((d) => d.endpoint === endpoint);
      if (!log?.resendRequested || this.event?.id !== event.id) return;
    }
  }

  tamperBody(): void {
    this.body = tamper(this.body);
    this.outcome = null;
  }

  resetBody(): void {
    this.body = this.delivery?.payload ?? '';
    this.header = this.delivery?.signatureHeader ?? '';
    this.outcome = null;
  }

  /** Verifies as the endpoint did when the delivery arrived (the moment it was signed). */
  async verify(): Promise<void> {
    const secret = this.endpoint?.secret;
    const now = signedAt(this.header);
    try {
      const event = await this.#app.api.call('webhooks.verify', this.body, this.header, {
        ...(secret ? { secret } : {}),
        ...(now !== null ? { now } : {}),
      });
      this.outcome = { ok: true, event };
    } catch (error) {
      this.outcome = { ok: false, error: asApiError(error) };
    }
  }
}
