// The browser transport: POST /api/<method> with the per-run token, events over EventSource.
import type { DispatchResult, HostEvent } from '../../core/contract';
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
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const token = options.token ?? '';
  const endpoint = (path: string) => new URL(path, options.baseUrl).toString();
  return {
    async call(method, args) {
      const response = await options.fetch(endpoint(`api/${method}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [tokenHeader]: token },
        body: JSON.stringify({ args }),
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
    },
    // The host serves the print page (its own CSP allows its inline styles, no script); the
    // browser prints it or saves it as PDF. Opened at once, within the click that asked.
    async printInvoices(invoice, printOptions) {
      if (!options.openTab) {
        const message = 'This page cannot open tabs: open Meterlab in a browser to print.';
        return { ok: false, error: { type: 'api_error', code: 'no_tabs', param: null, message } };
      }
      const query = new URLSearchParams({
        token,
        ...(invoice ? { invoice } : {}),
        ...(printOptions?.includeZero ? { includeZero: '1' } : {}),
      });
      options.openTab(endpoint(`api/print/invoices?${query.toString()}`));
      return { ok: true, data: { kind: 'opened' } };
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
