// The Electron transport: the preload's `window.meterlab` bridge (named functions only).
import type { DispatchResult, HostEvent } from '../../core/contract';
import type { PrintOutcome, Transport } from './transport';

export interface MeterlabBridge {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Asks where to save, then writes the PDF; data is null when the user cancelled. */
  saveInvoicesPdf(
    invoice?: string,
    options?: { includeZero?: boolean },
  ): Promise<DispatchResult<{ path: string; omitted?: number } | null>>;
  platform: 'electron';
}

declare global {
  interface Window {
    meterlab?: MeterlabBridge;
  }
}

export function createIpcTransport(bridge: MeterlabBridge): Transport {
  return {
    call: (method, args) => bridge.call(method, args),
    onEvent: (listener) => bridge.onEvent(listener),
    async printInvoices(invoice, options) {
      const result = await (options === undefined
        ? bridge.saveInvoicesPdf(invoice)
        : bridge.saveInvoicesPdf(invoice, options));
      if (!result.ok) return result;
      const outcome: PrintOutcome = result.data
        ? { kind: 'saved', ...result.data }
        : { kind: 'cancelled' };
      return { ok: true, data: outcome };
    },
  };
}
