// Meter event intake (BILLING-RULES "Meter events"): the checks an event must pass, in the
// order the rules give, each naming its field. Pure: the caller supplies the lookups. A batch is
// checked by a hand loop over these functions, with no schema per event.
import type { ErrorCode } from '../../values/errors';
import type { Meter } from '../../public/types';
import { parseNumericValue, parseUniqueValue } from './value';
import type { MeterValue } from './value';

/** NOTE: events may be stamped up to 35 days before the clock and 5 minutes after it. */
export const MAX_EVENT_AGE_SECONDS = 35 * 86_400;
export const MAX_EVENT_LEAD_SECONDS = 300;

export interface EventProblem {
  code: ErrorCode;
  /** The field, relative to the event ('payload.value', 'timestamp'). */
  param: string;
  message: string;
}

export interface CheckedEvent {
  meter: Meter;
  customer: string;
  value: MeterValue;
  timestamp: number;
  /** The client's identifier; undefined when one is generated. */
  identifier: string | undefined;
  /** The payload as returned: every value a string. */
  payload: Record<string, string>;
}

export interface IntakeLookups {
  now: number;
  meterOfEvent(eventName: string): Meter | undefined;
  hasCustomer(id: string): boolean;
  /** True when the identifier names an event sent less than 24 hours ago. */
  identifierTaken(identifier: string): boolean;
}

function problem(code: ErrorCode, param: string, message: string): EventProblem {
  return { code, param, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A reusable holder of one checked event (a batch checks into one, allocating nothing). */
export function checkedEvent(): CheckedEvent {
  return { meter: null!, customer: '', value: 0, timestamp: 0, identifier: undefined, payload: {} };
}

/**
 * Checks one untrusted event into `into`; the first failing check wins (the rules' order), and
 * is returned. `withPayload`: also copy the payload as returned (single creates).
 */
export function checkMeterEvent(
  raw: unknown,
  lookups: IntakeLookups,
  into: CheckedEvent,
  withPayload: boolean,
): EventProblem | null {
  if (!isRecord(raw))
    return problem(
      'parameter_invalid',
      '',
      'Each event must be an object { eventName, payload, identifier?, timestamp? }.',
    );
  const { eventName, payload, identifier, timestamp = lookups.now } = raw;
  for (const key in raw) {
    if (key !== 'eventName' && key !== 'payload' && key !== 'identifier' && key !== 'timestamp')
      return problem(
        'parameter_invalid',
        key,
        `Unknown param ${key}: remove it (an event has eventName, payload, identifier and timestamp).`,
      );
  }
  if (typeof eventName !== 'string' || eventName.length === 0)
    return problem(
      'parameter_missing',
      'eventName',
      'Missing eventName: pass the event name of a meter.',
    );
  const meter = lookups.meterOfEvent(eventName);
  if (!meter)
    return problem(
      'no_meter',
      'eventName',
      `No meter has the event name '${eventName}': create one with billing.meters.create, or check the spelling.`,
    );
  if (meter.status !== 'active')
    return problem(
      'archived_meter',
      'eventName',
      `Meter ${meter.id} for '${eventName}' is inactive and takes no events: reactivate it first.`,
    );
  if (!isRecord(payload))
    return problem('parameter_invalid', 'payload', 'Invalid payload: pass an object of strings.');
  const customerKey = meter.customerMapping.eventPayloadKey;
  const customer = payload[customerKey];
  if (typeof customer !== 'string' || customer.length === 0)
    return problem(
      'meter_event_no_customer_defined',
      `payload.${customerKey}`,
      `The payload has no customer at '${customerKey}': put the customer's id (cust_…) there.`,
    );
  if (!lookups.hasCustomer(customer))
    return problem(
      'meter_event_customer_not_found',
      `payload.${customerKey}`,
      `No such customer: '${customer}'. Create it first, or check the id.`,
    );
  const valueKey = meter.valueSettings.eventPayloadKey;
  const formula = meter.defaultAggregation.formula;
  const rawValue = payload[valueKey];
  let value: MeterValue = 1;
  if (rawValue === undefined) {
    // NOTE: count ignores values, so its value key may be left out.
    if (formula !== 'count')
      return problem(
        'meter_event_value_not_found',
        `payload.${valueKey}`,
        `The payload has no value at '${valueKey}': add it (a decimal string such as '12').`,
      );
  } else {
    const parsed =
      formula === 'unique_count' ? parseUniqueValue(rawValue) : parseNumericValue(rawValue);
    if (typeof parsed === 'object')
      return problem(
        parsed.code,
        `payload.${valueKey}`,
        `Invalid payload.${valueKey}: ${parsed.reason}.`,
      );
    // NOTE: count validates a value it is given but does not use it (a malformed payload never passes).
    if (formula !== 'count') value = parsed;
  }
  const stored: Record<string, string> | null = withPayload ? {} : null;
  for (const key in payload) {
    const field = payload[key];
    if (typeof field === 'string') {
      if (stored) stored[key] = field;
    } else if (key === valueKey && typeof field === 'number') {
      if (stored) stored[key] = String(field);
    } else
      return problem(
        'parameter_invalid',
        `payload.${key}`,
        `Invalid payload.${key}: payload values are strings.`,
      );
  }
  if (
    typeof timestamp !== 'number' ||
    !Number.isInteger(timestamp) ||
    timestamp < 0 ||
    timestamp > 0xffffffff
  )
    return problem(
      'parameter_invalid',
      'timestamp',
      `Invalid timestamp ${JSON.stringify(timestamp)}: pass unix seconds.`,
    );
  const now = lookups.now;
  if (timestamp < now - MAX_EVENT_AGE_SECONDS)
    return problem(
      'timestamp_too_far_in_past',
      'timestamp',
      `Timestamp ${timestamp} is more than 35 days before the clock (${now}): events are accepted from ${now - MAX_EVENT_AGE_SECONDS} on.`,
    );
  if (timestamp > now + MAX_EVENT_LEAD_SECONDS)
    return problem(
      'timestamp_in_future',
      'timestamp',
      `Timestamp ${timestamp} is more than 5 minutes after the clock (${now}): send it at most ${now + MAX_EVENT_LEAD_SECONDS}, or advance the clock first.`,
    );
  if (identifier !== undefined) {
    if (typeof identifier !== 'string' || identifier.length === 0 || identifier.length > 100)
      return problem(
        'parameter_invalid',
        'identifier',
        'Invalid identifier: pass 1 to 100 characters, or leave it out.',
      );
    // NOTE: a repeated identifier within 24 hours is refused, even with the same payload: it is
    // not an idempotent replay.
    if (lookups.identifierTaken(identifier))
      return problem(
        'duplicate_meter_event',
        'identifier',
        `An event already exists with identifier '${identifier}' (sent less than 24 hours ago): nothing was stored. Use a new identifier for a new event.`,
      );
  }
  into.meter = meter;
  into.customer = customer;
  into.value = value;
  into.timestamp = timestamp;
  into.identifier = identifier;
  if (stored) into.payload = stored;
  return null;
}
