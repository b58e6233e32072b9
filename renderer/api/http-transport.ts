// The browser transport: POST /api/<method> with the per-run token, events over EventSource.
import type { DispatchResult, HostEvent } from '../../core/contract';
import { MAX_USAGE_UPLOAD_BYTES } from '../../core/public/backtest';
import type { Transport } from './transport';

const tokenKey = 'meterlab.token';
export const tokenHeader = 'x-meterlab-token';

/**
 * The token from `?token=` (kept in sessionStorage so a reload works, and removed from the
 * visible URL), or the one stored earlier in this tab.
 */
export function takeToken(location: Location, storage: Storage, history: History): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(tokenKey, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(tokenKey);
}

export interface HttpTransportOptions {
  baseUrl: string;
  token: string | null;
  fetch: typeof fetch;
  /** Opens the event stream; absent where there is no EventSource (tests). */
  openEvents?: (url: string) => EventSource;
  /** Opens a page in a new tab (the print page); absent where there is no window. */
  openTab?: (url: string) => void;
  /** The browser's file chooser: the file the user picked, or null (absent: no page). */
  pickFile?: () => Promise<FileLike | null>;
}

/** The part of a browser File the upload reads. */
export interface FileLike {
  name: string;
  size: number;
  /** The file itself (a File is a Blob): fetch sends it as the body. */
  body: Blob;
}

const refusal = (code: string, message: string, param: string | null = null) => ({
  ok: false as const,
  error: { type: 'invalid_request_error', code, param, message },
});

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const token = options.token ?? '';
  const endpoint = (path: string) => new URL(path, options.baseUrl).toString();
  /** Opens a print page the host serves (its own CSP allows its inline styles, no script). */
  const openPrintPage = (path: string, query: Record<string, string>) => {
    if (!options.openTab) {
      const message = 'This page cannot open tabs: open Meterlab in a browser to print.';
      return {
        ok: false as const,
        error: { type: 'api_error', code: 'no_tabs', param: null, message },
      };
    }
    options.openTab(endpoint(`api/${path}?${new URLSearchParams({ token, ...query }).toString()}`));
    return { ok: true as const, data: { kind: 'opened' as const } };
  };
  /** POSTs a body with the token; the host's answer is always a result envelope. */
  const post = async (path: string, type: string, body: BodyInit): Promise<DispatchResult> => {
    const response = await options.fetch(endpoint(path), {
      method: 'POST',
      headers: { 'content-type': type, [tokenHeader]: token },
      body,
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as DispatchResult;
    } catch {
      // The host always answers with an envelope; anything else is a transport failure.
      return {
        ok: false,
        error: {
          type: 'api_error',
          code: 'transport_error',
          param: null,
          message: `The host answered ${response.status} without a result: ${text.slice(0, 200)}`,
        },
      };
    }
  };
  return {
    call: (method, args) => post(`api/${method}`, 'application/json', JSON.stringify({ args })),
    // The host serves the print page (its own CSP allows its inline styles, no script); the
    // browser prints it or saves it as PDF. Opened at once, within the click that asked.
    async printInvoices(invoice, printOptions) {
      return openPrintPage('print/invoices', {
        ...(invoice ? { invoice } : {}),
        ...(printOptions?.includeZero ? { includeZero: '1' } : {}),
      });
    },
    printBacktest: async () => openPrintPage('print/backtest', {}),
    // The browser cannot hand the host a path: the file's bytes go up, bounded in size.
    async chooseUsageFile() {
      if (!options.pickFile) {
        return refusal('no_tabs', 'This page cannot choose files: open Meterlab in a browser.');
      }
      const file = await options.pickFile();
      if (file === null) return { ok: true, data: null };
      if (file.size > MAX_USAGE_UPLOAD_BYTES) {
        return refusal(
          'usage_file_too_large',
          `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_USAGE_UPLOAD_BYTES / 1024 / 1024} MiB the browser can upload: run \`meterlab backtest --usage ${file.name}\` on the command line, or use the desktop app, which reads the file where it is.`,
          'file',
        );
      }
      // The bytes as they are (the browser streams the file), to a temp file on the host.
      const query = new URLSearchParams({ name: file.name }).toString();
      return post(`api/backtest/upload?${query}`, 'application/octet-stream', file.body) as Promise<
        DispatchResult<never>
      >;
    },
    onEvent(listener) {
      if (!options.openEvents) return () => {};
      const source = options.openEvents(endpoint(`api/events?token=${encodeURIComponent(token)}`));
      source.onmessage = (message: MessageEvent<string>) => {
        listener(JSON.parse(message.data) as HostEvent);
      };
      return () => source.close();
    },
  };
}
