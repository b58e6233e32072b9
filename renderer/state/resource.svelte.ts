// One value loaded from the engine: the latest answer wins, errors are kept as envelopes.
import { type ApiError, asApiError } from '../api/client';

/**
 * How many customers and subscriptions a view reads to name customers and estimate clock jumps:
 * a cohort of a thousand is still named (the lists themselves page, see analysis.*Page).
 */
export const lookupLimit = 1000;

export class Resource<T> {
  // Raw: engine answers are replaced whole, never edited, and Chart.js may annotate them.
  value = $state.raw<T | undefined>();
  error = $state<ApiError | null>(null);
  loading = $state(false);
  #sequence = 0;
  readonly #fetch: () => Promise<T>;

  constructor(fetch: () => Promise<T>) {
    this.#fetch = fetch;
  }

  async load(): Promise<void> {
    const sequence = ++this.#sequence;
    this.loading = true;
    try {
      const value = await this.#fetch();
      if (sequence !== this.#sequence) return;
      this.value = value;
      this.error = null;
    } catch (error) {
      if (sequence !== this.#sequence) return;
      this.error = asApiError(error);
    } finally {
      if (sequence === this.#sequence) this.loading = false;
    }
  }
}

/** A user action that calls the engine: whether it runs, and the error it ended with. */
export class Task {
  running = $state(false);
  error = $state<ApiError | null>(null);

  /** Runs `work`; resolves to its result, or undefined when it failed (see `error`). */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.running = true;
    this.error = null;
    try {
      return await work();
    } catch (error) {
      this.error = asApiError(error);
      return undefined;
    } finally {
      this.running = false;
    }
  }

  clear(): void {
    this.error = null;
  }
}
