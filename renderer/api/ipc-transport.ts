// The Electron transport: the preload's `window.meterlab` bridge (named functions only).
import type { DispatchResult, HostEvent } from '../../core/contract';
import type { UsageFileHandle } from '../../core/public/backtest';
import type { PrintOutcome, Transport } from './transport';

export interface MeterlabBridge {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Asks where to save, then writes the PDF; data is null when the user cancelled. */
  saveInvoicesPdf(
    invoice?: string,
    options?: { includeZero?: boolean },
  ): Promise<DispatchResult<{ path: string; omitted?: number } | null>>;
  /** Asks where to save, then writes the last backtest's summary as a PDF. */
  saveBacktestPdf(): Promise<DispatchResult<{ path: string } | null>>;
  /** The open dialog; the chosen file's handle on the host, or null when cancelled. */
  chooseUsageFile(): Promise<DispatchResult<UsageFileHandle | null>>;
  platform: 'electron';
}

declare global {
  interface Window {
    meterlab?: MeterlabBridge;
  }
}

/** A saved PDF (or a cancelled save dialog) as what printing did. */
function printed(
  result: DispatchResult<{ path: string; omitted?: number } | null>,
): DispatchResult<PrintOutcome> {
  if (!result.ok) return result;
  const outcome: PrintOutcome = result.data
    ? { kind: 'saved', ...result.data }
    : { kind: 'cancelled' };
  return { ok: true, data: outcome };
}

export function createIpcTransport(bridge: MeterlabBridge): Transport {
  return {
    call: (method, args) => bridge.call(method, args),
    onEvent: (listener) => bridge.onEvent(listener),
    async printInvoices(invoice, options) {
      return printed(
        await (options === undefined
          ? bridge.saveInvoicesPdf(invoice)
          : bridge.saveInvoicesPdf(invoice, options)),
      );
    },
    printBacktest: async () => printed(await bridge.saveBacktestPdf()),
    chooseUsageFile: () => bridge.chooseUsageFile(),
  };
}
