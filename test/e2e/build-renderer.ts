// Global setup of the e2e project: builds the renderer once (vite build) into dist/renderer.
import { build } from 'vite';

export default async function buildRenderer(): Promise<void> {
  await build({ configFile: 'vite.config.ts', logLevel: 'error' });
}
