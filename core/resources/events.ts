// Events, webhook endpoints and signatures. The engine sends nothing itself: a delivery is the
// signed payload an endpoint would receive; hosts do the sending (`meterlab serve`,
// electron/webhook-sender.ts): they queue new events (queueDeliveries), ask what is due
// (dueDeliveries) and report each try back through recordAttempt (webhook-queue.ts).
import { z } from 'zod';
import { MeterlabError, invalidRequest } from '../values/errors';
import { randomToken } from '../values/ids';
import { copy } from '../values/json';
import { DEFAULT_TOLERANCE_SECONDS, signatureHeader, verifySignature } from '../rules/signatures';
import type { BillingEvent, WebhookAttempt, WebhookEndpoint } from '../public/types';
import { method, param } from './entry';
import {
  deliveriesArgs,
  eventListArgs,
  listArgs,
  objectIdOf,
  rawBody,
  testHeaderArgs,
  verifyOptions,
  webhookAttemptArgs,
  webhookAttemptListArgs,
  webhookEndpointCreateArgs,
  webhookQueueArgs,
  webhookResendArgs,
} from './schemas';
import { list } from './state';
import {
  deliveryLogs,
  dueDeliveries,
  findEntry,
  newEntry,
  queueEvents,
  queueOf,
  receives,
  settleAttempt,
} from './webhook-queue';

const MAX_ATTEMPTS_KEPT = 1000;

export const events = {
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => state.event(id),
  }),
  list: method({
    params: [param('', eventListArgs)],
    mutates: false,
    run: (state, [args]) =>
      list(
        state.data.events.filter((event) => !args?.type || event.type === args.type).reverse(),
        args,
      ),
  }),
};

export const webhookEndpoints = {
  create: method({
    params: [param('', webhookEndpointCreateArgs)],
    mutates: true,
    // Checks everything before its first change: no checkpoint needed.
    atomic: true,
    journal: 'argumentsAndId',
    run: (state, [{ url, enabledEvents }]) => {
      const secret = randomToken(state.data.rngState, 32);
      state.data.rngState = secret.state;
      const endpoint: Required<WebhookEndpoint> = {
        id: state.newId('we'),
        object: 'webhook_endpoint' as const,
        url,
        secret: `whsec_${secret.token}`,
        created: state.now,
        enabledEvents: enabledEvents ?? ['*'],
      };
      state.data.webhookEndpoints.push(endpoint);
      return copy(endpoint);
    },
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.webhookEndpoints].reverse(), args),
  }),
  /** The signed payload each endpoint receives for an event. */
  deliveries: method({
    params: [param('', deliveriesArgs)],
    mutates: false,
    run: (state, [args]) => {
      const event = state.event(args.event, 'event');
      const payload = JSON.stringify(event);
      return state.data.webhookEndpoints.map((endpoint) => ({
        event: event.id,
        endpoint: endpoint.id,
        url: endpoint.url,
        payload,
        signatureHeader: signatureHeader(payload, endpoint.secret, event.created),
      }));
    },
  }),
  /** A host reports one try at sending an event; kept (the newest 1,000) for the Events view. */
  recordAttempt: method({
    params: [param('', webhookAttemptArgs)],
    mutates: true,
    run: (state, [args]): WebhookAttempt => {
      if (!state.data.webhookEndpoints.some((endpoint) => endpoint.id === args.endpoint)) {
        throw invalidRequest(
          'resource_missing',
          'endpoint',
          `No webhook endpoint '${args.endpoint}': list them with webhookEndpoints.list.`,
        );
      }
      const { retry = 'testClock', resend, ...tried } = args;
      const attempt: WebhookAttempt = {
        object: 'webhook_attempt',
        ...tried,
        clockTime: state.now,
        ...(resend ? { resend } : {}),
      };
      const attempts = (state.data.webhookAttempts ??= []);
      attempts.push(attempt);
      if (attempts.length > MAX_ATTEMPTS_KEPT)
        attempts.splice(0, attempts.length - MAX_ATTEMPTS_KEPT);
      settleAttempt(state, attempt, retry);
      return copy(attempt);
    },
  }),
  /** A host sending webhooks queues new events (oldest first) for the endpoints receiving them. */
  queueDeliveries: method({
    params: [param('', webhookQueueArgs)],
    mutates: true,
    // Checks every event before its first change: no checkpoint needed.
    atomic: true,
    run: (state, [args]) => {
      const events = args.events.map((id, i) => state.event(id, `events[${i}]`));
      return queueEvents(state, events);
    },
  }),
  /** What a host sending webhooks should try now (resends, and each endpoint's next in turn). */
  dueDeliveries: method({
    params: [],
    mutates: false,
    run: (state) => dueDeliveries(state),
  }),
  /** An event's delivery to each endpoint, with every try (the Events view). */
  deliveryLog: method({
    params: [param('', deliveriesArgs)],
    mutates: false,
    run: (state, [args]) => deliveryLogs(state, state.event(args.event, 'event')),
  }),
  /** Asks for the event to be sent to the endpoint again now, once, out of turn. */
  resend: method({
    params: [param('', webhookResendArgs)],
    mutates: true,
    atomic: true,
    run: (state, [args]) => {
      const event = state.event(args.event, 'event');
      const endpoint = state.data.webhookEndpoints.find((e) => e.id === args.endpoint);
      if (!endpoint) {
        throw invalidRequest(
          'resource_missing',
          'endpoint',
          `No webhook endpoint '${args.endpoint}': list them with webhookEndpoints.list.`,
        );
      }
      let entry = findEntry(state, event.id, endpoint.id);
      if (!entry) {
        if (!receives(endpoint, event)) {
          throw invalidRequest(
            'parameter_invalid',
            'endpoint',
            `Endpoint ${endpoint.id} does not receive ${event.type} events: pick one whose enabledEvents include it.`,
          );
        }
        // An event from before any sender ran: a delivery of its own, queued now.
        entry = newEntry(event, endpoint.id);
        queueOf(state).push(entry);
      }
      entry.resendRequested = true;
      return copy(entry);
    },
  }),
  /** Tries reported by hosts, newest first; filtered by endpoint or event. */
  attempts: method({
    params: [param('', webhookAttemptListArgs)],
    mutates: false,
    run: (state, [args]) =>
      list(
        (state.data.webhookAttempts ?? [])
          .filter(
            (attempt) =>
              (!args?.endpoint || attempt.endpoint === args.endpoint) &&
              (!args?.event || attempt.event === args.event),
          )
          .reverse(),
        args,
      ),
  }),
};

export const webhooks = {
  verify: method({
    params: [
      param('rawBody', rawBody),
      param('signatureHeader', z.string().nullable().optional()),
      param('options', verifyOptions),
    ],
    mutates: false,
    run: (state, [body, header, options]): BillingEvent => {
      const secrets = options?.secret
        ? [options.secret]
        : state.data.webhookEndpoints.map((endpoint) => endpoint.secret);
      verifySignature(
        body,
        header,
        secrets,
        options?.now ?? state.now,
        options?.tolerance ?? DEFAULT_TOLERANCE_SECONDS,
      );
      try {
        return JSON.parse(body) as BillingEvent;
      } catch {
        throw new MeterlabError(
          'signature_verification_error',
          'payload_invalid',
          'rawBody',
          'The signed payload is not JSON: pass the raw request body as text.',
        );
      }
    },
  }),
  generateTestHeader: method({
    params: [param('', testHeaderArgs)],
    mutates: false,
    run: (_state, [{ payload, secret, timestamp }]) => signatureHeader(payload, secret, timestamp),
  }),
};
