// The HTTP shape of an API method, as plain JSON: its verb, its path pattern, and where each
// argument of its tuple travels. core/routes.ts derives one per registry method; `meterlab serve`
// answers them and the meterlab/client builds requests from them with `requestOf` below, so both
// sides map arguments the same way. Dependency-free: the client imports it at run time.

/** Where one argument of the tuple travels. */
export type ArgumentSource =
  /** An id in the path: `/v1/products/:id`. */
  | { from: 'path'; name: string }
  /** The arguments object: the JSON body (POST) or the query (GET); `pathFields` of it go in the
   * path instead (`/v1/subscription_items/:subscriptionItem/usage_records`). */
  | { from: 'object'; pathFields: string[] }
  /** Request options: their idempotencyKey is the Idempotency-Key header. */
  | { from: 'idempotency' }
  /** A named argument: the body field of that name (`rawBody`, `quantity`). */
  | { from: 'field'; name: string };

export interface Route {
  /** The registry method: 'products.create', 'quote'. */
  method: string;
  verb: 'GET' | 'POST';
  /** '/v1/products/:id'. */
  path: string;
  /** One per parameter, in the order of the argument tuple. */
  args: ArgumentSource[];
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** A call as an HTTP request: the path filled in, and the fields of the body or the query. */
export interface RouteRequest {
  verb: 'GET' | 'POST';
  path: string;
  fields: Record<string, unknown>;
  idempotencyKey?: string;
}

/** Raised by requestOf when an argument cannot go where the route puts it. */
export class RouteArgumentError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

function pathValue(value: unknown, param: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RouteArgumentError(param, `${param} must be a non-empty string (an object id).`);
  }
  return encodeURIComponent(value);
}

/** The request a call makes: the inverse of the server's reading of a request (core/routes.ts). */
export function requestOf(route: Route, args: readonly unknown[]): RouteRequest {
  let path = route.path;
  const fields: Record<string, unknown> = {};
  let idempotencyKey: string | undefined;
  route.args.forEach((source, index) => {
    const arg = args[index];
    if (source.from === 'path') {
      path = path.replace(`:${source.name}`, pathValue(arg, source.name));
    } else if (source.from === 'object') {
      if (arg === undefined) return;
      if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
        throw new RouteArgumentError('', `${route.method} takes an object of parameters.`);
      }
      for (const [key, value] of Object.entries(arg)) {
        if (source.pathFields.includes(key)) path = path.replace(`:${key}`, pathValue(value, key));
        else fields[key] = value;
      }
      for (const key of source.pathFields) {
        if (path.includes(`:${key}`)) throw new RouteArgumentError(key, `${key} is required.`);
      }
    } else if (source.from === 'idempotency') {
      const key = (arg as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
      if (typeof key === 'string') idempotencyKey = key;
    } else if (arg !== undefined) {
      fields[source.name] = arg;
    }
  });
  return { verb: route.verb, path, fields, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
