// Webhook signatures, as the rule book states: header `x-vinr-signature: t=<unix>,v1=<hex>`, where
// v1 is HMAC-SHA256 of `${t}.${rawBody}` with the endpoint's whsec_ secret.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { MeterlabError } from '../values/errors';
import type { ErrorCode } from '../values/errors';

export const SIGNATURE_HEADER = 'x-vinr-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function computeSignature(payload: string, secret: string, timestamp: number): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(`${timestamp}.${payload}`)));
}

export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${computeSignature(payload, secret, timestamp)}`;
}

/** Compares in time independent of where the strings differ. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function signatureError(code: ErrorCode, message: string): MeterlabError {
  return new MeterlabError('signature_verification_error', code, 'signatureHeader', message);
}

/**
 * Checks a signed payload: some v1 must match one of the secrets, and t must be at most
 * `tolerance` seconds away from `now`. Throws a signature_verification_error otherwise.
 */
export function verifySignature(
  payload: string,
  header: string | null | undefined,
  secrets: readonly string[],
  now: number,
  tolerance: number,
): void {
  if (!header) {
    throw signatureError(
      'signature_missing',
      `No ${SIGNATURE_HEADER} header: pass the header value the webhook request carried.`,
    );
  }
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value) signatures.push(value.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    throw signatureError(
      'signature_malformed',
      `Malformed ${SIGNATURE_HEADER} header: expected "t=<unix seconds>,v1=<hex>".`,
    );
  }
  if (secrets.length === 0) {
    throw signatureError(
      'secret_missing',
      'No signing secret: create a webhook endpoint or pass options.secret (whsec_...).',
    );
  }
  const matches = secrets.some((secret) => {
    const expected = computeSignature(payload, secret, timestamp);
    return signatures.some((candidate) => constantTimeEqual(candidate, expected));
  });
  if (!matches) {
    throw signatureError(
      'signature_mismatch',
      'No signature matches the payload: verify the raw request body, unparsed and unchanged, with the endpoint secret.',
    );
  }
  if (now - timestamp > tolerance) {
    throw signatureError(
      'timestamp_outside_tolerance',
      `The signature's timestamp ${timestamp} is ${now - timestamp} s old (now is ${now}); the tolerance is ${tolerance} s. Reject replayed or delayed deliveries.`,
    );
  }
}
