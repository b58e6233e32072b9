// What `npm start` decides: whether the build is stale, and whether the desktop window can open
// here (an Electron binary, or one that can be fetched, and a display) or the browser host runs.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The newest modification time under `paths` (files or folders), ignoring `node_modules`. */
export function newestChange(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return;
    }
    if (!info.isDirectory()) {
      newest = Math.max(newest, info.mtimeMs);
      return;
    }
    for (const name of readdirSync(path)) {
      if (name !== 'node_modules' && !name.startsWith('.')) visit(join(path, name));
    }
  };
  paths.forEach(visit);
  return newest;
}

/** True when an output is missing or older than the newest source. */
export function isStale(outputs: readonly string[], sources: readonly string[]): boolean {
  const built = outputs.map((output) => (existsSync(output) ? statSync(output).mtimeMs : 0));
  return Math.min(...built) === 0 || Math.min(...built) < newestChange(sources);
}

/** The folder of the installed `electron` package (without requiring it: that downloads). */
export function electronPackageDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The Electron executable if it is downloaded, else null. */
export function electronBinary(packageDir: string | null): string | null {
  if (!packageDir) return null;
  try {
    const binary = join(
      packageDir,
      'dist',
      readFileSync(join(packageDir, 'path.txt'), 'utf8').trim(),
    );
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export type Shell =
  { kind: 'desktop' } | { kind: 'download'; why: string } | { kind: 'browser'; why: string };

export interface ShellSituation {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  hasBinary: boolean;
  /** `--browser` was given. */
  browserAsked: boolean;
}

/** Desktop where Electron can show a window; otherwise the browser host, saying why. */
export function chooseShell({ platform, env, hasBinary, browserAsked }: ShellSituation): Shell {
  if (browserAsked) return { kind: 'browser', why: 'you asked for the browser (--browser)' };
  const hasDisplay = platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (!hasDisplay)
    return { kind: 'browser', why: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  if (!hasBinary) return { kind: 'download', why: 'the Electron binary is not downloaded yet' };
  return { kind: 'desktop' };
}
