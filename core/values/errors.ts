// The one error type of the engine, shaped like stripe-node's: `type`, a stable `code`, the
// offending `param`, and a message that says how to fix the call.
import type { ErrorEnvelope } from '../contract';

export type ErrorType =
  | 'invalid_request_error'
  | 'idempotency_error'
  | 'card_error'
  | 'signature_verification_error'
  | 'api_error';

export class MeterlabError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly param: string | null;

  constructor(type: ErrorType, code: string, param: string | null, message: string) {
    super(message);
    this.name = 'MeterlabError';
    this.type = type;
    this.code = code;
    this.param = param;
  }

  toEnvelope(): ErrorEnvelope {
    return { type: this.type, code: this.code, param: this.param, message: this.message };
  }
}

export function invalidRequest(code: string, param: string | null, message: string): MeterlabError {
  return new MeterlabError('invalid_request_error', code, param, message);
}

/** Any thrown value as an envelope; unexpected errors become api_error without a stack. */
export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (error instanceof MeterlabError) return error.toEnvelope();
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'api_error', code: 'internal_error', param: null, message };
}
