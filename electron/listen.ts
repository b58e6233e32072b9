// `meterlab listen --forward-to <url>`: a webhook endpoint of its own on 127.0.0.1, registered with
// a running `meterlab serve`, that prints each event it receives and forwards it to the given URL,
// signed again with a whsec_ secret it prints (so the app under development needs only that
// secret). The forward's answer is passed back: a failed forward fails the delivery, and serve
// retries it on its schedule.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Meterlab } from '../client';
import { SIGNATURE_HEADER, signatureHeader } from '../core/rules/signatures';
import { post } from './webhook-sender';

export interface ListenOptions {
  baseUrl: string;
  secretKey: string;
  forwardTo: string;
  /** One line per event and forward. */
  print(line: string): void;
  /** Forwards without an answer by then fail (default 10 s). */
  timeoutMs?: number;
}

export interface RunningListen {
  /** The secret forwarded deliveries are signed with. */
  secret: string;
  endpoint: string;
  close(): Promise<void>;
}

export async function startListen(options: ListenOptions): Promise<RunningListen> {
  const forward = new URL(options.forwardTo);
  if (forward.protocol !== 'http:' && forward.protocol !== 'https:') {
    throw new Error(`--forward-to ${options.forwardTo} must be an http or https URL.`);
  }
  const vinr = new Meterlab({ secretKey: options.secretKey, baseUrl: options.baseUrl });
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let event;
        try {
          event = vinr.webhooks.verify(body, request.headers[SIGNATURE_HEADER] as string);
        } catch (error) {
          options.print(`refused a delivery: ${(error as Error).message}`);
          response.writeHead(400).end();
          return;
        }
        options.print(`${event.type} ${event.id}`);
        const sentAt = Math.floor(Date.now() / 1000);
        const outcome = await post(
          forward.href,
          body,
          {
            'Content-Type': 'application/json; charset=utf-8',
            [SIGNATURE_HEADER]: signatureHeader(body, secret, sentAt),
          },
          options.timeoutMs ?? 10_000,
        );
        const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
        options.print(`  -> ${forward.href} ${outcome.status ?? outcome.error}`);
        response.writeHead(ok ? 200 : 502).end(ok ? 'forwarded' : 'forward failed');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const endpoint = await vinr.webhookEndpoints.create({ url }).catch(async (error: unknown) => {
    server.close();
    throw error;
  });
  return {
    secret,
    endpoint: endpoint.id,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
