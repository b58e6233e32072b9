// The Electron transport: the preload's `window.meterlab` bridge (named functions only).
import type { DispatchResult, HostEvent } from '../../core/contract';
import type { Transport } from './transport';

export interface MeterlabBridge {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  onEvent(listener: (event: HostEvent) => void): () => void;
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
  };
}
