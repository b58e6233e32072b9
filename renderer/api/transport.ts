// What the api client needs from a host: send one call, hear its events.
import type { DispatchResult, HostEvent } from '../../core/contract';

export interface Transport {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  /** Subscribes to host events; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
}
