import { describe, expect, it } from 'vitest';
import { Meterlab, MeterlabApiError } from 'meterlab/client';
import { routes } from '../../core/routes';
import { signatureHeader } from '../../core/rules/signatures';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that answers the route table, fails the first `failures` other calls, then echoes. */
function fakeFetch(
  failures: number,
  answer = (sent: Sent) => new Response(JSON.stringify({ id: 'x', sent })),
) {
  const sent: Sent[] = [];
  let left = failures;
  const fetch = (async (url: string, init: RequestInit) => {
    if (url.endsWith('/v1/routes'))
      return new Response(JSON.stringify({ object: 'list', data: routes }));
    const call = {
      method: init.method!,
      url,
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    };
    sent.push(call);
    if (left-- > 0) throw new TypeError('fetch failed');
    return answer(call);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, sent };
}

describe('meterlab/client', () => {
  it('retries a network error with the same idempotency key, and makes one when none is given', async () => {
    const { fetch, sent } = fakeFetch(1);
    const vinr = new Meterlab({ secretKey: 'sk_test_x', baseUrl: 'http://127.0.0.1:1', fetch });
    await vinr.usageRecords.create(
      { subscriptionItem: 'si_1', quantity: 2 },
      { idempotencyKey: 'usage-r1' },
    );
    expect(sent.map((s) => [s.method, s.url, s.headers['Idempotency-Key'], s.body])).toEqual([
      [
        'POST',
        'http://127.0.0.1:1/v1/subscription_items/si_1/usage_records',
        'usage-r1',
        '{"quantity":2}',
      ],
      [
        'POST',
        'http://127.0.0.1:1/v1/subscription_items/si_1/usage_records',
        'usage-r1',
        '{"quantity":2}',
      ],
    ]);
    expect(sent[0]!.headers.Authorization).toBe('Bearer sk_test_x');
    sent.length = 0;
    const again = fakeFetch(1);
    const client = new Meterlab({
      secretKey: 'sk_test_x',
      baseUrl: 'http://h',
      fetch: again.fetch,
    });
    await client.usageRecords.createBatch({ subscriptionItem: 'si_1', records: [{ quantity: 1 }] });
    const [first, second] = again.sent;
    expect(first!.headers['Idempotency-Key']).toMatch(/^auto-/);
    expect(second!.headers['Idempotency-Key']).toBe(first!.headers['Idempotency-Key']);
  });

  it('does not retry a call that could count twice, and builds reads as query strings', async () => {
    const { fetch, sent } = fakeFetch(1);
    const vinr = new Meterlab({ secretKey: 'sk_test_x', baseUrl: 'http://h/', fetch });
    await expect(vinr.products.create({ name: 'A' })).rejects.toThrow('fetch failed');
    expect(sent).toHaveLength(1);
    await vinr.invoices.list({ status: 'paid', limit: 5 });
    expect(sent.at(-1)!).toMatchObject({
      method: 'GET',
      url: 'http://h/v1/invoices?status=paid&limit=5',
    });
    // A read whose arguments nest (Compare's adjustments) goes as a JSON body.
    const compare = { prices: ['price_a'], adjustments: [{ price: 'price_a', coupon: 'cpn_1' }] };
    await vinr.analysis.comparePrices(compare);
    expect(sent.at(-1)!).toMatchObject({
      method: 'POST',
      url: 'http://h/v1/analysis/compare_prices',
    });
    expect(JSON.parse(sent.at(-1)!.body!)).toEqual(compare);
  });

  it("throws the server's error envelope with its status", async () => {
    const { fetch } = fakeFetch(
      0,
      () =>
        new Response(
          JSON.stringify({
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              param: 'id',
              message: 'No such product',
            },
          }),
          { status: 404 },
        ),
    );
    const vinr = new Meterlab({ secretKey: 'sk_test_x', fetch });
    const error = await vinr.products.retrieve('prod_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeterlabApiError);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
  });

  it('verifies webhook signatures locally, with a given secret or the endpoints it made', async () => {
    const { fetch } = fakeFetch(
      0,
      () =>
        new Response(
          JSON.stringify({
            id: 'we_1',
            object: 'webhook_endpoint',
            url: 'http://x',
            secret: 'whsec_made',
          }),
        ),
    );
    const vinr = new Meterlab({ secretKey: 'sk_test_x', fetch, webhookSecret: 'whsec_given' });
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
    const now = Math.floor(Date.now() / 1000);
    expect(vinr.webhooks.verify(body, signatureHeader(body, 'whsec_given', now)).id).toBe('evt_1');
    expect(() => vinr.webhooks.verify(body, signatureHeader(body, 'whsec_made', now))).toThrow(
      /No signature matches/,
    );
    await vinr.webhookEndpoints.create({ url: 'http://127.0.0.1:3000/hooks' });
    expect(vinr.webhooks.verify(body, signatureHeader(body, 'whsec_made', now)).id).toBe('evt_1');
    expect(() =>
      vinr.webhooks.verify(`${body} `, signatureHeader(body, 'whsec_made', now)),
    ).toThrow();
    expect(() =>
      vinr.webhooks.verify(body, signatureHeader(body, 'whsec_made', now - 301)),
    ).toThrow(/tolerance/);
    const header = vinr.webhooks.generateTestHeader({ payload: body, secret: 'whsec_t' });
    expect(vinr.webhooks.verify(body, header, { secret: 'whsec_t' }).type).toBe('invoice.paid');
  });
});
