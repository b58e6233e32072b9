// What both HTTP hosts on 127.0.0.1 share (the browser host, electron/host.ts, and the API of
// `meterlab serve`, electron/serve.ts): bounded body reading, the loopback Host check against DNS
// rebinding, constant-time secret comparison, and JSON answers with the security headers.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './security';

/** Bodies above this are refused (a batch of 100k usage records is about 6 MiB). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLarge extends Error {}

/** The request body, refused (BodyTooLarge) as soon as it passes `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Compares a secret given by a client in time independent of where it differs. */
export function secretsMatch(given: string | null | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Host values a loopback server answers: a page from another site whose name was made to
 * resolve to 127.0.0.1 (DNS rebinding) still sends its own name, and is refused.
 */
export function loopbackHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** A request from a web page of another origin (no header: not from a page, or same-origin GET). */
export function foreignOrigin(
  request: IncomingMessage,
  allowedHosts: ReadonlySet<string>,
): boolean {
  const origin = request.headers.origin;
  return origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''));
}

/** A JSON answer with the security headers, never cached. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}
