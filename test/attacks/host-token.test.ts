// "The token is accepted in the query string on POST calls and the print page URL keeps it in
// history": POST calls take the token in the x-meterlab-token header only, and the print page is
// opened by a one-use, short-lived ticket, so no URL a browser keeps ever holds the token.
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PRINT_TICKET_MS } from '../../electron/host';
import { openHost, tempWorkspace } from './files';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

async function hostWithInvoice(now?: () => number) {
  const { host, port } = await openHost(await tempWorkspace(), now ? { now } : {});
  const auth = { ...json, 'x-meterlab-token': host.token };
  const call = async (method: string, args: unknown[] = []) => {
    const reply = await send(port, 'POST', `/api/${method}`, auth, JSON.stringify({ args }));
    return JSON.parse(reply.text) as { ok: boolean; data: unknown };
  };
  await call('workspace.create', [{ name: 'Guide', template: 'api-calls' }]);
  const subscriptions = (await call('subscriptions.list')).data as { data: { id: string }[] };
  await call('testClock.advanceBillingPeriod', [{ subscription: subscriptions.data[0]!.id }]);
  const invoices = (await call('invoices.list')).data as { data: { id: string }[] };
  return { host, port, auth, call, invoice: invoices.data[0]!.id };
}

describe('the token on POST calls', () => {
  it('is refused in the query string: the call does not run', async () => {
    const { host, port } = await openHost(await tempWorkspace());
    const body = JSON.stringify({ args: [{ name: 'Made through the URL' }] });
    const viaQuery = await send(
      port,
      'POST',
      `/api/workspace.create?token=${host.token}`,
      json,
      body,
    );
    expect(viaQuery.status).toBe(401);
    expect(JSON.parse(viaQuery.text)).toMatchObject({
      ok: false,
      error: { code: 'token_missing', message: expect.stringContaining('x-meterlab-token') },
    });
    const auth = { ...json, 'x-meterlab-token': host.token };
    const list = await send(port, 'POST', '/api/workspace.list', auth, '{"args":[]}');
    expect(JSON.parse(list.text)).toEqual({ ok: true, data: [] });
  });

  it('is refused in the query string of a print ticket request too', async () => {
    const { host, port } = await openHost(await tempWorkspace());
    const reply = await send(port, 'POST', `/api/print/ticket?token=${host.token}`, json, '{}');
    expect(reply.status).toBe(401);
  });

  it('a wrong header is not rescued by a right query', async () => {
    const { host, port } = await openHost(await tempWorkspace());
    const reply = await send(
      port,
      'POST',
      `/api/workspace.list?token=${host.token}`,
      { ...json, 'x-meterlab-token': 'wrong' },
      '{"args":[]}',
    );
    expect(reply.status).toBe(401);
  });
});

describe('the print page', () => {
  it('opens by a ticket URL that holds no token, once', async () => {
    const { host, port, auth } = await hostWithInvoice();
    const ticket = await send(port, 'POST', '/api/print/ticket', auth, '{"args":[]}');
    const { url } = (JSON.parse(ticket.text) as { data: { url: string } }).data;
    expect(url).not.toContain(host.token);
    expect(url).toMatch(/^\/api\/print\/invoices\?ticket=[\w-]+$/);
    const page = await send(port, 'GET', url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('EUR 36.84');
    const again = await send(port, 'GET', url);
    expect(again.status).toBe(401);
    expect(again.text).toContain('print again from Meterlab');
    expect(again.text).not.toContain('EUR 36.84');
  });

  it('opened the old way, with ?token=, redirects to a ticket URL without the token', async () => {
    const { host, port, invoice } = await hostWithInvoice();
    const old = await send(
      port,
      'GET',
      `/api/print/invoices?token=${host.token}&invoice=${invoice}`,
    );
    expect(old.status).toBe(303);
    expect(old.text).toBe('');
    const location = old.headers.location as string;
    expect(location).not.toContain(host.token);
    expect(location).not.toContain('token=');
    const page = await send(port, 'GET', location);
    expect(page.status).toBe(200);
    expect(page.text).toContain(invoice);
  });

  it('a ticket is bound to the invoice it was issued for', async () => {
    const { port, auth, invoice } = await hostWithInvoice();
    const ticket = await send(
      port,
      'POST',
      '/api/print/ticket',
      auth,
      JSON.stringify({ args: [{ invoice: 'in_other' }] }),
    );
    const { url } = (JSON.parse(ticket.text) as { data: { url: string } }).data;
    const page = await send(port, 'GET', `${url}&invoice=${invoice}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('in_other');
  });

  it('a ticket expires after a minute, a guessed one never works', async () => {
    let now = 1_000_000;
    const { port, auth } = await hostWithInvoice(() => now);
    const ticket = await send(port, 'POST', '/api/print/ticket', auth, '{"args":[]}');
    const { url } = (JSON.parse(ticket.text) as { data: { url: string } }).data;
    now += PRINT_TICKET_MS;
    expect((await send(port, 'GET', url)).status).toBe(401);
    const guessed = await send(
      port,
      'GET',
      '/api/print/invoices?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(guessed.status).toBe(401);
    expect((await send(port, 'GET', '/api/print/invoices?ticket=')).status).toBe(401);
  });

  it('refuses a ticket request without the token, or with a bad invoice', async () => {
    const { port, auth } = await hostWithInvoice();
    expect((await send(port, 'POST', '/api/print/ticket', json, '{"args":[]}')).status).toBe(401);
    const bad = await send(
      port,
      'POST',
      '/api/print/ticket',
      auth,
      JSON.stringify({ args: [{ invoice: { $gt: '' } }] }),
    );
    expect(JSON.parse(bad.text)).toMatchObject({ ok: false, error: { param: 'invoice' } });
  });
});
