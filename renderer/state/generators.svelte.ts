// Usage generators of one subscription item: pick a pattern from the engine's catalog, edit its
// spec, preview it (the engine computes the preview), attach it, stop or materialize it.
import type { GeneratorCreateArgs } from '../../core/simulator/api';
import type { GeneratorPreview } from '../../core/public/types';
import { generatorPatterns } from '../../core/public/descriptions';
import type { PatternKind, PatternSpec } from '../../core/public/types';
import type { List, UsageAction, UsageGenerator } from '../../core/public/types';
import { asApiError, type ApiError } from '../api/client';
import type { AppState } from './app.svelte';
import { Resource, Task } from './resource.svelte';

export const patternChoices = (Object.keys(generatorPatterns) as PatternKind[]).map((kind) => ({
  kind,
  title: generatorPatterns[kind].title,
  description: generatorPatterns[kind].description,
}));

export const resolutions = [
  { seconds: 60, label: 'a minute' },
  { seconds: 900, label: '15 minutes' },
  { seconds: 3600, label: 'an hour' },
  { seconds: 86_400, label: 'a day' },
];

function defaultsOf(kind: PatternKind): PatternSpec {
  return generatorPatterns[kind].defaults as PatternSpec;
}

export class GeneratorsState {
  readonly list: Resource<List<UsageGenerator> | null>;
  readonly task = new Task();
  kind = $state<PatternKind>('poisson');
  /** The pattern as JSON text: every option of every pattern, nested ones included. */
  patternText = $state(JSON.stringify(defaultsOf('poisson'), null, 2));
  action = $state<UsageAction>('increment');
  seed = $state('');
  resolutionSeconds = $state(3600);
  preview = $state.raw<GeneratorPreview | null>(null);
  previewError = $state<ApiError | null>(null);
  #sequence = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #app: AppState;
  readonly #item: () => string | null;

  constructor(app: AppState, item: () => string | null) {
    this.#app = app;
    this.#item = item;
    this.list = new Resource(async () => {
      const subscriptionItem = item();
      return subscriptionItem
        ? app.api.call('generators.list', { subscriptionItem, limit: 100 })
        : null;
    });
  }

  choosePattern(kind: PatternKind): void {
    this.kind = kind;
    this.patternText = JSON.stringify(defaultsOf(kind), null, 2);
    // Seat counts are levels: each record replaces the last, it does not add to it.
    this.action = kind === 'seats' ? 'set' : 'increment';
  }

  /** The pattern parsed from the text, or the JSON syntax problem. */
  get parsedPattern(): { pattern: PatternSpec } | { problem: string } {
    try {
      return { pattern: JSON.parse(this.patternText) as PatternSpec };
    } catch (error) {
      return { problem: `spec.pattern is not JSON: ${(error as Error).message}` };
    }
  }

  /** The spec to send, starting at the test clock (the engine validates everything else). */
  get spec(): GeneratorCreateArgs['spec'] | null {
    const parsed = this.parsedPattern;
    if ('problem' in parsed) return null;
    const seed = this.seed.trim();
    return {
      pattern: parsed.pattern,
      action: this.action,
      resolutionSeconds: this.resolutionSeconds,
      ...(seed ? { seed: Number(seed) } : {}),
    };
  }

  schedulePreview(delayMs = 200): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refreshPreview(), delayMs);
  }

  async refreshPreview(): Promise<void> {
    const sequence = ++this.#sequence;
    const spec = this.spec;
    if (!spec) {
      this.preview = null;
      return;
    }
    const start = this.#app.clock?.frozenTime;
    try {
      const preview = await this.#app.api.call('generators.preview', {
        spec: { ...spec, seed: spec.seed ?? 1, ...(start !== undefined ? { start } : {}) },
        count: 200,
        days: 30,
      });
      if (sequence !== this.#sequence) return;
      this.preview = preview;
      this.previewError = null;
    } catch (error) {
      if (sequence !== this.#sequence) return;
      this.preview = null;
      this.previewError = asApiError(error);
    }
  }

  async attach(): Promise<void> {
    const subscriptionItem = this.#item();
    const spec = this.spec;
    if (!subscriptionItem || !spec) return;
    const created = await this.task.run(() =>
      this.#app.change('generators.create', { subscriptionItem, spec }),
    );
    if (created) {
      this.#app.notify('info', `Generator ${created.id} reports as the clock moves.`);
    }
  }

  async stop(id: string): Promise<void> {
    await this.task.run(() => this.#app.change('generators.stop', id));
  }

  async materialize(): Promise<void> {
    const subscriptionItem = this.#item();
    if (!subscriptionItem) return;
    const result = await this.task.run(() =>
      this.#app.change('generators.materialize', { subscriptionItem }),
    );
    if (result) {
      this.#app.notify('info', `Kept ${result.timestamps} generated timestamps as stored records.`);
    }
  }
}
