import { describe, expect, it } from 'vitest';
import { createHttpTransport, takeToken, tokenHeader } from '../../../renderer/api/http-transport';

describe('http transport', () => {
  it('posts the argument tuple to /api/<method> with the token header', async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return new Response(JSON.stringify({ ok: true, data: [] }));
    }) as typeof fetch;
    const transport = createHttpTransport({
      baseUrl: 'http://127.0.0.1:4000/',
      token: 'secret-token',
      fetch: fetchStub,
    });
    await expect(transport.call('prices.list', [{ limit: 5 }])).resolves.toEqual({
      ok: true,
      data: [],
    });
    expect(requests[0]!.url).toBe('http://127.0.0.1:4000/api/prices.list');
    expect(requests[0]!.init.method).toBe('POST');
    expect((requests[0]!.init.headers as Record<string, string>)[tokenHeader]).toBe('secret-token');
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({ args: [{ limit: 5 }] });
  });

  it('reports an answer that is not an envelope as a transport error', async () => {
    const transport = createHttpTransport({
      baseUrl: 'http://127.0.0.1:4000/',
      token: null,
      fetch: (async () => new Response('Forbidden', { status: 403 })) as typeof fetch,
    });
    const result = await transport.call('workspace.list', []);
    expect(result).toMatchObject({ ok: false, error: { code: 'transport_error' } });
    expect(!result.ok && result.error.message).toContain('403');
  });

  it('opens the print page in a new tab with the token and the invoice', async () => {
    const opened: string[] = [];
    const transport = createHttpTransport({
      baseUrl: 'http://127.0.0.1:4000/',
      token: 'secret-token',
      fetch: (() => Promise.reject(new Error('no fetch expected'))) as typeof fetch,
      openTab: (url) => void opened.push(url),
    });
    await expect(transport.printInvoices('in_1')).resolves.toEqual({
      ok: true,
      data: { kind: 'opened' },
    });
    await transport.printInvoices();
    expect(opened).toEqual([
      'http://127.0.0.1:4000/api/print/invoices?token=secret-token&invoice=in_1',
      'http://127.0.0.1:4000/api/print/invoices?token=secret-token',
    ]);
  });

  it('says so when it cannot open a tab', async () => {
    const transport = createHttpTransport({
      baseUrl: 'http://127.0.0.1:4000/',
      token: 'secret-token',
      fetch: (() => Promise.reject(new Error('no fetch expected'))) as typeof fetch,
    });
    await expect(transport.printInvoices()).resolves.toMatchObject({
      ok: false,
      error: { code: 'no_tabs' },
    });
  });

  it('takes the token from the URL, keeps it for a reload and hides it', () => {
    const stored = new Map<string, string>();
    const storage = {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => void stored.set(key, value),
    } as Storage;
    let shownUrl = '';
    const history = {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => void (shownUrl = url),
    } as unknown as History;
    const first = { href: 'http://127.0.0.1:4000/?token=abc123&x=1#lab' } as Location;
    expect(takeToken(first, storage, history)).toBe('abc123');
    expect(shownUrl).toBe('/?x=1#lab');
    const reload = { href: 'http://127.0.0.1:4000/?x=1#lab' } as Location;
    expect(takeToken(reload, storage, history)).toBe('abc123');
  });
});
