import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../../core/contract';
import { menuTemplate } from '../../electron/menu';
import type { MenuItemTemplate } from '../../electron/menu';

function build(platform: NodeJS.Platform, developer = false) {
  const sent: MenuCommand[] = [];
  const template = menuTemplate({ platform, developer, send: (command) => sent.push(command) });
  const menu = (label: string) => template.find((item) => item.label?.replace('&', '') === label)!;
  const flat = (items: MenuItemTemplate[]): MenuItemTemplate[] =>
    items.flatMap((item) => [item, ...flat(item.submenu ?? [])]);
  return { template, menu, sent, all: flat(template) };
}

describe('application menu', () => {
  it('has File, Edit, View, Window and Help', () => {
    const { template } = build('linux');
    expect(template.map((item) => item.label ?? item.role)).toEqual([
      '&File',
      '&Edit',
      '&View',
      'windowMenu',
      '&Help',
    ]);
  });

  it('puts the scenario commands in File, with shortcuts, sent to the page', () => {
    const { menu, sent } = build('linux');
    const items = menu('File').submenu!.filter((item) => item.click);
    expect(items.map((item) => [item.label, item.accelerator])).toEqual([
      ['New Scenario…', 'CmdOrCtrl+N'],
      ['Open Scenario…', 'CmdOrCtrl+O'],
      ['Duplicate Scenario', 'CmdOrCtrl+D'],
      ['Import Scenario…', 'CmdOrCtrl+I'],
      ['Export Scenario…', 'CmdOrCtrl+E'],
    ]);
    for (const item of items) item.click!();
    expect(sent).toEqual([
      'scenario.new',
      'scenario.open',
      'scenario.duplicate',
      'scenario.import',
      'scenario.export',
    ]);
  });

  it('gives every shortcut to one item only', () => {
    const accelerators = build('linux', true).all.flatMap((item) => item.accelerator ?? []);
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });

  it('has the usual Edit roles and the macOS app menu on macOS', () => {
    const mac = build('darwin');
    expect(mac.template[0]!.label).toBe('Meterlab');
    expect(
      mac
        .menu('Edit')
        .submenu!.map((item) => item.role)
        .filter(Boolean),
    ).toEqual([
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'pasteAndMatchStyle',
      'delete',
      'selectAll',
    ]);
    expect(mac.menu('File').submenu!.at(-1)!.role).toBe('close');
    expect(build('win32').menu('File').submenu!.at(-1)!.role).toBe('quit');
  });

  it('offers developer tools only to unpackaged runs', () => {
    const roles = (developer: boolean) => build('linux', developer).all.map((item) => item.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
