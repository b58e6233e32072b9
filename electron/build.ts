// Bundles the desktop shell for Electron: main.ts as ESM (dist/electron/main.mjs) and the preload
// as CommonJS (dist/electron/preload.cjs: sandboxed preloads cannot be ES modules).
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const electronOutDir = join(root, 'dist', 'electron');

const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  // Electron 45 runs Node 22 and Chromium 140.
  target: ['node22', 'chrome140'],
  // The backtests' DuckDB and ClickHouse clients load native code and stay in node_modules.
  external: ['electron', '@duckdb/node-api', '@clickhouse/client'],
  sourcemap: true,
  logLevel: 'warning',
};

export async function buildElectron(): Promise<void> {
  await Promise.all([
    build({
      ...shared,
      entryPoints: [join(root, 'electron', 'main.ts')],
      outfile: join(electronOutDir, 'main.mjs'),
      format: 'esm',
      // Bundled CommonJS dependencies may call require(); give the ES module one.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    }),
    build({
      ...shared,
      entryPoints: [join(root, 'electron', 'preload.ts')],
      outfile: join(electronOutDir, 'preload.cjs'),
      format: 'cjs',
    }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildElectron();
  console.log(`Built the desktop shell into ${electronOutDir}`);
}
