// Invoices as a PDF in the desktop app: the page asks through its named preload function, main
// renders the engine's print page in a hidden, sandboxed window without preload or script,
// prints it with printToPDF, and writes it where the user chose. Each piece takes the Electron
// objects it uses, so tests drive it with fakes.
import { randomUUID } from 'node:crypto';
import type { DispatchResult, ExportedFile } from '../core/contract';
import type { Dispatch } from '../core/dispatch';
import { APP_SCHEME, isTrustedSender, printPageHeaders } from './security';

/** The session the print windows use: its own app:// handler serves only print pages. */
export const PRINT_PARTITION = 'meterlab-print';
const PRINT_ORIGIN = `${APP_SCHEME}://print`;

/** Print pages waiting to be loaded, each at its own unguessable app://print/<id> address. */
export class PrintPages {
  readonly #pages = new Map<string, string>();

  /** Serves `html` until `release` is called. */
  add(html: string): { url: string; release: () => void } {
    const id = randomUUID();
    this.#pages.set(id, html);
    return { url: `${PRINT_ORIGIN}/${id}`, release: () => this.#pages.delete(id) };
  }

  /** The print session's app:// handler. */
  readonly handle = (request: Request): Response => {
    const url = new URL(request.url);
    const html = url.host === 'print' ? this.#pages.get(url.pathname.slice(1)) : undefined;
    if (html === undefined) return new Response('Not found', { status: 404 });
    return new Response(html, {
      status: 200,
      headers: { ...printPageHeaders(html), 'Content-Type': 'text/html; charset=utf-8' },
    });
  };
}

/** A hidden window that runs no script and can reach nothing but the print page. */
export function printWindowOptions() {
  return {
    show: false,
    webPreferences: {
      partition: PRINT_PARTITION,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      javascript: false,
      webSecurity: true,
      spellcheck: false,
    },
  } as const;
}

export interface PrintWindowLike {
  loadURL(url: string): Promise<void>;
  webContents: {
    printToPDF(options: { pageSize: 'A4'; printBackground: boolean }): Promise<Uint8Array>;
  };
  destroy(): void;
}

/** Renders `html` to an A4 PDF in a fresh hidden window, closed afterwards. */
export async function htmlToPdf(
  html: string,
  pages: PrintPages,
  openWindow: (options: ReturnType<typeof printWindowOptions>) => PrintWindowLike,
): Promise<Uint8Array> {
  const { url, release } = pages.add(html);
  const window = openWindow(printWindowOptions());
  try {
    await window.loadURL(url);
    return await window.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
  } finally {
    release();
    window.destroy();
  }
}

export interface SavePdfDeps {
  dispatch: Dispatch;
  renderPdf(html: string): Promise<Uint8Array>;
  /** Asks where to save (a save dialog); null when the user cancels. */
  chooseFile(defaultName: string): Promise<string | null>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

/** Where the PDF went, or null when the user cancelled the save dialog. */
export type SavedPdf = { path: string; omitted?: number } | null;

const refusal = (code: string, message: string): DispatchResult<never> => ({
  ok: false,
  error: { type: 'invalid_request_error', code, param: null, message },
});

/** The `ipcMain.handle('meterlab:save-invoices-pdf')` handler: one invoice, or all of them. */
export function createSavePdfHandler(deps: SavePdfDeps) {
  return async (
    event: { senderFrame: { url: string } | null },
    invoice: unknown,
    options?: unknown,
  ): Promise<DispatchResult<SavedPdf>> => {
    if (!isTrustedSender(event.senderFrame)) {
      return refusal('sender_not_allowed', 'Only the Meterlab window may call Meterlab.');
    }
    if (invoice !== undefined && typeof invoice !== 'string') {
      return refusal(
        'invalid_invoice',
        'invoice: pass an invoice id, or nothing for all invoices.',
      );
    }
    const includeZero = (options as { includeZero?: unknown } | null | undefined)?.includeZero;
    if (
      (options !== undefined && (typeof options !== 'object' || options === null)) ||
      (includeZero !== undefined && typeof includeZero !== 'boolean')
    ) {
      return refusal(
        'invalid_print_options',
        'options: pass { includeZero: true } to print zero creation invoices too, or nothing.',
      );
    }
    // dispatch validates the id as untrusted input and knows which scenario is open.
    const exported = await deps.dispatch('workspace.exportInvoices', [
      invoice === undefined
        ? { format: 'html', ...(includeZero ? { includeZero } : {}) }
        : { format: 'html', invoice },
    ]);
    if (!exported.ok) return exported;
    return savePagePdf(deps, exported.data as ExportedFile);
  };
}

/** Asks where to save `page` as a PDF, prints it and writes it; null when the user cancels. */
async function savePagePdf(
  deps: SavePdfDeps,
  page: ExportedFile,
): Promise<DispatchResult<SavedPdf>> {
  try {
    const path = await deps.chooseFile(page.filename.replace(/\.html$/, '.pdf'));
    if (path === null) return { ok: true, data: null };
    await deps.writeFile(path, await deps.renderPdf(page.content));
    return { ok: true, data: { path, ...(page.omitted ? { omitted: page.omitted } : {}) } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: {
        type: 'api_error',
        code: 'pdf_failed',
        param: null,
        message: `The PDF could not be saved: ${message}`,
      },
    };
  }
}

/** The `ipcMain.handle('meterlab:save-backtest-pdf')` handler: the last backtest's summary. */
export function createSaveBacktestPdfHandler(deps: SavePdfDeps) {
  return async (event: {
    senderFrame: { url: string } | null;
  }): Promise<DispatchResult<SavedPdf>> => {
    if (!isTrustedSender(event.senderFrame)) {
      return refusal('sender_not_allowed', 'Only the Meterlab window may call Meterlab.');
    }
    const exported = await deps.dispatch('backtest.export', [{ format: 'html' }]);
    if (!exported.ok) return exported;
    return savePagePdf(deps, exported.data as ExportedFile);
  };
}
