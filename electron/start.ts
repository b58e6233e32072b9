// `npm start`: builds when the build is missing or stale, then opens the desktop window where
// Electron can run, or else starts the browser host and prints the URL to open.
//   npm start -- [--data <file>] [--port <n>] [--browser] [--serve]
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFailureMessage, startHost } from './host';
import { chooseShell, electronBinary, electronPackageDir, isStale } from './launch';
import { appDataFolder, dataFileArgument } from './shell';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dataFile = dataFileArgument(args) ?? join(appDataFolder(), 'workspace.json');
const portIndex = args.indexOf('--port');
const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 0;
/** How long a first run may spend fetching the Electron binary before using the browser. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

function run(command: string, commandArgs: string[], timeout?: number): boolean {
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...(timeout ? { timeout } : {}),
  });
  return result.status === 0;
}

const sources = ['renderer', 'core', 'electron', 'vite.config.ts', 'package.json'].map((p) =>
  join(root, p),
);
const outputs = [
  'dist/renderer/index.html',
  'dist/electron/main.mjs',
  'dist/electron/preload.cjs',
].map((p) => join(root, p));
if (isStale(outputs, sources)) {
  console.log('Building Meterlab…');
  if (!run('npm', ['run', 'build'])) {
    console.error('The build failed (see above); fix it and run npm start again.');
    process.exit(1);
  }
}

const packageDir = electronPackageDir();
let shell = chooseShell({
  platform: process.platform,
  env: process.env,
  hasBinary: electronBinary(packageDir) !== null,
  browserAsked: args.includes('--browser'),
});
if (shell.kind === 'download') {
  console.log('Downloading the Electron binary (once)…');
  const fetched =
    packageDir !== null &&
    run(process.execPath, [join(packageDir, 'install.js')], DOWNLOAD_TIMEOUT_MS) &&
    electronBinary(packageDir) !== null;
  shell = fetched
    ? { kind: 'desktop' }
    : { kind: 'browser', why: 'the Electron binary could not be downloaded' };
}

if (shell.kind === 'desktop') {
  const child = spawn(
    electronBinary(packageDir)!,
    [join(root, 'dist', 'electron', 'main.mjs'), '--data', dataFile],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches Electron too (same process group); it saves and quits, then we follow.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  let host;
  try {
    host = await startHost({
      port,
      dataFile,
      staticDir: join(root, 'dist', 'renderer'),
      ...(args.includes('--serve') ? { api: {} } : {}),
    });
  } catch (error) {
    console.error(startFailureMessage(error, { dataFile, port }));
    process.exit(1);
  }
  console.log(`Meterlab runs in your browser here (${shell.why}).`);
  console.log(`Workspace: ${dataFile}`);
  for (const notice of host.notices) console.warn(`\n${notice.message}\n`);
  console.log(`\n  Open ${host.url}\n\nPress Ctrl-C to stop (your work is saved as you go).`);
  if (host.api) {
    console.log(
      `\nThe API (meterlab serve) runs beside it: ${host.api.url}, key ${host.api.secretKey}`,
    );
  }
  const stop = () => {
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Could not save the last changes: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
