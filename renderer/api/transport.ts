// What the api client needs from a host: send one call, hear its events, put invoices on paper.
import type { DispatchResult, HostEvent } from '../../core/contract';
import type { UsageFileHandle } from '../../core/public/backtest';

/** What printing did: a print page opened in a new tab, or a PDF saved (null: cancelled). */
export type PrintOutcome =
  { kind: 'opened' } | { kind: 'saved'; path: string; omitted?: number } | { kind: 'cancelled' };

/** Printing all invoices: zero creation invoices are left out unless includeZero. */
export interface PrintOptions {
  includeZero?: boolean;
}

export interface Transport {
  call(method: string, args: unknown[]): Promise<DispatchResult>;
  /** Subscribes to host events; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** The open scenario's invoices (or one) for printing or as a PDF, as the host can. */
  printInvoices(invoice?: string, options?: PrintOptions): Promise<DispatchResult<PrintOutcome>>;
  /** The last backtest's summary for printing or as a PDF, as the host can. */
  printBacktest(): Promise<DispatchResult<PrintOutcome>>;
  /**
   * A usage file for a backtest, chosen by the user: the desktop app's open dialog, or the
   * browser's file chooser with the file uploaded to the host. Its handle; null if cancelled.
   */
  chooseUsageFile(): Promise<DispatchResult<UsageFileHandle | null>>;
}
