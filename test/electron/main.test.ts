// main.ts wired to a fake Electron (the real one throws without its binary): the window's
// security, the protocol, IPC, the menu, single instance, and flushing saves before quitting.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DispatchResult, HostEvent } from '../../core/contract';
import type { MenuItemTemplate } from '../../electron/menu';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const on = (listeners: Map<string, Listener[]>) => (name: string, listener: Listener) => {
    listeners.set(name, [...(listeners.get(name) ?? []), listener]);
  };
  class FakeWebContents {
    sent: [string, unknown][] = [];
    listeners = new Map<string, Listener[]>();
    openHandler: Listener | null = null;
    on = on(this.listeners);
    send(channel: string, event: unknown) {
      this.sent.push([channel, event]);
    }
    setWindowOpenHandler(handler: Listener) {
      this.openHandler = handler;
    }
    printToPDF(options: unknown) {
      fake.calls.push(['printToPDF', options]);
      return Promise.resolve(Buffer.from('%PDF-fake'));
    }
  }
  class FakeBrowserWindow {
    static all: FakeBrowserWindow[] = [];
    static getAllWindows = () => FakeBrowserWindow.all;
    /** Every window ever made, destroyed ones too. */
    static created: FakeBrowserWindow[] = [];
    listeners = new Map<string, Listener[]>();
    webContents = new FakeWebContents();
    url: string | null = null;
    focused = 0;
    destroyed = false;
    on = on(this.listeners);
    once = on(this.listeners);
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.all.push(this);
      FakeBrowserWindow.created.push(this);
    }
    maximize() {}
    destroy() {
      this.destroyed = true;
      FakeBrowserWindow.all = FakeBrowserWindow.all.filter((window) => window !== this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    getNormalBounds = () => ({ x: 10, y: 20, width: 1000, height: 700 });
    isMaximized = () => false;
    isMinimized = () => false;
    restore() {}
    show() {}
    focus() {
      this.focused += 1;
    }
    emit(name: string, ...args: unknown[]) {
      for (const listener of this.listeners.get(name) ?? []) listener(...args);
    }
  }
  let ready!: () => void;
  const appListeners = new Map<string, Listener[]>();
  return {
    module: {
      app: {
        on: on(appListeners),
        setName: () => undefined,
        setPath: (...args: unknown[]) => fake.calls.push(['setPath', ...args]),
        getPath: (name: string) => `/fake/${name}`,
        requestSingleInstanceLock: () => true,
        whenReady: () => new Promise<void>((resolve) => (ready = resolve)),
        isPackaged: false,
        quit: () => fake.calls.push(['quit']),
        exit: (code: number) => fake.calls.push(['exit', code]),
      },
      BrowserWindow: FakeBrowserWindow,
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown) => fake.calls.push(['privileged', schemes]),
        handle: (scheme: string, handler: unknown) =>
          fake.calls.push(['protocol', scheme, handler]),
      },
      ipcMain: {
        handle: (channel: string, handler: unknown) => fake.calls.push(['ipc', channel, handler]),
      },
      Menu: {
        buildFromTemplate: (template: unknown) => ({ template }),
        setApplicationMenu: (menu: unknown) => fake.calls.push(['menu', menu]),
      },
      session: {
        fromPartition: (partition: string) => ({
          setPermissionRequestHandler: () => fake.calls.push(['printPermissions', partition]),
          setPermissionCheckHandler: () => undefined,
          protocol: {
            handle: (scheme: string, handler: unknown) =>
              fake.calls.push(['printProtocol', partition, scheme, handler]),
          },
        }),
        defaultSession: {
          setPermissionRequestHandler: (handler: unknown) =>
            fake.calls.push(['permissionRequest', handler]),
          setPermissionCheckHandler: (handler: unknown) =>
            fake.calls.push(['permissionCheck', handler]),
        },
      },
      screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
      dialog: {
        showErrorBox: (...args: unknown[]) => fake.calls.push(['errorBox', ...args]),
        showMessageBox: () => Promise.resolve({}),
        showSaveDialog: (...args: unknown[]) => {
          fake.calls.push(['saveDialog', ...args]);
          return Promise.resolve(fake.saveDialogAnswer);
        },
      },
    },
    calls: [] as unknown[][],
    saveDialogAnswer: { canceled: true, filePath: '' } as { canceled: boolean; filePath: string },
    appListeners,
    ready: () => ready(),
    FakeBrowserWindow,
  };
});

vi.mock('electron', () => fake.module);

const found = (name: string) => fake.calls.find((call) => call[0] === name);
let dir: string;
let dataFile: string;
let window: InstanceType<typeof fake.FakeBrowserWindow>;
let call: (frameUrl: string, method: string, args: unknown[]) => Promise<DispatchResult>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterlab-main-'));
  dataFile = join(dir, 'workspace.json');
  process.argv = [process.argv[0]!, 'main.mjs', '--data', dataFile];
  await import('../../electron/main');
  fake.ready();
  await vi.waitFor(() => expect(found('ipc')).toBeDefined());
  window = fake.FakeBrowserWindow.all[0]!;
  const handler = found('ipc')![2] as (
    event: unknown,
    method: string,
    args: unknown[],
  ) => Promise<DispatchResult>;
  call = (url, method, args) => handler({ senderFrame: { url } }, method, args);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('desktop main process', () => {
  it('registers app:// as a privileged scheme before the app is ready', () => {
    expect(fake.calls[0]![0]).toBe('privileged');
    expect(found('privileged')![1]).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(found('setPath')).toEqual(['setPath', 'userData', expect.stringMatching(/Meterlab$/)]);
  });

  it('opens a sandboxed, isolated window on app://meterlab/ with only the preload', () => {
    const preferences = window.options.webPreferences as Record<string, unknown>;
    expect(preferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: expect.stringMatching(/preload\.cjs$/),
    });
    expect(window.url).toBe('app://meterlab/');
    expect(found('protocol')!.slice(0, 2)).toEqual(['protocol', 'app']);
  });

  it('denies permissions, navigation and new windows for every web contents', () => {
    const grant = vi.fn();
    (found('permissionRequest')![1] as Listener)({}, 'media', grant);
    expect(grant).toHaveBeenCalledWith(false);
    const contents = new fake.FakeBrowserWindow({}).webContents;
    fake.FakeBrowserWindow.all.pop();
    for (const listener of fake.appListeners.get('web-contents-created')!) listener({}, contents);
    const navigation = { preventDefault: vi.fn() };
    for (const listener of contents.listeners.get('will-navigate')!) listener(navigation);
    expect(navigation.preventDefault).toHaveBeenCalled();
    expect(contents.openHandler!({ url: 'https://evil.example' })).toEqual({ action: 'deny' });
  });

  it('answers IPC from the app page through dispatch and pushes state.changed', async () => {
    const created = await call('app://meterlab/', 'workspace.create', [{ name: 'Desktop' }]);
    expect(created).toMatchObject({ ok: true, data: { name: 'Desktop' } });
    const events = window.webContents.sent.filter(([channel]) => channel === 'meterlab:event');
    expect(events.map(([, event]) => (event as HostEvent).type)).toContain('state.changed');
  });

  it('runs the developer sandbox from the window: its calls reach the window live', async () => {
    const off = await call('app://meterlab/', 'sandbox.status', []);
    const key = (await readFile(`${dataFile}.serve-key`, 'utf8')).trim();
    expect(off).toEqual({
      ok: true,
      data: { running: false, port: 12111, url: null, secretKey: key },
    });
    const on = await call('app://meterlab/', 'sandbox.start', [{ port: 0 }]);
    expect(on).toMatchObject({ ok: true, data: { running: true, secretKey: key } });
    const { url } = (on as { data: { url: string } }).data;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = window.webContents.sent.length;
    const created = await fetch(`${url}/v1/products`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'From my code' }),
    });
    expect(created.status).toBe(200);
    const pushed = window.webContents.sent.slice(before).map(([, e]) => (e as HostEvent).type);
    expect(pushed).toContain('state.changed');
    const stopped = await call('app://meterlab/', 'sandbox.stop', []);
    expect(stopped).toMatchObject({ ok: true, data: { running: false, url: null } });
    await expect(fetch(`${url}/v1/products`)).rejects.toThrow();
  });

  it('refuses IPC from any other frame', async () => {
    const result = await call('https://evil.example/', 'workspace.delete', ['x']);
    expect(result).toMatchObject({ ok: false, error: { code: 'sender_not_allowed' } });
  });

  it('saves the invoices as a PDF from a hidden, script-less window where the user chose', async () => {
    const handler = fake.calls.find(
      (entry) => entry[0] === 'ipc' && entry[1] === 'meterlab:save-invoices-pdf',
    )![2] as (event: unknown, invoice?: unknown) => Promise<DispatchResult>;
    const fromApp = { senderFrame: { url: 'app://meterlab/' } };
    expect(found('printProtocol')!.slice(1, 3)).toEqual(['meterlab-print', 'app']);
    expect(found('printPermissions')).toEqual(['printPermissions', 'meterlab-print']);

    // Cancelling the dialog prints nothing.
    expect(await handler(fromApp)).toEqual({ ok: true, data: null });
    expect(found('printToPDF')).toBeUndefined();

    const target = join(dir, 'invoices.pdf');
    fake.saveDialogAnswer = { canceled: false, filePath: target };
    const before = fake.FakeBrowserWindow.all.length;
    expect(await handler(fromApp)).toEqual({ ok: true, data: { path: target } });
    expect(await readFile(target, 'utf8')).toBe('%PDF-fake');
    const dialogOptions = found('saveDialog')!.at(-1) as { defaultPath: string };
    expect(dialogOptions.defaultPath).toMatch(/^\/fake\/documents\/desktop-invoices\.pdf$/);
    const printWindow = fake.FakeBrowserWindow.created.at(-1)!;
    expect(printWindow.options).toMatchObject({
      show: false,
      webPreferences: { partition: 'meterlab-print', sandbox: true, javascript: false },
    });
    expect(printWindow.options.webPreferences).not.toHaveProperty('preload');
    expect(printWindow.url).toMatch(/^app:\/\/print\/[0-9a-f-]{36}$/);
    expect(printWindow.destroyed).toBe(true);
    expect(fake.FakeBrowserWindow.all).toHaveLength(before);
    expect(found('printToPDF')![1]).toEqual({ pageSize: 'A4', printBackground: true });

    const refused = await handler({ senderFrame: { url: 'https://evil.example/' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'sender_not_allowed' } });
  });

  it('sends menu commands to the page', () => {
    const template = (found('menu')![1] as { template: MenuItemTemplate[] }).template;
    const file = template.find((item) => item.label === '&File')!;
    file.submenu!.find((item) => item.label === 'New Scenario…')!.click!();
    expect(window.webContents.sent.at(-1)).toEqual([
      'meterlab:event',
      { type: 'menu', command: 'scenario.new' },
    ]);
  });

  it('focuses the first window when Meterlab is started again', () => {
    for (const listener of fake.appListeners.get('second-instance')!) listener();
    expect(window.focused).toBe(1);
  });

  it('remembers the window size and flushes saves before quitting', async () => {
    window.emit('close');
    const quit = { preventDefault: vi.fn() };
    for (const listener of fake.appListeners.get('before-quit')!) listener(quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(found('quit')).toBeDefined());
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
    expect(JSON.parse(await readFile(dataFile, 'utf8')).scenarios[0].name).toBe('Desktop');
    expect(JSON.parse(await readFile(join(dir, 'window-state.json'), 'utf8'))).toMatchObject({
      width: 1000,
      height: 700,
    });
  });
});
