// The one typed api client: `call('prices.create', args)` is checked against core/contract.ts and
// throws an ApiError carrying the engine's error envelope.
import type {
  DispatchResult,
  ErrorEnvelope,
  HostEvent,
  Method,
  MethodArgs,
  MethodResult,
} from '../../core/contract';
import type { UsageFileHandle } from '../../core/public/backtest';
import type { PrintOptions, PrintOutcome, Transport } from './transport';

export class ApiError extends Error {
  readonly envelope: ErrorEnvelope;

  constructor(envelope: ErrorEnvelope) {
    super(envelope.message);
    this.name = 'ApiError';
    this.envelope = envelope;
  }

  get param(): string | null {
    return this.envelope.param;
  }

  get code(): string {
    return this.envelope.code;
  }
}

/** Any thrown value as an ApiError (network failures become api_error envelopes). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({ type: 'api_error', code: 'transport_error', param: null, message });
}

export interface ApiClient {
  call<M extends Method>(method: M, ...args: MethodArgs<M>): Promise<MethodResult<M>>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Prints the open scenario's invoices (or one): a print tab in a browser, a PDF in Electron. */
  printInvoices(invoice?: string, options?: PrintOptions): Promise<PrintOutcome>;
  /** Prints the last backtest's summary: a print tab in a browser, a PDF in Electron. */
  printBacktest(): Promise<PrintOutcome>;
  /** Lets the user choose a usage file; its handle on the host, or null when cancelled. */
  chooseUsageFile(): Promise<UsageFileHandle | null>;
}

/** The data of a host's answer, or its error envelope thrown as an ApiError. */
async function unwrap<T>(answer: Promise<DispatchResult<T>>): Promise<T> {
  const result = await answer.catch((error: unknown) => {
    throw asApiError(error);
  });
  if (!result.ok) throw new ApiError(result.error);
  return result.data;
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    call: async (method, ...args) => (await unwrap(transport.call(method, args))) as never,
    onEvent: (listener) => transport.onEvent(listener),
    printInvoices: (invoice, options) =>
      unwrap(
        options === undefined
          ? transport.printInvoices(invoice)
          : transport.printInvoices(invoice, options),
      ),
    printBacktest: () => unwrap(transport.printBacktest()),
    chooseUsageFile: () => unwrap(transport.chooseUsageFile()),
  };
}
