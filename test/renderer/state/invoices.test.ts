import { describe, expect, it } from 'vitest';
import type { ExportedFile } from '../../../core/contract';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { InvoicesState } from '../../../renderer/state/invoices.svelte';
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
