// The desktop app's menu. Items that act on scenarios send a `menu` HostEvent to the page, which
// carries the command out through the same api client as its buttons.
import type { MenuCommand } from '../core/contract';

type Role =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'windowMenu';

/** The subset of Electron's MenuItemConstructorOptions the menu uses. */
export interface MenuItemTemplate {
  label?: string;
  role?: Role;
  type?: 'separator';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemTemplate[];
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Sends a command to the page. */
  send(command: MenuCommand): void;
  /** Adds reload and developer tools (unpackaged runs only). */
  developer: boolean;
}

const separator: MenuItemTemplate = { type: 'separator' };

export function menuTemplate({ platform, send, developer }: MenuOptions): MenuItemTemplate[] {
  const mac = platform === 'darwin';
  const command = (label: string, accelerator: string, name: MenuCommand): MenuItemTemplate => ({
    label,
    accelerator,
    click: () => send(name),
  });
  const roles = (...names: (Role | null)[]): MenuItemTemplate[] =>
    names.map((role) => (role ? { role } : separator));
  return [
    ...(mac
      ? [
          {
            label: 'Meterlab',
            submenu: roles(
              'about',
              null,
              'services',
              null,
              'hide',
              'hideOthers',
              'unhide',
              null,
              'quit',
            ),
          },
        ]
      : []),
    {
      label: '&File',
      submenu: [
        command('New Scenario…', 'CmdOrCtrl+N', 'scenario.new'),
        command('Open Scenario…', 'CmdOrCtrl+O', 'scenario.open'),
        command('Duplicate Scenario', 'CmdOrCtrl+D', 'scenario.duplicate'),
        separator,
        command('Import Scenario…', 'CmdOrCtrl+I', 'scenario.import'),
        command('Export Scenario…', 'CmdOrCtrl+E', 'scenario.export'),
        separator,
        { role: mac ? 'close' : 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: roles(
        'undo',
        'redo',
        null,
        'cut',
        'copy',
        'paste',
        ...(mac ? (['pasteAndMatchStyle'] as const) : []),
        'delete',
        null,
        'selectAll',
      ),
    },
    {
      label: '&View',
      submenu: [
        ...(developer ? roles('reload', 'forceReload', 'toggleDevTools', null) : []),
        ...roles('resetZoom', 'zoomIn', 'zoomOut', null, 'togglefullscreen'),
      ],
    },
    { role: 'windowMenu' },
    {
      label: '&Help',
      submenu: [
        command('Keyboard Shortcuts', 'CmdOrCtrl+/', 'help.shortcuts'),
        ...(mac ? [] : [separator, { role: 'about' as const }]),
      ],
    },
  ];
}
