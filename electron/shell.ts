// The desktop shell's logic, apart from Electron itself so tests can drive it with fakes: the IPC
// call handler, the remembered window size, where the workspace lives, and the single instance.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DispatchResult } from '../core/contract';
import type { Dispatch, DispatchHooks } from '../core/dispatch';
import { writeFileAtomic } from './atomic-file';
import { EXPORT_PIECE_CHANNEL } from './bridge';
import { isTrustedSender } from './security';

/**
 * The `ipcMain.handle('meterlab:call')` handler: only the app's own page may call. A call the
 * bridge numbers (an export) has its text sent to the page in pieces as it is made, on
 * EXPORT_PIECE_CHANNEL, and answers with an empty content (the bridge joins the pieces).
 */
export function createCallHandler(dispatch: Dispatch, hooks: DispatchHooks) {
  return (
    event: {
      senderFrame: { url: string } | null;
      sender?: { send(channel: string, ...args: unknown[]): void };
    },
    method: unknown,
    args: unknown,
    call?: unknown,
  ): Promise<DispatchResult> => {
    if (!isTrustedSender(event.senderFrame)) {
      return Promise.resolve({
        ok: false,
        error: {
          type: 'invalid_request_error',
          code: 'sender_not_allowed',
          param: null,
          message: 'Only the Meterlab window may call Meterlab.',
        },
      });
    }
    // dispatch checks the method and arguments as untrusted input.
    const { sender } = event;
    if (!Number.isSafeInteger(call) || !sender) return dispatch(method as string, args, hooks);
    return dispatch(method as string, args, {
      ...hooks,
      output: {
        write: (piece) => sender.send(EXPORT_PIECE_CHANNEL, call, piece),
        // Each piece is queued to the window at once; yielding lets it go out.
        ready: () => Promise.resolve(),
      },
    });
  };
}

/** `--data <file>` or `--data=<file>`, resolved against the working directory. */
export function dataFileArgument(argv: readonly string[], cwd = process.cwd()): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data' && argv[i + 1]) return resolve(cwd, argv[i + 1]!);
    if (arg.startsWith('--data=')) return resolve(cwd, arg.slice('--data='.length));
  }
  return null;
}

/** The OS's app-data folder for Meterlab, as Electron's app.getPath('userData') names it. */
export function appDataFolder(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string {
  if (platform === 'win32')
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Meterlab');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Meterlab');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'Meterlab');
}

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 800, maximized: false };
export const MIN_WINDOW = { width: 900, height: 600 };

/** The window size is remembered beside the workspace file. */
export function windowStateFile(dataFile: string): string {
  return join(dirname(dataFile), 'window-state.json');
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * The remembered window state, fitted to the screens there are now: a size within bounds, and a
 * position only if the window would still be on a screen. Anything unreadable gives the default.
 */
export function loadWindowState(file: string, workAreas: Rectangle[]): WindowState {
  let saved: Partial<WindowState>;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
  } catch {
    return { ...DEFAULT_WINDOW };
  }
  if (typeof saved !== 'object' || saved === null) return { ...DEFAULT_WINDOW };
  const largest = workAreas.reduce(
    (max, area) => ({
      width: Math.max(max.width, area.width),
      height: Math.max(max.height, area.height),
    }),
    { width: DEFAULT_WINDOW.width, height: DEFAULT_WINDOW.height },
  );
  const clamp = (value: unknown, min: number, max: number, fallback: number) =>
    isNumber(value) ? Math.round(Math.min(Math.max(value, min), max)) : fallback;
  const state: WindowState = {
    width: clamp(saved.width, MIN_WINDOW.width, largest.width, DEFAULT_WINDOW.width),
    height: clamp(saved.height, MIN_WINDOW.height, largest.height, DEFAULT_WINDOW.height),
    maximized: saved.maximized === true,
  };
  if (isNumber(saved.x) && isNumber(saved.y)) {
    const { x, y } = saved;
    // Visible enough: the title bar's first 100 px lie on some screen.
    const onScreen = workAreas.some(
      (area) =>
        x + 100 > area.x && x < area.x + area.width && y >= area.y && y < area.y + area.height,
    );
    if (onScreen) Object.assign(state, { x: Math.round(x), y: Math.round(y) });
  }
  return state;
}

export function saveWindowState(file: string, state: WindowState): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(state));
}

export interface WindowLike {
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/** A second launch hands over to the first: its window comes to the front. */
export function focusWindow(window: WindowLike | null): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
