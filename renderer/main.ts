// Starts the app on the transport of the host it runs in: Electron's preload bridge, or HTTP.
import { mount } from 'svelte';
import App from './App.svelte';
import './styles/app.css';
import { createApiClient } from './api/client';
import { createHttpTransport, takeToken, type FileLike } from './api/http-transport';
import { createIpcTransport } from './api/ipc-transport';
import type { Transport } from './api/transport';
import { AppState } from './state/app.svelte';

/** The browser's file chooser for usage files (opened within the click that asked). */
function pickUsageFile(): Promise<FileLike | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.csv,.tsv,.jsonl,.ndjson,.json,.parquet,.gz';
    input.addEventListener('cancel', () => resolve(null));
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return resolve(null);
      resolve({ name: file.name, size: file.size, body: file });
    });
    input.click();
  });
}

function pickTransport(): Transport {
  if (window.meterlab) return createIpcTransport(window.meterlab);
  return createHttpTransport({
    baseUrl: `${location.origin}/`,
    token: takeToken(location, sessionStorage, history),
    fetch: window.fetch.bind(window),
    openEvents: (url) => new EventSource(url),
    openTab: (url) => void window.open(url, '_blank', 'noopener'),
    pickFile: pickUsageFile,
  });
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks the #app element');
const app = new AppState(createApiClient(pickTransport()));
mount(App, { target, props: { app } });
app.start().catch((error: unknown) => {
  app.notify('error', `Could not reach the Meterlab host: ${String(error)}`);
});
