// meterlab/client: a fetch client for `meterlab serve`, shaped like the guide's SDK.
//   const vinr = new Meterlab({ secretKey: process.env.VINR_SECRET_KEY, baseUrl: 'http://127.0.0.1:12111' });
//   const product = await vinr.products.create({ name: 'API access' });
//   await vinr.usageRecords.create({ subscriptionItem, quantity: 1 }, { idempotencyKey: `usage-${id}` });
//   const event = vinr.webhooks.verify(rawBody, request.headers.get('x-vinr-signature'));
// Every namespace and method of the engine API is here, typed from the engine's own API types
// (core/simulator/api.ts, type imports only); the routes are the server's (GET /v1/routes), built
// into requests by the same function the server's reading inverts (core/public/routes.ts).
// Webhook signatures are checked locally (core/rules/signatures.ts). No dependency beyond fetch
// and @noble/hashes, which the signature check uses.
import { RouteArgumentError, requestOf } from '../core/public/routes';
import type { Route } from '../core/public/routes';
import type { BillingEvent, WebhookEndpoint } from '../core/public/types';
import {
  DEFAULT_TOLERANCE_SECONDS,
  signatureHeader,
  verifySignature,
} from '../core/rules/signatures';
import { MeterlabError } from '../core/values/errors';
import type { SimulatorApi } from '../core/simulator/api';

export { MeterlabError } from '../core/values/errors';
export { SIGNATURE_HEADER } from '../core/rules/signatures';
export type * from '../core/public/types';

export interface MeterlabConfig {
  /** The sk_test_ key `meterlab serve` printed. */
  secretKey: string | undefined;
  /** Default http://127.0.0.1:12111. */
  baseUrl?: string;
  /** The whsec_ secret webhooks.verify checks with; endpoints this client creates or lists are
   * known too. */
  webhookSecret?: string;
  /** Tries again after a network error or a 429, with the same idempotency key (default 2). */
  maxNetworkRetries?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** A refusal of the server: the engine's error envelope and the HTTP status. */
export class MeterlabApiError extends Error {
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  constructor(
    readonly statusCode: number,
    envelope: { type: string; code: string; param: string | null; message: string },
  ) {
    super(envelope.message);
    this.name = 'MeterlabApiError';
    this.type = envelope.type;
    this.code = envelope.code;
    this.param = envelope.param;
  }
}

type Remote<F> = F extends (...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : never;
type RemoteNamespace<N> = { [F in keyof N]: Remote<N[F]> };

export interface VerifyOptions {
  /** The endpoint's whsec_ secret (default: the config's, then those of known endpoints). */
  secret?: string;
  /** Seconds a signature stays valid (default 300). */
  tolerance?: number;
  /** Unix seconds to check the tolerance against (default: now). */
  now?: number;
}

export interface LocalWebhooks {
  /** Checks the x-vinr-signature header of a delivery and returns its event; throws a
   * MeterlabError (signature_verification_error) if it does not match. */
  verify(rawBody: string, header: string | null | undefined, options?: VerifyOptions): BillingEvent;
  /** A header for a payload, to test a webhook handler. */
  generateTestHeader(args: { payload: string; secret: string; timestamp?: number }): string;
}

export type MeterlabApi = {
  [N in Exclude<keyof SimulatorApi, 'webhooks' | 'quote'>]: RemoteNamespace<SimulatorApi[N]>;
} & { quote: Remote<SimulatorApi['quote']>; webhooks: LocalWebhooks };

const nowSeconds = () => Math.floor(Date.now() / 1000);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function queryString(fields: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) query.append(key, String(item));
    }
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The client; its namespaces are made on first use (a Proxy), typed as MeterlabApi. */
class Client {
  readonly #secretKey: string;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #webhookSecrets: string[] = [];
  #routes: Promise<Map<string, Route>> | null = null;

  constructor(config: MeterlabConfig) {
    if (!config.secretKey) {
      throw new TypeError('Pass secretKey: the sk_test_ key `meterlab serve` printed.');
    }
    this.#secretKey = config.secretKey;
    this.#baseUrl = (config.baseUrl ?? 'http://127.0.0.1:12111').replace(/\/+$/, '');
    this.#fetch = config.fetch ?? ((...args) => fetch(...args));
    this.#retries = config.maxNetworkRetries ?? 2;
    if (config.webhookSecret) this.#webhookSecrets.push(config.webhookSecret);
    const webhooks: LocalWebhooks = {
      verify: (rawBody, header, options = {}) => {
        const secrets = options.secret ? [options.secret] : this.#webhookSecrets;
        const now = options.now ?? nowSeconds();
        verifySignature(
          rawBody,
          header,
          secrets,
          now,
          options.tolerance ?? DEFAULT_TOLERANCE_SECONDS,
        );
        try {
          return JSON.parse(rawBody) as BillingEvent;
        } catch {
          throw new MeterlabError(
            'signature_verification_error',
            'payload_invalid',
            'rawBody',
            'The signed payload is not JSON: pass the raw request body as text.',
          );
        }
      },
      generateTestHeader: ({ payload, secret, timestamp }) =>
        signatureHeader(payload, secret, timestamp ?? nowSeconds()),
    };
    const namespaces = new Map<string, unknown>([['webhooks', webhooks]]);
    const quote = (...args: unknown[]) => this.#call('quote', args);
    return new Proxy(this, {
      get: (target, property, receiver) => {
        if (typeof property !== 'string' || property in target || property === 'then') {
          return Reflect.get(target, property, receiver) as unknown;
        }
        if (property === 'quote') return quote;
        if (!namespaces.has(property)) {
          const namespace = new Proxy({} as Record<string, unknown>, {
            get: (_, name) =>
              typeof name === 'string' && name !== 'then'
                ? (...args: unknown[]) => this.#call(`${property}.${name}`, args)
                : undefined,
          });
          namespaces.set(property, namespace);
        }
        return namespaces.get(property);
      },
    });
  }

  /** The server's routes by method, fetched once. */
  #routeTable(): Promise<Map<string, Route>> {
    this.#routes ??= this.#request('GET', '/v1/routes', undefined, undefined, true).then(
      (list) => new Map((list as { data: Route[] }).data.map((route) => [route.method, route])),
      (error: unknown) => {
        this.#routes = null;
        throw error;
      },
    );
    return this.#routes;
  }

  async #call(method: string, args: unknown[]): Promise<unknown> {
    const route = (await this.#routeTable()).get(method);
    if (!route) {
      throw new MeterlabApiError(404, {
        type: 'invalid_request_error',
        code: 'unknown_method',
        param: null,
        message: `The server has no method '${method}': is it an older Meterlab?`,
      });
    }
    let request;
    try {
      request = requestOf(route, args);
    } catch (error) {
      if (!(error instanceof RouteArgumentError)) throw error;
      throw new MeterlabApiError(400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: error.param,
        message: error.message,
      });
    }
    // A retry must not count twice: calls that take a key get one when none was given.
    const takesKey = route.args.some((source) => source.from === 'idempotency');
    const key = request.idempotencyKey ?? (takesKey ? `auto-${crypto.randomUUID()}` : undefined);
    const retryable = request.verb === 'GET' || key !== undefined;
    const path = request.verb === 'GET' ? request.path + queryString(request.fields) : request.path;
    const body = request.verb === 'POST' ? JSON.stringify(request.fields) : undefined;
    const result = await this.#request(request.verb, path, body, key, retryable);
    if (method === 'webhookEndpoints.create') this.#learnSecrets([result as WebhookEndpoint]);
    if (method === 'webhookEndpoints.list') {
      this.#learnSecrets((result as { data: WebhookEndpoint[] }).data);
    }
    return result;
  }

  #learnSecrets(endpoints: readonly WebhookEndpoint[]) {
    for (const { secret } of endpoints) {
      if (!this.#webhookSecrets.includes(secret)) this.#webhookSecrets.push(secret);
    }
  }

  async #request(
    verb: string,
    path: string,
    body: string | undefined,
    idempotencyKey: string | undefined,
    retryable: boolean,
  ): Promise<unknown> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#secretKey}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    for (let attempt = 0; ; attempt++) {
      const canRetry = retryable && attempt < this.#retries;
      let response: Response;
      try {
        response = await this.#fetch(this.#baseUrl + path, {
          method: verb,
          headers,
          ...(body !== undefined ? { body } : {}),
        });
      } catch (error) {
        if (!canRetry) throw error;
        await delay(100 * 2 ** attempt);
        continue;
      }
      if (response.status === 429 && canRetry) {
        await response.body?.cancel();
        await delay(Number(response.headers.get('retry-after') ?? 1) * 1000);
        continue;
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new MeterlabApiError(response.status, {
          type: 'api_error',
          code: 'transport_error',
          param: null,
          message: `The server answered ${response.status} without JSON: is ${this.#baseUrl} a meterlab serve?`,
        });
      }
      if (response.ok) return json;
      const envelope = (json as { error?: MeterlabApiError }).error;
      throw new MeterlabApiError(response.status, {
        type: envelope?.type ?? 'api_error',
        code: envelope?.code ?? 'transport_error',
        param: envelope?.param ?? null,
        message: envelope?.message ?? `The server answered ${response.status}.`,
      });
    }
  }
}

/** `new Meterlab({ secretKey, baseUrl })`: the engine API over HTTP. */
export type Meterlab = MeterlabApi;
export const Meterlab = Client as unknown as new (config: MeterlabConfig) => MeterlabApi;
