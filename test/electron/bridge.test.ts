import { describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../core/contract';
import {
  CALL_CHANNEL,
  CHOOSE_USAGE_FILE_CHANNEL,
  EVENT_CHANNEL,
  EXPORT_PIECE_CHANNEL,
  SAVE_BACKTEST_PDF_CHANNEL,
  SAVE_PDF_CHANNEL,
  createBridge,
} from '../../electron/bridge';
import type { IpcRendererLike } from '../../electron/bridge';

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipc: IpcRendererLike & { emit(channel: string, ...args: unknown[]): void } = {
    invoke: vi.fn(() => Promise.resolve({ ok: true, data: [] })),
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
    emit(channel, ...args) {
      for (const listener of listeners.get(channel) ?? [])
        listener({ sender: 'ipc internals' }, ...args);
    },
  };
  return ipc;
}

describe('preload bridge (window.meterlab)', () => {
  it('exposes only named functions and platform, frozen', () => {
    const bridge = createBridge(fakeIpc());
    expect(Object.keys(bridge).sort()).toEqual([
      'call',
      'chooseUsageFile',
      'onEvent',
      'platform',
      'saveBacktestPdf',
      'saveInvoicesPdf',
    ]);
    expect(bridge.platform).toBe('electron');
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it("calls on the 'meterlab:call' channel with the method and the argument tuple", async () => {
    const ipc = fakeIpc();
    const result = await createBridge(ipc).call('workspace.list', []);
    expect(CALL_CHANNEL).toBe('meterlab:call');
    expect(ipc.invoke).toHaveBeenCalledWith('meterlab:call', 'workspace.list', []);
    expect(result).toEqual({ ok: true, data: [] });
  });

  it('joins the pieces main sends of an export into its content, per call', async () => {
    const ipc = fakeIpc();
    ipc.invoke = vi.fn((_channel: string, _method: unknown, _args: unknown, call: unknown) => {
      ipc.emit(EXPORT_PIECE_CHANNEL, call, 'a,b\n');
      ipc.emit(EXPORT_PIECE_CHANNEL, 999, 'another call\n');
      ipc.emit(EXPORT_PIECE_CHANNEL, call, '1,2\n');
      return Promise.resolve({
        ok: true,
        data: { filename: 'x.csv', mimeType: 'text/csv', content: '' },
      });
    });
    const result = await createBridge(ipc).call('workspace.exportInvoices', [{ format: 'csv' }]);
    expect(ipc.invoke).toHaveBeenCalledWith(
      'meterlab:call',
      'workspace.exportInvoices',
      [{ format: 'csv' }],
      1,
    );
    expect(result).toEqual({
      ok: true,
      data: { filename: 'x.csv', mimeType: 'text/csv', content: 'a,b\n1,2\n' },
    });
  });

  it("asks for a PDF on the 'meterlab:save-invoices-pdf' channel with the invoice only", async () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc);
    await bridge.saveInvoicesPdf('in_1');
    await bridge.saveInvoicesPdf();
    expect(SAVE_PDF_CHANNEL).toBe('meterlab:save-invoices-pdf');
    expect(vi.mocked(ipc.invoke).mock.calls).toEqual([
      ['meterlab:save-invoices-pdf', 'in_1'],
      ['meterlab:save-invoices-pdf', undefined],
    ]);
    await bridge.saveInvoicesPdf(undefined, { includeZero: true });
    expect(vi.mocked(ipc.invoke).mock.calls.at(-1)).toEqual([
      'meterlab:save-invoices-pdf',
      undefined,
      { includeZero: true },
    ]);
  });

  it('asks for a usage file and a backtest PDF on their own channels, with no arguments', async () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc);
    await bridge.chooseUsageFile();
    await bridge.saveBacktestPdf();
    expect(vi.mocked(ipc.invoke).mock.calls).toEqual([
      [CHOOSE_USAGE_FILE_CHANNEL],
      [SAVE_BACKTEST_PDF_CHANNEL],
    ]);
    expect([CHOOSE_USAGE_FILE_CHANNEL, SAVE_BACKTEST_PDF_CHANNEL]).toEqual([
      'meterlab:choose-usage-file',
      'meterlab:save-backtest-pdf',
    ]);
  });

  it("hands the page the HostEvents of 'meterlab:event' only, until unsubscribed", () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc);
    const heard: unknown[][] = [];
    const stop = bridge.onEvent((...args) => heard.push(args));
    const event: HostEvent = { type: 'state.changed', scenario: 'scn_1', revision: 3 };
    ipc.emit(EVENT_CHANNEL, event);
    ipc.emit('other-channel', { type: 'error' });
    stop();
    ipc.emit(EVENT_CHANNEL, event);
    expect(EVENT_CHANNEL).toBe('meterlab:event');
    // The IPC event object (with its sender) never reaches the page.
    expect(heard).toEqual([[event]]);
  });
});
