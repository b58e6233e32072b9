// The developer sandbox beside the window (`meterlab serve` over the same workspace): on or off,
// its port, base URL and the workspace's sk_test key. The desktop app and the browser host answer
// sandbox.*; elsewhere the panel says it is not available. One state per app, shared by the
// sidebar's link and the Events view's panel.
import type { SandboxStatus } from '../../core/contract';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export class SandboxState {
  readonly status: Resource<SandboxStatus>;
  readonly task = new Task();
  /** The port field, as typed. */
  port = $state('');
  /** What the copy button did last: copied, or selected for the user to copy. */
  copied = $state<'copied' | 'selected' | null>(null);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.status = new Resource(() => app.api.call('sandbox.status'));
  }

  async load(): Promise<void> {
    await this.status.load();
    if (this.status.value && this.port === '') this.port = String(this.status.value.port);
  }

  get running(): boolean {
    return this.status.value?.running ?? false;
  }

  /** False where the host runs no sandbox (the status call was refused). */
  get available(): boolean {
    return this.status.value !== undefined;
  }

  /** The base URL the developer's code calls (the one it will have while off). */
  get baseUrl(): string {
    const status = this.status.value;
    return status?.url ?? `http://127.0.0.1:${this.port || status?.port || 12111}`;
  }

  async toggle(): Promise<void> {
    const port = Number(this.port.trim());
    const status = await this.task.run(() =>
      this.running
        ? this.#app.api.call('sandbox.stop')
        : this.#app.api.call('sandbox.start', { port: Number.isNaN(port) ? -1 : port }),
    );
    if (!status) return;
    this.status.value = status;
    this.port = String(status.port);
    this.#app.notify(
      'info',
      status.running
        ? `Developer sandbox on at ${status.url}.`
        : 'Developer sandbox off: calls to it are refused.',
    );
  }

  /** Copies the key; where the clipboard is refused, selects it in `field` for Ctrl+C. */
  async copyKey(field: HTMLInputElement | undefined): Promise<void> {
    const key = this.status.value?.secretKey;
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key);
      this.copied = 'copied';
    } catch {
      field?.select();
      this.copied = 'selected';
    }
  }
}

const states = new WeakMap<AppState, SandboxState>();

/** The app's sandbox state (made on first use). */
export function sandboxOf(app: AppState): SandboxState {
  let state = states.get(app);
  if (!state) {
    state = new SandboxState(app);
    states.set(app, state);
  }
  return state;
}
