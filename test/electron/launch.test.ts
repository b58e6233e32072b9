import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseShell, electronBinary, isStale } from '../../electron/launch';

describe('npm start: which shell', () => {
  const situation = { platform: 'linux' as const, env: {}, hasBinary: true, browserAsked: false };

  it('uses the browser host on Linux without a display, as on this build machine', () => {
    expect(chooseShell(situation)).toMatchObject({
      kind: 'browser',
      why: expect.stringContaining('no display'),
    });
  });

  it('opens the desktop window where there is a display and a binary', () => {
    expect(chooseShell({ ...situation, env: { DISPLAY: ':0' } })).toEqual({ kind: 'desktop' });
    expect(chooseShell({ ...situation, env: { WAYLAND_DISPLAY: 'wayland-0' } })).toEqual({
      kind: 'desktop',
    });
    expect(chooseShell({ ...situation, platform: 'darwin' })).toEqual({ kind: 'desktop' });
    expect(chooseShell({ ...situation, platform: 'win32' })).toEqual({ kind: 'desktop' });
  });

  it('fetches the binary first where a window could open but none is downloaded', () => {
    expect(chooseShell({ ...situation, platform: 'darwin', hasBinary: false })).toMatchObject({
      kind: 'download',
    });
    expect(chooseShell({ ...situation, env: { DISPLAY: ':0' }, hasBinary: false }).kind).toBe(
      'download',
    );
  });

  it('uses the browser when asked, whatever else', () => {
    expect(chooseShell({ ...situation, platform: 'darwin', browserAsked: true }).kind).toBe(
      'browser',
    );
  });
});

describe('npm start: build and binary checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meterlab-launch-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('rebuilds when an output is missing or older than a source', async () => {
    const source = join(dir, 'src', 'a.ts');
    const output = join(dir, 'dist', 'main.mjs');
    await mkdir(join(dir, 'src'));
    await mkdir(join(dir, 'dist'));
    await writeFile(source, '');
    expect(isStale([output], [join(dir, 'src')])).toBe(true);
    await writeFile(output, '');
    await utimes(source, 1000, 1000);
    await utimes(output, 2000, 2000);
    expect(isStale([output], [join(dir, 'src')])).toBe(false);
    await utimes(source, 3000, 3000);
    expect(isStale([output], [join(dir, 'src')])).toBe(true);
  });

  it('finds the Electron binary only once it is downloaded', async () => {
    expect(electronBinary(null)).toBeNull();
    expect(electronBinary(dir)).toBeNull();
    await writeFile(join(dir, 'path.txt'), 'electron');
    expect(electronBinary(dir)).toBeNull();
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'electron'), '');
    expect(electronBinary(dir)).toBe(join(dir, 'dist', 'electron'));
  });
});
