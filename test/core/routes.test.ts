import { describe, expect, it } from 'vitest';
import { requestOf } from '../../core/public/routes';
import { argumentsOf, matchRoute, queryFields, routes } from '../../core/routes';
import { registry } from '../../core/simulator/registry';

const route = (method: string) => routes.find((r) => r.method === method)!;

describe('routes derived from the method registry', () => {
  it('gives every registry method one route, and no two routes the same verb and path', () => {
    expect(routes.map((r) => r.method)).toEqual([...registry.keys()]);
    const keys = routes.map((r) => `${r.verb} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of routes)
      expect(r.args).toHaveLength(registry.get(r.method as never)!.params.length);
  });

  it('shapes them like the guide: resources, ids in the path, usage under its item', () => {
    const shapes = Object.fromEntries(routes.map((r) => [r.method, `${r.verb} ${r.path}`]));
    expect(shapes).toMatchObject({
      'products.create': 'POST /v1/products',
      'products.retrieve': 'GET /v1/products/:id',
      'products.list': 'GET /v1/products',
      'customers.update': 'POST /v1/customers/:id',
      'subscriptions.cancel': 'POST /v1/subscriptions/:id/cancel',
      'usageRecords.create': 'POST /v1/subscription_items/:subscriptionItem/usage_records',
      'usageRecords.summaries':
        'GET /v1/subscription_items/:subscriptionItem/usage_records/summaries',
      'testClock.advance': 'POST /v1/test_clock/advance',
      'testClock.retrieve': 'GET /v1/test_clock',
      'settings.update': 'POST /v1/settings',
      // Arguments that do not fit a query string make a read a POST.
      'invoices.upcoming': 'POST /v1/invoices/upcoming',
      'webhooks.verify': 'POST /v1/webhooks/verify',
      quote: 'POST /v1/quote',
    });
  });

  it('maps arguments to a request and back to the same tuple, for every shape of route', () => {
    const calls: [string, unknown[]][] = [
      ['products.create', [{ name: 'API access' }]],
      ['customers.update', ['cust_1', { name: 'B' }]],
      [
        'usageRecords.create',
        [{ subscriptionItem: 'si_1', quantity: 3 }, { idempotencyKey: 'k-1' }],
      ],
      ['usageRecords.create', [{ subscriptionItem: 'si_1', quantity: 3 }, undefined]],
      ['webhooks.verify', ['{}', 't=1,v1=aa', { secret: 'whsec_x' }]],
      ['quote', ['price_1', 10]],
    ];
    for (const [method, args] of calls) {
      const request = requestOf(route(method), args);
      const match = matchRoute(request.verb, request.path);
      expect(match && 'route' in match ? match.route.method : match, method).toBe(method);
      const back = argumentsOf(route(method), {
        pathParams: (match as { pathParams: Record<string, string> }).pathParams,
        fields: JSON.parse(JSON.stringify(request.fields)) as Record<string, unknown>,
        ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      });
      expect(back, method).toEqual(args);
    }
  });

  it('prefers a literal path over an id, and answers the verbs a path takes', () => {
    expect(matchRoute('POST', '/v1/invoices/upcoming')).toMatchObject({
      route: { method: 'invoices.upcoming' },
    });
    expect(matchRoute('GET', '/v1/invoices/upcoming')).toEqual({ allowed: ['POST'] });
    expect(matchRoute('GET', '/v1/invoices/in_1')).toMatchObject({ pathParams: { id: 'in_1' } });
    expect(matchRoute('DELETE', '/v1/products')).toEqual({ allowed: ['POST', 'GET'] });
    expect(matchRoute('GET', '/v1/nothing')).toBeNull();
    expect(matchRoute('GET', '/v1/products/%E0%A4%A')).toBeNull();
  });

  it('reads a query string in the types the schema takes', () => {
    const fields = queryFields(
      route('analysis.comparePrices'),
      new URLSearchParams('prices=price_a&prices=price_b&subscription=sub_1'),
    );
    expect(fields).toEqual({ prices: ['price_a', 'price_b'], subscription: 'sub_1' });
    expect(queryFields(route('analysis.comparePrices'), new URLSearchParams('prices=p'))).toEqual({
      prices: ['p'],
    });
    expect(queryFields(route('invoices.list'), new URLSearchParams('limit=5&status=paid'))).toEqual(
      {
        limit: 5,
        status: 'paid',
      },
    );
    // A value no form fits stays text, so the engine names the field in its refusal.
    expect(queryFields(route('invoices.list'), new URLSearchParams('limit=many'))).toEqual({
      limit: 'many',
    });
  });

  it('refuses body fields a method with named arguments does not take', () => {
    expect(() =>
      argumentsOf(route('quote'), { pathParams: {}, fields: { price: 'p', quantity: 1, x: 1 } }),
    ).toThrow(/'x' is not one of them/);
  });
});
