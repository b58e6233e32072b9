// Usage generators of one subscription item, or of one meter and customer (meter events): pick a
// pattern from the engine's catalog, edit its spec, preview it (the engine computes the preview),
// attach it, stop or materialize it.
import type { GeneratorCreateArgs } from '../../core/simulator/api';
import type { GeneratorPreview } from '../../core/public/types';
import { generatorPatterns } from '../../core/public/descriptions';
import type { PatternKind, PatternSpec } from '../../core/public/types';
import type { AnyGenerator, List, UsageAction } from '../../core/public/types';
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

/** A fresh copy of a pattern kind's defaults (forms edit it in place). */
export function patternDefaults(kind: PatternKind): PatternSpec {
  return structuredClone(generatorPatterns[kind].defaults) as PatternSpec;
}

/** JSON text as a pattern the form can show (its fields the engine checks), or the problem. */
export function parsePattern(text: string): { pattern: PatternSpec } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `spec.pattern is not JSON: ${(error as Error).message}` };
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof value !== 'object' || !patternChoices.some((choice) => choice.kind === kind)) {
    const kinds = patternChoices.map((choice) => choice.kind).join(', ');
    return { problem: `spec.pattern needs a kind: one of ${kinds}.` };
  }
  return { pattern: value as PatternSpec };
}

/** Where a meter event generator sends: the meter's event name, the customer, a unique pool. */
export type MeterTarget = NonNullable<GeneratorCreateArgs['meterEvents']>;

export class GeneratorsState {
  readonly list: Resource<List<AnyGenerator> | null>;
  readonly task = new Task();
  /** The pattern the form edits, nested patterns included. */
  pattern = $state<PatternSpec>(patternDefaults('poisson'));
  /** The advanced JSON being typed while it does not parse (null: the text follows the form). */
  jsonDraft = $state<string | null>(null);
  action = $state<UsageAction>('increment');
  seed = $state('');
  resolutionSeconds = $state(3600);
  preview = $state.raw<GeneratorPreview | null>(null);
  previewError = $state<ApiError | null>(null);
  #sequence = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #app: AppState;
  readonly #item: () => string | null;
  readonly #meterTarget: () => MeterTarget | null;

  /** `meterTarget`: the generator sends meter events there instead of records to `item`. */
  constructor(
    app: AppState,
    item: () => string | null,
    meterTarget: () => MeterTarget | null = () => null,
  ) {
    this.#app = app;
    this.#item = item;
    this.#meterTarget = meterTarget;
    this.list = new Resource(async () => {
      const target = meterTarget();
      if (target) {
        const all = await app.api.call('generators.list', { limit: 100 });
        const data = all.data.filter(
          (g) =>
            g.object === 'meter_event_generator' &&
            g.meterEvents.eventName === target.eventName &&
            g.meterEvents.customer === target.customer,
        );
        return { ...all, data, hasMore: false };
      }
      const subscriptionItem = item();
      return subscriptionItem
        ? app.api.call('generators.list', { subscriptionItem, limit: 100 })
        : null;
    });
  }

  /** True when the generator sends meter events. */
  get forMeter(): boolean {
    return this.#meterTarget() !== null;
  }

  get kind(): PatternKind {
    return this.pattern.kind;
  }

  /** Seat counts are levels: each record replaces the last, it does not add to it. */
  fitAction(): void {
    this.action = this.pattern.kind === 'seats' ? 'set' : 'increment';
  }

  choosePattern(kind: PatternKind): void {
    this.pattern = patternDefaults(kind);
    this.jsonDraft = null;
    this.fitAction();
  }

  /** The pattern as the engine takes it, for the advanced JSON field. */
  get patternText(): string {
    return this.jsonDraft ?? JSON.stringify(this.pattern, null, 2);
  }

  /** Typed JSON: the form follows it once it parses; until then it waits as a draft. */
  set patternText(text: string) {
    const parsed = parsePattern(text);
    if ('pattern' in parsed) {
      this.pattern = parsed.pattern;
      this.jsonDraft = null;
    } else this.jsonDraft = text;
  }

  /** Why the advanced field's text is not a pattern yet, or null. */
  get jsonProblem(): string | null {
    if (this.jsonDraft === null) return null;
    const parsed = parsePattern(this.jsonDraft);
    return 'problem' in parsed ? parsed.problem : null;
  }

  /** The spec to send, starting at the test clock (the engine validates everything else). */
  get spec(): GeneratorCreateArgs['spec'] | null {
    if (this.jsonDraft !== null) return null;
    const seed = this.seed.trim();
    return {
      pattern: $state.snapshot(this.pattern) as PatternSpec,
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
    const meterEvents = this.#meterTarget();
    const subscriptionItem = this.#item();
    const spec = this.spec;
    if ((!subscriptionItem && !meterEvents) || !spec) return;
    const created = await this.task.run(() =>
      this.#app.change(
        'generators.create',
        meterEvents ? { meterEvents, spec } : { subscriptionItem: subscriptionItem!, spec },
      ),
    );
    if (created) {
      this.#app.notify(
        'info',
        `Generator ${created.id} ${meterEvents ? 'sends meter events' : 'reports'} as the clock moves.`,
      );
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
