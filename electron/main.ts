// The desktop app's main process: wires Electron to the shell functions (each checked by tests
// with fakes) and to the one dispatch. Run from dist/electron/main.mjs (see electron/build.ts).
import { BrowserWindow, Menu, app, dialog, ipcMain, protocol, screen, session } from 'electron';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostEvent } from '../core/contract';
import { createDispatcher } from '../core/dispatch';
import { templateCatalog } from '../core/scenario/templates';
import { Workspace } from '../core/workspace';
import { noticeEvent } from '../core/workspace-store';
import {
  CALL_CHANNEL,
  CHOOSE_USAGE_FILE_CHANNEL,
  EVENT_CHANNEL,
  SAVE_BACKTEST_PDF_CHANNEL,
  SAVE_PDF_CHANNEL,
} from './bridge';
import { createBacktestWindow, createChooseUsageFileHandler } from './backtest/window';
import { menuTemplate } from './menu';
import {
  PRINT_PARTITION,
  PrintPages,
  createSaveBacktestPdfHandler,
  createSavePdfHandler,
  htmlToPdf,
} from './print';
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  APP_URL,
  appProtocolHandler,
  denyNavigation,
  denyNewWindows,
  denyPermissions,
  secureWebPreferences,
} from './security';
import {
  MIN_WINDOW,
  appDataFolder,
  createCallHandler,
  dataFileArgument,
  focusWindow,
  loadWindowState,
  saveWindowState,
  windowStateFile,
} from './shell';
import { createSandbox } from './sandbox';
import { LowdbWorkspaceStore } from './store';

const here = dirname(fileURLToPath(import.meta.url));

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.setName('Meterlab');
app.setPath('userData', appDataFolder());

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  // Another Meterlab owns the workspace: it brings its window forward (second-instance).
  app.quit();
} else {
  app.on('second-instance', () => focusWindow(mainWindow));
  app.on('web-contents-created', (_event, contents) => {
    denyNavigation(contents);
    denyNewWindows(contents);
  });
  app
    .whenReady()
    .then(run)
    .catch((error: unknown) => fail('Meterlab could not start', error));
}

function fail(title: string, error: unknown): void {
  dialog.showErrorBox(title, error instanceof Error ? error.message : String(error));
  app.exit(1);
}

async function run(): Promise<void> {
  const dataFile =
    dataFileArgument(process.argv) ?? join(app.getPath('userData'), 'workspace.json');
  let store: LowdbWorkspaceStore;
  try {
    store = await LowdbWorkspaceStore.open({ file: dataFile });
  } catch (error) {
    return fail('Meterlab cannot open its workspace', error);
  }
  const workspace = await Workspace.load({ store, now: Date.now, templates: templateCatalog });
  const broadcast = (event: HostEvent) => {
    for (const window of BrowserWindow.getAllWindows())
      window.webContents.send(EVENT_CHANNEL, event);
    // Changes made in the window send their webhooks too.
    if (event.type === 'state.changed') sandbox.poke();
  };
  // The developer sandbox (`meterlab serve` beside the window), switched on from its panel.
  const sandbox = createSandbox({
    dispatch: createDispatcher(workspace, {
      yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
      now: () => performance.now(),
    }),
    dataFile,
    onEvent: broadcast,
  });
  // Backtests beside the window: DuckDB in this process; the sample ships beside the sources.
  const backtest = createBacktestWindow(sandbox.dispatch, {
    dataFile,
    sampleDir: join(here, '..', '..', 'electron', 'backtest', 'sample'),
  });
  const { dispatch } = backtest;

  denyPermissions(session.defaultSession);
  protocol.handle(APP_SCHEME, appProtocolHandler(join(here, '..', 'renderer')));
  ipcMain.handle(CALL_CHANNEL, createCallHandler(dispatch, { onEvent: broadcast }));
  const printPages = new PrintPages();
  const printSession = session.fromPartition(PRINT_PARTITION);
  denyPermissions(printSession);
  printSession.protocol.handle(APP_SCHEME, printPages.handle);
  const pdfDeps = {
    dispatch,
    renderPdf: (html: string) =>
      htmlToPdf(html, printPages, (options) => new BrowserWindow(options)),
    chooseFile: async (defaultName: string) => {
      const options = {
        title: 'Save as PDF',
        defaultPath: join(app.getPath('documents'), defaultName),
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
      };
      const chosen = mainWindow
        ? await dialog.showSaveDialog(mainWindow, options)
        : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    },
    writeFile: (path: string, data: Uint8Array) => writeFile(path, data),
  };
  ipcMain.handle(SAVE_PDF_CHANNEL, createSavePdfHandler(pdfDeps));
  ipcMain.handle(SAVE_BACKTEST_PDF_CHANNEL, createSaveBacktestPdfHandler(pdfDeps));
  ipcMain.handle(
    CHOOSE_USAGE_FILE_CHANNEL,
    createChooseUsageFileHandler(backtest, async () => {
      const options = {
        title: 'Choose a usage file',
        properties: ['openFile' as const],
        filters: [
          {
            name: 'Usage (CSV, JSON Lines, Parquet)',
            extensions: ['csv', 'tsv', 'jsonl', 'ndjson', 'json', 'parquet', 'gz'],
          },
        ],
      };
      const chosen = mainWindow
        ? await dialog.showOpenDialog(mainWindow, options)
        : await dialog.showOpenDialog(options);
      return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
    }),
  );
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        developer: !app.isPackaged,
        send: (command) => broadcast({ type: 'menu', command }),
      }),
    ),
  );

  const stateFile = windowStateFile(dataFile);
  let savingWindow: Promise<void> = Promise.resolve();
  const openWindow = () => {
    const workAreas = screen.getAllDisplays().map((display) => display.workArea);
    const { maximized, ...bounds } = loadWindowState(stateFile, workAreas);
    const window = new BrowserWindow({
      ...bounds,
      minWidth: MIN_WINDOW.width,
      minHeight: MIN_WINDOW.height,
      title: 'Meterlab',
      show: false,
      webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
    });
    if (maximized) window.maximize();
    window.once('ready-to-show', () => window.show());
    window.webContents.on('did-finish-load', () => {
      for (const notice of workspace.notices)
        window.webContents.send(EVENT_CHANNEL, noticeEvent(notice));
    });
    window.on('close', () => {
      const state = { ...window.getNormalBounds(), maximized: window.isMaximized() };
      savingWindow = saveWindowState(stateFile, state).catch(() => undefined);
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    void window.loadURL(APP_URL);
    mainWindow = window;
  };
  openWindow();
  for (const notice of workspace.notices) {
    void dialog.showMessageBox({ type: 'warning', title: 'Meterlab', message: notice.message });
  }

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Nothing acknowledged is lost: quit only once the last saves are on disk.
  let flushed = false;
  app.on('before-quit', (event) => {
    if (flushed) return;
    event.preventDefault();
    void Promise.allSettled([
      savingWindow,
      backtest.close(),
      sandbox.close().then(() => workspace.flush()),
    ])
      .then(() => store.close())
      .finally(() => {
        flushed = true;
        app.quit();
      });
  });
}
