// A transport that answers from handlers written in the test, and records every call.
import type {
  DispatchResult,
  ErrorEnvelope,
  HostEvent,
  Method,
  MethodArgs,
  MethodResult,
} from '../../core/contract';
import type { UsageFileHandle } from '../../core/public/backtest';
import type { PrintOptions, PrintOutcome, Transport } from '../../renderer/api/transport';

/** Thrown by a handler to answer with an error envelope, as the engine would. */
export class EngineRefusal extends Error {
  readonly envelope: ErrorEnvelope;

  constructor(code: string, param: string | null, message: string) {
    super(message);
    this.envelope = { type: 'invalid_request_error', code, param, message };
  }
}

export class FakeTransport implements Transport {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly #handlers = new Map<string, (...args: never[]) => unknown>();
  readonly #listeners = new Set<(event: HostEvent) => void>();
  /** The invoices printed (undefined: all), and what the host answers to a print. */
  readonly printed: (string | undefined)[] = [];
  /** The options of each print, in order (undefined: none given). */
  readonly printOptions: (PrintOptions | undefined)[] = [];
  printAnswer: DispatchResult<PrintOutcome> = { ok: true, data: { kind: 'opened' } };
  /** How many backtest summaries were printed. */
  backtestsPrinted = 0;
  /** What choosing a usage file answers (null: the user cancelled). */
  chosenFile: DispatchResult<UsageFileHandle | null> = { ok: true, data: null };

  on<M extends Method>(method: M, handler: (...args: MethodArgs<M>) => MethodResult<M>): this {
    this.#handlers.set(method, handler as (...args: never[]) => unknown);
    return this;
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  async call(method: string, args: unknown[]): Promise<DispatchResult> {
    this.calls.push({ method, args: structuredClone(args) });
    const handler = this.#handlers.get(method);
    if (!handler) {
      const message = `The fake has no ${method}.`;
      return { ok: false, error: { type: 'api_error', code: 'no_fake', param: null, message } };
    }
    try {
      return { ok: true, data: structuredClone(handler(...(args as never[]))) };
    } catch (error) {
      if (error instanceof EngineRefusal) return { ok: false, error: error.envelope };
      throw error;
    }
  }

  printInvoices(invoice?: string, options?: PrintOptions): Promise<DispatchResult<PrintOutcome>> {
    this.printed.push(invoice);
    this.printOptions.push(options);
    return Promise.resolve(this.printAnswer);
  }

  printBacktest(): Promise<DispatchResult<PrintOutcome>> {
    this.backtestsPrinted += 1;
    return Promise.resolve(this.printAnswer);
  }

  chooseUsageFile(): Promise<DispatchResult<UsageFileHandle | null>> {
    return Promise.resolve(this.chosenFile);
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: HostEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** Lets pending promise chains (loads started without await) settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}
