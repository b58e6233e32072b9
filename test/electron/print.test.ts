// The desktop PDF pieces with fakes: the print pages the hidden window loads, the window it uses,
// and the IPC handler from the page's request to the written file.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { DispatchResult } from '../../core/contract';
import type { Dispatch } from '../../core/dispatch';
import {
  PrintPages,
  createSavePdfHandler,
  htmlToPdf,
  printWindowOptions,
  type PrintWindowLike,
} from '../../electron/print';

const style = 'body { font: 11pt serif; } .invoice { break-after: page; }';
const html = `<!doctype html><title>Invoice</title><style>${style}</style><p>EUR 36.84</p>`;
const fromApp = { senderFrame: { url: 'app://meterlab/' } };

describe('print pages', () => {
  it('serves a page at its own address under a CSP allowing only its styles', async () => {
    const pages = new PrintPages();
    const { url, release } = pages.add(html);
    const response = pages.handle(new Request(url));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(html);
    const hash = createHash('sha256').update(style).digest('base64');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('script-src');
    release();
    expect(pages.handle(new Request(url)).status).toBe(404);
    expect(pages.handle(new Request('app://meterlab/index.html')).status).toBe(404);
  });

  it('renders in a hidden window without preload or script, closed even when loading fails', async () => {
    const pages = new PrintPages();
    const opened: unknown[] = [];
    const window = (load: () => Promise<void>): PrintWindowLike & { destroyed: boolean } => ({
      destroyed: false,
      loadURL: load,
      webContents: { printToPDF: () => Promise.resolve(new Uint8Array([37, 80, 68, 70])) },
      destroy() {
        this.destroyed = true;
      },
    });
    let served = '';
    const good = window(() => Promise.resolve());
    good.loadURL = async (url) => void (served = await pages.handle(new Request(url)).text());
    const pdf = await htmlToPdf(html, pages, (options) => (opened.push(options), good));
    expect(new TextDecoder().decode(pdf)).toBe('%PDF');
    expect(served).toBe(html);
    expect(good.destroyed).toBe(true);
    expect(opened).toEqual([printWindowOptions()]);
    expect(printWindowOptions().webPreferences).not.toHaveProperty('preload');

    const broken = window(() => Promise.reject(new Error('ERR_FAILED')));
    await expect(htmlToPdf(html, pages, () => broken)).rejects.toThrow('ERR_FAILED');
    expect(broken.destroyed).toBe(true);
  });
});

describe('the save-invoices-pdf handler', () => {
  const exported: DispatchResult = {
    ok: true,
    data: { filename: 'in_1.html', mimeType: 'text/html', content: html },
  };

  function setup(answer: DispatchResult = exported) {
    const dispatch = vi.fn<Dispatch>(() => Promise.resolve(answer));
    const deps = {
      dispatch,
      renderPdf: vi.fn((page: string) => Promise.resolve(new TextEncoder().encode(`PDF:${page}`))),
      chooseFile: vi.fn((name: string) => Promise.resolve<string | null>(`/home/me/${name}`)),
      writeFile: vi.fn(() => Promise.resolve()),
    };
    return { deps, handle: createSavePdfHandler(deps) };
  }

  it('exports the HTML, asks where, prints and writes the PDF', async () => {
    const { deps, handle } = setup();
    expect(await handle(fromApp, 'in_1')).toEqual({
      ok: true,
      data: { path: '/home/me/in_1.pdf' },
    });
    expect(deps.dispatch).toHaveBeenCalledWith('workspace.exportInvoices', [
      { format: 'html', invoice: 'in_1' },
    ]);
    expect(deps.chooseFile).toHaveBeenCalledWith('in_1.pdf');
    expect(deps.renderPdf).toHaveBeenCalledWith(html);
    expect(deps.writeFile).toHaveBeenCalledWith(
      '/home/me/in_1.pdf',
      new TextEncoder().encode(`PDF:${html}`),
    );
    await handle(fromApp, undefined);
    expect(deps.dispatch).toHaveBeenLastCalledWith('workspace.exportInvoices', [
      { format: 'html' },
    ]);
  });

  it('refuses other frames and non-string invoices before doing anything', async () => {
    const { deps, handle } = setup();
    const foreign = await handle({ senderFrame: { url: 'https://evil.example/' } }, 'in_1');
    expect(foreign).toMatchObject({ ok: false, error: { code: 'sender_not_allowed' } });
    expect(await handle({ senderFrame: null }, 'in_1')).toMatchObject({ ok: false });
    const badArg = await handle(fromApp, { $gt: '' });
    expect(badArg).toMatchObject({ ok: false, error: { code: 'invalid_invoice' } });
    expect(deps.dispatch).not.toHaveBeenCalled();
  });

  it("passes the engine's refusal on without a dialog, and reports a failed write", async () => {
    const refusal: DispatchResult = {
      ok: false,
      error: {
        type: 'invalid_request_error',
        code: 'no_scenario_open',
        param: null,
        message: 'Open a scenario first: its invoices are exported.',
      },
    };
    const refused = setup(refusal);
    expect(await refused.handle(fromApp, undefined)).toEqual(refusal);
    expect(refused.deps.chooseFile).not.toHaveBeenCalled();

    const { deps, handle } = setup();
    deps.writeFile.mockRejectedValueOnce(new Error('EACCES: permission denied'));
    expect(await handle(fromApp, 'in_1')).toMatchObject({
      ok: false,
      error: { code: 'pdf_failed', message: expect.stringContaining('EACCES') },
    });
  });

  it('prints zero creation invoices only when asked, and says how many it left out', async () => {
    const { deps, handle } = setup({
      ok: true,
      data: { filename: 'all.html', mimeType: 'text/html', content: html, omitted: 4 },
    });
    expect(await handle(fromApp, undefined)).toEqual({
      ok: true,
      data: { path: '/home/me/all.pdf', omitted: 4 },
    });
    await handle(fromApp, undefined, { includeZero: true });
    expect(deps.dispatch).toHaveBeenLastCalledWith('workspace.exportInvoices', [
      { format: 'html', includeZero: true },
    ]);
    const bad = await handle(fromApp, undefined, { includeZero: 'yes' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_print_options' } });
    expect(deps.dispatch).toHaveBeenCalledTimes(2);
  });

  it('does nothing more when the user cancels the dialog', async () => {
    const { deps, handle } = setup();
    deps.chooseFile.mockResolvedValueOnce(null);
    expect(await handle(fromApp, 'in_1')).toEqual({ ok: true, data: null });
    expect(deps.renderPdf).not.toHaveBeenCalled();
    expect(deps.writeFile).not.toHaveBeenCalled();
  });
});
