// Webhook signatures (core/webhooks.ts): the HMAC is checked against node:crypto, computed
// independently of the engine's @noble/hashes.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../core/values/errors';
import {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  computeSignature,
  signatureHeader,
  verifySignature,
} from '../../../core/rules/signatures';

const SECRET = 'whsec_fixedTestSecret0123456789';
const TIMESTAMP = 1_740_787_200;
const PAYLOAD = '{"id":"evt_1","object":"event","type":"invoice.paid","data":{"total":3684}}';

/** The v1 signature, computed with node:crypto. */
const hmacHex = (payload: string, secret: string, timestamp: number) =>
  createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');

function verifyError(run: () => void): MeterlabError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MeterlabError);
    const meterlab = error as MeterlabError;
    expect(meterlab.type).toBe('signature_verification_error');
    expect(meterlab.param).toBe('signatureHeader');
    return meterlab;
  }
  return expect.fail('expected the signature check to throw');
}

describe('signing', () => {
  it('signs `${t}.${rawBody}` with HMAC-SHA256 of the secret, as hex', () => {
    const expected = hmacHex(PAYLOAD, SECRET, TIMESTAMP);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(computeSignature(PAYLOAD, SECRET, TIMESTAMP)).toBe(expected);
    expect(signatureHeader(PAYLOAD, SECRET, TIMESTAMP)).toBe(`t=${TIMESTAMP},v1=${expected}`);
  });

  it('signs non-ASCII bodies as UTF-8', () => {
    const body = '{"name":"Café ☕ – 東京"}';
    expect(computeSignature(body, SECRET, TIMESTAMP)).toBe(hmacHex(body, SECRET, TIMESTAMP));
  });

  it('names the header and the default tolerance as the rule book does', () => {
    expect(SIGNATURE_HEADER).toBe('x-vinr-signature');
    expect(DEFAULT_TOLERANCE_SECONDS).toBe(300);
  });
});

describe('verifySignature', () => {
  const header = `t=${TIMESTAMP},v1=${hmacHex(PAYLOAD, SECRET, TIMESTAMP)}`;

  it('accepts a signature up to the tolerance old: 300 s passes, 301 s fails', () => {
    expect(() => verifySignature(PAYLOAD, header, [SECRET], TIMESTAMP, 300)).not.toThrow();
    expect(() => verifySignature(PAYLOAD, header, [SECRET], TIMESTAMP + 300, 300)).not.toThrow();
    const error = verifyError(() =>
      verifySignature(PAYLOAD, header, [SECRET], TIMESTAMP + 301, 300),
    );
    expect(error.code).toBe('timestamp_outside_tolerance');
    expect(error.message).toContain('301');
  });

  it('takes the tolerance as given', () => {
    expect(() => verifySignature(PAYLOAD, header, [SECRET], TIMESTAMP + 10, 10)).not.toThrow();
    verifyError(() => verifySignature(PAYLOAD, header, [SECRET], TIMESTAMP + 11, 10));
  });

  it('rejects a tampered body, a tampered timestamp and a wrong secret', () => {
    const tampered = PAYLOAD.replace('3684', '3685');
    expect(
      verifyError(() => verifySignature(tampered, header, [SECRET], TIMESTAMP, 300)).code,
    ).toBe('signature_mismatch');
    const movedTime = header.replace(`t=${TIMESTAMP}`, `t=${TIMESTAMP + 1}`);
    verifyError(() => verifySignature(PAYLOAD, movedTime, [SECRET], TIMESTAMP, 300));
    verifyError(() => verifySignature(PAYLOAD, header, ['whsec_other'], TIMESTAMP, 300));
  });

  it('accepts the header when any v1 matches any secret', () => {
    const other = hmacHex(PAYLOAD, 'whsec_old', TIMESTAMP);
    const twoSignatures = `t=${TIMESTAMP},v1=${'0'.repeat(64)},v1=${other}`;
    expect(() =>
      verifySignature(PAYLOAD, twoSignatures, [SECRET, 'whsec_old'], TIMESTAMP, 300),
    ).not.toThrow();
    verifyError(() => verifySignature(PAYLOAD, twoSignatures, [SECRET], TIMESTAMP, 300));
  });

  it('explains a missing, malformed or unverifiable header', () => {
    expect(verifyError(() => verifySignature(PAYLOAD, null, [SECRET], TIMESTAMP, 300)).code).toBe(
      'signature_missing',
    );
    expect(verifyError(() => verifySignature(PAYLOAD, '', [SECRET], TIMESTAMP, 300)).code).toBe(
      'signature_missing',
    );
    for (const malformed of ['garbage', `t=${TIMESTAMP}`, 'v1=abc', 't=soon,v1=abc']) {
      const error = verifyError(() =>
        verifySignature(PAYLOAD, malformed, [SECRET], TIMESTAMP, 300),
      );
      expect(error.code).toBe('signature_malformed');
      expect(error.message).toContain('t=<unix seconds>,v1=<hex>');
    }
    expect(verifyError(() => verifySignature(PAYLOAD, header, [], TIMESTAMP, 300)).code).toBe(
      'secret_missing',
    );
  });
});
