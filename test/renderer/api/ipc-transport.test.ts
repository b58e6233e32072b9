import { describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../../core/contract';
import { createIpcTransport, type MeterlabBridge } from '../../../renderer/api/ipc-transport';

function bridgeAnswering(answer: DispatchResult<{ path: string } | null>) {
  const asked: (string | undefined)[] = [];
  const bridge: MeterlabBridge = {
    call: () => Promise.resolve({ ok: true, data: null }),
    onEvent: () => () => {},
    saveInvoicesPdf: (invoice) => {
      asked.push(invoice);
      return Promise.resolve(answer);
    },
    saveBacktestPdf: () => Promise.resolve({ ok: true, data: null }),
    chooseUsageFile: () => Promise.resolve({ ok: true, data: null }),
    platform: 'electron',
  };
  return { asked, transport: createIpcTransport(bridge) };
}

describe('ipc transport printing', () => {
  it('saves a PDF through the preload and says where', async () => {
    const { asked, transport } = bridgeAnswering({ ok: true, data: { path: '/tmp/in_1.pdf' } });
    await expect(transport.printInvoices('in_1')).resolves.toEqual({
      ok: true,
      data: { kind: 'saved', path: '/tmp/in_1.pdf' },
    });
    expect(asked).toEqual(['in_1']);
  });

  it('reports a cancelled save dialog, and passes refusals on', async () => {
    const cancelled = bridgeAnswering({ ok: true, data: null });
    await expect(cancelled.transport.printInvoices()).resolves.toEqual({
      ok: true,
      data: { kind: 'cancelled' },
    });
    const error = { type: 'api_error', code: 'pdf_failed', param: null, message: 'disk full' };
    const refused = bridgeAnswering({ ok: false, error });
    await expect(refused.transport.printInvoices()).resolves.toEqual({ ok: false, error });
  });
});
