import { describe, expect, it } from 'vitest';
import type { ExportedFile } from '../../../core/contract';
import type { Invoice } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { InvoicesState, invoicePageSize } from '../../../renderer/state/invoices.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

function setup() {
  const saved: ExportedFile[] = [];
  const transport = new FakeTransport().on('workspace.exportInvoices', ({ format }) => ({
    filename: `guide-invoices.${format}`,
    mimeType: format === 'csv' ? 'text/csv' : 'application/json',
    content: format === 'csv' ? 'invoice,customer\nin_1,cus_1\n' : '[]\n',
  }));
  const app = new AppState(createApiClient(transport), (file) => saved.push(file));
  return { transport, app, saved, invoices: new InvoicesState(app) };
}

describe('InvoicesState exports', () => {
  it('downloads the CSV and the JSON the engine made', async () => {
    const { transport, saved, invoices } = setup();
    await invoices.exportFile('csv');
    await invoices.exportFile('json');
    expect(transport.callsOf('workspace.exportInvoices')).toEqual([
      [{ format: 'csv' }],
      [{ format: 'json' }],
    ]);
    expect(saved.map((file) => [file.filename, file.mimeType])).toEqual([
      ['guide-invoices.csv', 'text/csv'],
      ['guide-invoices.json', 'application/json'],
    ]);
    expect(saved[0]!.content).toContain('in_1,cus_1');
  });

  it('exports what was billed per calendar month', async () => {
    const { transport, invoices } = setup();
    await invoices.exportFile('csv', 'calendar-month');
    expect(transport.callsOf('workspace.exportInvoices')).toEqual([
      [{ format: 'csv', by: 'calendar-month' }],
    ]);
  });

  it('shows the refusal and saves nothing when the engine refuses', async () => {
    const { transport, saved, invoices } = setup();
    transport.on('workspace.exportInvoices', () => {
      throw new EngineRefusal(
        'no_scenario_open',
        null,
        'Open a scenario first: its invoices are exported.',
      );
    });
    await invoices.exportFile('csv');
    expect(invoices.task.error?.code).toBe('no_scenario_open');
    expect(saved).toEqual([]);
  });

  it('prints one invoice or all, and says what happened', async () => {
    const { transport, app, invoices } = setup();
    await invoices.print('in_1');
    await invoices.print();
    expect(transport.printed).toEqual(['in_1', undefined]);
    expect(app.notices.at(-1)!.text).toContain('print page opened in a new tab');

    transport.printAnswer = { ok: true, data: { kind: 'saved', path: '/home/me/in_1.pdf' } };
    await invoices.print('in_1');
    expect(app.notices.at(-1)!.text).toBe('Saved the PDF to /home/me/in_1.pdf.');

    const before = app.notices.length;
    transport.printAnswer = { ok: true, data: { kind: 'cancelled' } };
    await invoices.print();
    expect(app.notices).toHaveLength(before);
    expect(invoices.task.error).toBeNull();
  });
});

describe('InvoicesState print all', () => {
  it('leaves the zero creation invoices out unless included, and says how many', async () => {
    const { transport, app, invoices } = setup();
    transport.on('analysis.invoicePage', () => ({
      object: 'invoice_page',
      data: [],
      offset: 0,
      total: 7,
      counts: { draft: 0, open: 0, paid: 7, uncollectible: 0, void: 0 },
      zeroAtCreation: 5,
    }));
    await invoices.invoices.load();
    expect(invoices.zeroAtCreation).toBe(5);
    await invoices.print();
    expect(app.notices.at(-1)!.text).toContain(
      '5 zero invoices made at subscription creation are left out.',
    );
    invoices.includeZero = true;
    await invoices.print();
    expect(app.notices.at(-1)!.text).not.toContain('left out');
    // One invoice is printed as it is, with no options.
    await invoices.print('in_1');
    expect(transport.printOptions).toEqual([undefined, { includeZero: true }, undefined]);
  });
});

describe('InvoicesState pages', () => {
  const invoice = (n: number) => ({ id: `in_${n}`, status: 'paid' }) as Invoice;

  function paged(total: number) {
    const { transport, app, invoices } = setup();
    transport.on('analysis.invoicePage', (args) => {
      const offset = args?.offset ?? 0;
      const count = Math.max(0, Math.min(args?.limit ?? 50, total - offset));
      return {
        object: 'invoice_page',
        data: Array.from({ length: count }, (_, i) => invoice(total - offset - i)),
        offset,
        total,
        counts: { draft: 0, open: 0, paid: total, uncollectible: 0, void: 0 },
        zeroAtCreation: 0,
      };
    });
    return { transport, app, invoices };
  }

  it('shows 50 at a time with the count, and pages on', async () => {
    const { transport, invoices } = paged(866);
    await invoices.invoices.load();
    expect(invoices.filtered).toHaveLength(invoicePageSize);
    expect(invoices.shown).toEqual({ first: 1, last: 50 });
    expect(invoices.total).toBe(866);
    expect([invoices.hasPrevious, invoices.hasNext]).toEqual([false, true]);
    for (let page = 1; page < 18; page++) await invoices.page(1);
    // 17 pages of 50 = 850: the 18th page holds invoices 851–866.
    expect(invoices.shown).toEqual({ first: 851, last: 866 });
    expect(invoices.hasNext).toBe(false);
    expect(transport.callsOf('analysis.invoicePage').at(-1)).toEqual([{ offset: 850, limit: 50 }]);
  });

  it('filters in the engine and starts again at the first page', async () => {
    const { transport, invoices } = paged(120);
    await invoices.page(1);
    await invoices.filter('paid');
    expect(invoices.offset).toBe(0);
    expect(transport.callsOf('analysis.invoicePage').at(-1)).toEqual([
      { offset: 0, limit: 50, status: 'paid' },
    ]);
  });

  it('opens on the invoice a "Show invoice" pointer names', async () => {
    const { app, invoices } = paged(3);
    await invoices.invoices.load();
    expect(invoices.invoice?.id).toBe('in_3');
    app.showInvoice('in_2');
    expect(app.view).toBe('invoices');
    expect(invoices.invoice?.id).toBe('in_2');
  });
});
