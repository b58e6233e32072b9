// The HTTP routes of the engine API, derived from the method registry: one route per method, so a
// new entry is served by `meterlab serve` and reachable from meterlab/client with no edit here.
//   namespace        -> /v1/<snake_case>     (usageRecords -> /v1/subscription_items/:subscriptionItem/usage_records)
//   create           -> POST <base>
//   list             -> GET  <base>
//   retrieve         -> GET  <base>/:id      (GET <base> without an id: testClock, settings)
//   update           -> POST <base>/:id      (POST <base> without an id: settings)
//   other names      -> <base>[/:id]/<snake_case name>, POST if it changes state, else GET
// A read-only call whose arguments do not fit a query string (nested objects, named arguments)
// is a POST too. The arguments object travels as the JSON body (POST) or the query (GET); a
// request options parameter is the Idempotency-Key header.
import type { z } from 'zod';
import type { ArgumentSource, Route } from './public/routes';
import { IDEMPOTENCY_HEADER } from './public/routes';
import { invalidRequest } from './values/errors';
import type { MethodEntry, Param } from './resources/entry';
import { registry } from './simulator/registry';
import type { EngineMethod } from './simulator/registry';

export type { Route } from './public/routes';
export { IDEMPOTENCY_HEADER };

/** Namespaces whose objects belong to a parent: the field naming the parent goes in the path. */
const parents: Record<string, { field: string; path: string }> = {
  usageRecords: { field: 'subscriptionItem', path: 'subscription_items' },
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def;

/** The schema without its optional/default wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let def = defOf(current); def.innerType; def = defOf(current)) current = def.innerType;
  return current;
}

const scalarTypes = new Set(['string', 'number', 'boolean', 'enum', 'literal']);

/** An arguments object whose fields are scalars or lists of scalars: it fits a query string. */
function fitsQuery(schema: z.ZodType): boolean {
  const { type, shape } = defOf(unwrap(schema));
  if (type !== 'object' || !shape) return false;
  return Object.values(shape).every((field) => {
    const def = defOf(unwrap(field));
    if (def.type === 'array') return scalarTypes.has(defOf(unwrap(def.element!)).type);
    return scalarTypes.has(def.type);
  });
}

function deriveRoute(method: EngineMethod, entry: MethodEntry): Route {
  // Nested namespaces nest paths: 'billing.meters.create' is POST /v1/billing/meters.
  const segments = method.split('.');
  const name = segments.pop();
  const namespace = segments.join('.');
  const parent = parents[namespace];
  let base = namespace ? `/v1/${segments.map(snake).join('/')}` : '/v1';
  if (parent) base = `/v1/${parent.path}/:${parent.field}/${snake(namespace)}`;
  const args: ArgumentSource[] = entry.params.map((p: Param, index): ArgumentSource => {
    if (p.name === 'id' && index === 0) return { from: 'path', name: 'id' };
    if (p.name === '') return { from: 'object', pathFields: parent ? [parent.field] : [] };
    if (entry.idempotent && index === entry.params.length - 1) return { from: 'idempotency' };
    return { from: 'field', name: p.name };
  });
  const byId = args[0]?.from === 'path';
  const at = byId ? `${base}/:id` : base;
  const queryable = args.every(
    (source, i) =>
      source.from === 'path' || (source.from === 'object' && fitsQuery(entry.params[i]!.schema)),
  );
  const readVerb = queryable ? 'GET' : 'POST';
  if (name === 'create') return { method, verb: 'POST', path: base, args };
  if (name === 'list') return { method, verb: readVerb, path: base, args };
  if (name === 'retrieve') return { method, verb: readVerb, path: at, args };
  if (name === 'update') return { method, verb: 'POST', path: at, args };
  return { method, verb: entry.mutates ? 'POST' : readVerb, path: `${at}/${snake(name!)}`, args };
}

/** Every route, in registry order. */
export const routes: readonly Route[] = [...registry].map(([method, entry]) =>
  deriveRoute(method, entry),
);

const segmentsOf = (path: string) => path.split('/').filter(Boolean);
const compiled = routes.map((route) => ({ route, segments: segmentsOf(route.path) }));

export type RouteMatch =
  | { route: Route; pathParams: Record<string, string> }
  /** The path exists, under other verbs. */
  | { allowed: ('GET' | 'POST')[] }
  | null;

/** The route of a request; literal segments win over parameters (`/v1/invoices/upcoming`). */
export function matchRoute(verb: string, pathname: string): RouteMatch {
  const parts = segmentsOf(pathname);
  let best: { score: number; matches: { route: Route; pathParams: Record<string, string> }[] } = {
    score: -1,
    matches: [],
  };
  for (const { route, segments } of compiled) {
    if (segments.length !== parts.length) continue;
    const pathParams: Record<string, string> = {};
    let score = 0;
    const fits = segments.every((segment, i) => {
      if (segment.startsWith(':')) {
        let value: string;
        try {
          value = decodeURIComponent(parts[i]!);
        } catch {
          return false;
        }
        pathParams[segment.slice(1)] = value;
        return true;
      }
      score += 1;
      return segment === parts[i];
    });
    if (!fits || score < best.score) continue;
    if (score > best.score) best = { score, matches: [] };
    best.matches.push({ route, pathParams });
  }
  if (best.matches.length === 0) return null;
  return (
    best.matches.find((match) => match.route.verb === verb) ?? {
      allowed: [...new Set(best.matches.map((match) => match.route.verb))],
    }
  );
}

/**
 * A query string's values as the arguments object's fields: a value is given as the first form
 * its field accepts (text, number, true/false, a list for a repeated key).
 */
export function queryFields(
  route: Route,
  query: Iterable<[string, string]>,
): Record<string, unknown> {
  const entry = registry.get(route.method as EngineMethod)!;
  const index = route.args.findIndex((source) => source.from === 'object');
  const shape = index < 0 ? {} : (defOf(unwrap(entry.params[index]!.schema)).shape ?? {});
  const given = new Map<string, string[]>();
  for (const [key, value] of query) given.set(key, [...(given.get(key) ?? []), value]);
  const fields: Record<string, unknown> = {};
  for (const [key, values] of given) {
    // Own fields only: a key like `__proto__` must not reach Object.prototype.
    const schema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const candidates: unknown[] = values.length > 1 ? [values] : [values[0], [values[0]]];
    const numbers = values.map(Number);
    if (values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)))) {
      candidates.push(values.length > 1 ? numbers : numbers[0], numbers);
    }
    if (values.length === 1 && (values[0] === 'true' || values[0] === 'false')) {
      candidates.push(values[0] === 'true');
    }
    const value = schema
      ? (candidates.find((c) => schema.safeParse(c).success) ?? candidates[0])
      : candidates[0];
    Object.defineProperty(fields, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return fields;
}

export interface RouteInput {
  pathParams: Record<string, string>;
  /** The JSON body's fields (POST) or the query's (GET, through queryFields). */
  fields: Record<string, unknown>;
  idempotencyKey?: string;
}

/** A request as the method's argument tuple (the inverse of requestOf in core/public/routes). */
export function argumentsOf(route: Route, input: RouteInput): unknown[] {
  const named = route.args.flatMap((source) => (source.from === 'field' ? [source.name] : []));
  if (named.length > 0) {
    const unknown = Object.keys(input.fields).find((key) => !named.includes(key));
    if (unknown !== undefined) {
      throw invalidRequest(
        'parameter_unknown',
        unknown,
        `${route.path} takes ${named.join(', ')}; '${unknown}' is not one of them.`,
      );
    }
  }
  return route.args.map((source) => {
    if (source.from === 'path') return input.pathParams[source.name];
    if (source.from === 'idempotency') {
      return input.idempotencyKey === undefined
        ? undefined
        : { idempotencyKey: input.idempotencyKey };
    }
    if (source.from === 'field') return input.fields[source.name];
    const object: Record<string, unknown> = { ...input.fields };
    for (const field of source.pathFields) object[field] = input.pathParams[field];
    return object;
  });
}
