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
