// What the preload exposes to the page as `window.meterlab`: named functions over three IPC
// channels, never ipcRenderer itself (the page could then send anything on any channel).
import type { DispatchResult, HostEvent } from '../core/contract';
import type { UsageFileHandle } from '../core/public/backtest';
import type { SavedPdf } from './print';

export const CALL_CHANNEL = 'meterlab:call';
export const EVENT_CHANNEL = 'meterlab:event';
export const SAVE_PDF_CHANNEL = 'meterlab:save-invoices-pdf';
export const SAVE_BACKTEST_PDF_CHANNEL = 'meterlab:save-backtest-pdf';
export const CHOOSE_USAGE_FILE_CHANNEL = 'meterlab:choose-usage-file';
/** Main to page: a piece of an export's text, as it is made (see createCallHandler). */
export const EXPORT_PIECE_CHANNEL = 'meterlab:export-piece';
/** The calls whose text main sends in pieces; the bridge joins them into the file's content. */
export const STREAMED_METHODS: ReadonlySet<string> = new Set(['workspace.exportInvoices']);

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface MeterlabBridge {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  /** Subscribes to host events; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Saves the open scenario's invoices (or one) as a PDF where the user chooses. */
  saveInvoicesPdf(
    invoice?: string,
    options?: { includeZero?: boolean },
  ): Promise<DispatchResult<SavedPdf>>;
  /** Saves the last backtest's summary as a PDF where the user chooses. */
  saveBacktestPdf(): Promise<DispatchResult<SavedPdf>>;
  /** Opens the file dialog for a usage file; its handle, or null when the user cancelled. */
  chooseUsageFile(): Promise<DispatchResult<UsageFileHandle | null>>;
  platform: 'electron';
}

export function createBridge(ipc: IpcRendererLike): MeterlabBridge {
  // An export's pieces, by call: main sends them as they are made, so its process never holds
  // (nor joins) the whole text; they are joined here, in the window's process.
  const pieces = new Map<number, string[]>();
  let lastCall = 0;
  ipc.on(EXPORT_PIECE_CHANNEL, (_event, call, piece) => {
    if (typeof piece === 'string') pieces.get(call as number)?.push(piece);
  });
  async function streamedCall(method: string, args: unknown[]): Promise<DispatchResult> {
    const call = ++lastCall;
    pieces.set(call, []);
    try {
      const result = (await ipc.invoke(CALL_CHANNEL, method, args, call)) as DispatchResult;
      const text = pieces.get(call)!;
      if (!result.ok || text.length === 0) return result;
      return { ...result, data: { ...(result.data as object), content: text.join('') } };
    } finally {
      pieces.delete(call);
    }
  }
  return Object.freeze({
    call: (method: string, args: unknown[]) =>
      STREAMED_METHODS.has(method)
        ? streamedCall(method, args)
        : (ipc.invoke(CALL_CHANNEL, method, args) as Promise<DispatchResult>),
    onEvent(listener: (event: HostEvent) => void) {
      // The IPC event object (with its sender) stays here; the page gets the HostEvent only.
      const forward = (_event: unknown, hostEvent: unknown) => listener(hostEvent as HostEvent);
      ipc.on(EVENT_CHANNEL, forward);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, forward);
      };
    },
    saveInvoicesPdf: (invoice?: string, options?: { includeZero?: boolean }) =>
      (options === undefined
        ? ipc.invoke(SAVE_PDF_CHANNEL, invoice)
        : ipc.invoke(SAVE_PDF_CHANNEL, invoice, options)) as Promise<DispatchResult<SavedPdf>>,
    saveBacktestPdf: () =>
      ipc.invoke(SAVE_BACKTEST_PDF_CHANNEL) as Promise<DispatchResult<SavedPdf>>,
    chooseUsageFile: () =>
      ipc.invoke(CHOOSE_USAGE_FILE_CHANNEL) as Promise<DispatchResult<UsageFileHandle | null>>,
    platform: 'electron' as const,
  });
}
