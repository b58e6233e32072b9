// Builds the renderer (Svelte 5) into dist/renderer, which Electron and the browser host serve.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `npm run dev`: METERLAB_HOST=<the browser host's URL> forwards /api there (open the page with
// the host's ?token=...).
const host = process.env.METERLAB_HOST;

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte({ configFile: false })],
  server: host ? { proxy: { '/api': { target: host, changeOrigin: true } } } : {},
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // One CSS file next to the scripts: the CSP allows styles from 'self' only.
    cssCodeSplit: false,
    chunkSizeWarningLimit: 1000,
  },
});
