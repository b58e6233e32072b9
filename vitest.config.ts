import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Tests that take seconds or drive real processes (the crash test kills a saving process 200
// times; the PDF test prints in Chromium; the backtest starts a clickhouse-server): the `slow`
// project, left out of `npm run test:fast`.
const slowTests = [
  'test/electron/store-crash.test.ts',
  'test/core/scenario/exports-pdf.test.ts',
  'test/attacks/complete-exports.test.ts',
  'test/attacks/save-blocking.test.ts',
  'test/attacks/load-blocking.test.ts',
  'test/attacks/backtest-blocking.test.ts',
  'test/electron/serve-load.test.ts',
  'test/electron/backtest/clickhouse.test.ts',
  'test/electron/backtest/window-reprice.test.ts',
  'test/electron/backtest/window-clickhouse.test.ts',
];

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Worker threads start faster than forked processes; most of the fast part's time is
          // starting a fresh worker and importing the engine for each file.
          pool: 'threads',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', 'test/e2e/**', ...slowTests, 'node_modules/**', 'dist/**'],
        },
      },
      {
        extends: true,
        test: { name: 'slow', include: slowTests },
      },
      {
        // The renderer's state classes (*.svelte.ts) need the Svelte compiler for their runes.
        extends: true,
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'] },
        test: { name: 'renderer', pool: 'threads', include: ['test/renderer/**/*.test.ts'] },
      },
      {
        // Real Chromium against the real browser host; the renderer is built once beforehand.
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/build-renderer.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
