import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dispatch } from '../../core/dispatch';
import {
  DEFAULT_WINDOW,
  appDataFolder,
  createCallHandler,
  dataFileArgument,
  focusWindow,
  loadWindowState,
  saveWindowState,
  windowStateFile,
} from '../../electron/shell';
import { EXPORT_PIECE_CHANNEL } from '../../electron/bridge';

describe('IPC call handler', () => {
  const dispatch = vi.fn<Dispatch>(() => Promise.resolve({ ok: true, data: 'ran' }));
  const onEvent = vi.fn();
  const handle = createCallHandler(dispatch, { onEvent });

  beforeEach(() => dispatch.mockClear());

  it('runs calls from the app page through dispatch, with the event hook', async () => {
    const result = await handle({ senderFrame: { url: 'app://meterlab/' } }, 'workspace.list', []);
    expect(result).toEqual({ ok: true, data: 'ran' });
    expect(dispatch).toHaveBeenCalledWith('workspace.list', [], { onEvent });
  });

  it.each([
    'https://evil.example/',
    'file:///tmp/index.html',
    'app://evil/',
    'devtools://devtools/',
  ])('refuses a call from %s without running it', async (url) => {
    const result = await handle({ senderFrame: { url } }, 'workspace.delete', ['scn_1']);
    expect(result).toMatchObject({ ok: false, error: { code: 'sender_not_allowed' } });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it("sends a numbered call's text to its page in pieces as it is made (an export)", async () => {
    const streaming = vi.fn<Dispatch>(async (_method, _args, hooks) => {
      hooks!.output!.write('a,b\n');
      await hooks!.output!.ready();
      hooks!.output!.write('1,2\n');
      return { ok: true, data: { filename: 'x.csv', mimeType: 'text/csv', content: '' } };
    });
    const sent: unknown[][] = [];
    const sender = { send: (...message: unknown[]) => sent.push(message) };
    const frame = { senderFrame: { url: 'app://meterlab/' }, sender };
    const result = await createCallHandler(streaming, { onEvent })(
      frame,
      'workspace.exportInvoices',
      [{ format: 'csv' }],
      7,
    );
    expect(result).toMatchObject({ ok: true, data: { content: '' } });
    expect(sent).toEqual([
      [EXPORT_PIECE_CHANNEL, 7, 'a,b\n'],
      [EXPORT_PIECE_CHANNEL, 7, '1,2\n'],
    ]);
    // An unnumbered call keeps its text in its answer.
    await createCallHandler(dispatch, { onEvent })(frame, 'workspace.list', []);
    expect(dispatch).toHaveBeenCalledWith('workspace.list', [], { onEvent });
  });

  it('refuses a call whose frame is gone', async () => {
    expect(await handle({ senderFrame: null }, 'workspace.list', [])).toMatchObject({ ok: false });
    expect(dispatch).not.toHaveBeenCalled();
  });
});

describe('where the workspace lives', () => {
  it('takes --data <file> and --data=<file>, relative to the working directory', () => {
    expect(dataFileArgument(['--data', 'w.json'], '/home/ada')).toBe('/home/ada/w.json');
    expect(dataFileArgument(['--port', '1', '--data=/tmp/x.json'], '/home/ada')).toBe(
      '/tmp/x.json',
    );
    expect(dataFileArgument(['--data'], '/home/ada')).toBeNull();
    expect(dataFileArgument([], '/home/ada')).toBeNull();
  });

  it("defaults to the OS's app-data folder, as Electron names it", () => {
    expect(appDataFolder('linux', {}, '/home/ada')).toBe('/home/ada/.config/Meterlab');
    expect(appDataFolder('linux', { XDG_CONFIG_HOME: '/cfg' }, '/home/ada')).toBe('/cfg/Meterlab');
    expect(appDataFolder('darwin', {}, '/Users/ada')).toBe(
      '/Users/ada/Library/Application Support/Meterlab',
    );
    expect(
      appDataFolder('win32', { APPDATA: 'C:/Users/ada/AppData/Roaming' }, 'C:/Users/ada'),
    ).toBe(join('C:/Users/ada/AppData/Roaming', 'Meterlab'));
  });
});

describe('window state', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meterlab-window-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('is remembered beside the workspace file', async () => {
    const file = windowStateFile(join(dir, 'workspace.json'));
    expect(file).toBe(join(dir, 'window-state.json'));
    await saveWindowState(file, { x: 100, y: 50, width: 1400, height: 900, maximized: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ width: 1400 });
    expect(loadWindowState(file, screen)).toEqual({
      x: 100,
      y: 50,
      width: 1400,
      height: 900,
      maximized: true,
    });
  });

  it('starts at the default size without a saved state, or with a damaged one', async () => {
    const file = join(dir, 'window-state.json');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW);
    await writeFile(file, '{ damaged');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW);
    await writeFile(file, 'null');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW);
  });

  it('fits the saved size to the screens there are now and forgets an off-screen position', async () => {
    const file = join(dir, 'window-state.json');
    await saveWindowState(file, { x: 3000, y: 200, width: 5000, height: 100, maximized: false });
    expect(loadWindowState(file, screen)).toEqual({ width: 1920, height: 600, maximized: false });
  });
});

describe('single instance', () => {
  it('brings the first window forward, restoring it when minimized', () => {
    const calls: string[] = [];
    const window = {
      isMinimized: () => true,
      restore: () => calls.push('restore'),
      show: () => calls.push('show'),
      focus: () => calls.push('focus'),
    };
    focusWindow(window);
    expect(calls).toEqual(['restore', 'show', 'focus']);
    expect(() => focusWindow(null)).not.toThrow();
  });
});
