// A form whose input the engine judges: its own issues (what it can tell before asking) and the
// engine's refusal are shown at the field they name; a refusal naming no field of the form shows
// above its submit button. The Catalog's price builder works the same way, on a live draft.
import type { ApiError } from '../api/client';
import { humanMessage } from '../lib/errors';
import { Task } from './resource.svelte';

export interface FieldIssue {
  /** The engine's param the issue is about ('percentOff', 'discounts[0].coupon'). */
  param: string;
  message: string;
}

/** Whether `param` is `field` or inside it: 'discounts' holds 'discounts[1].coupon'. */
export function isWithin(param: string | null, field: string): boolean {
  return (
    param !== null &&
    (param === field || param.startsWith(`${field}.`) || param.startsWith(`${field}[`))
  );
}

export abstract class EngineForm {
  readonly task = new Task();
  /** The form's own issues show once it was submitted, until a submit succeeds. */
  tried = $state(false);
  /** The params the form has a field for (a field also shows the params inside it). */
  abstract readonly fields: readonly string[];
  /** The form's labels of the engine's params, for messages in its words. */
  abstract readonly labels: Record<string, string>;
  /** What the form can tell before asking the engine. */
  abstract get localIssues(): FieldIssue[];

  /** The message at `field`: the form's own issue, else the engine's refusal when it names it. */
  issueFor(field: string): string | null {
    if (this.tried) {
      const local = this.localIssues.find((issue) => isWithin(issue.param, field));
      if (local) return local.message;
    }
    const error = this.task.error;
    return error && isWithin(error.param, field) ? humanMessage(error.envelope, this.labels) : null;
  }

  /** The engine's refusal when no field of the form shows it. */
  get unplacedError(): ApiError | null {
    const error = this.task.error;
    if (!error) return null;
    return this.fields.some((field) => isWithin(error.param, field)) ? null : error;
  }

  /** Runs `work` unless the form has an issue of its own; its result, or undefined. */
  async submit<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.tried = true;
    this.task.clear();
    if (this.localIssues.length > 0) return undefined;
    const result = await this.task.run(work);
    if (result !== undefined) this.tried = false;
    return result;
  }

  /** After an edit: the engine's refusal was about the input before it. */
  edited(): void {
    this.task.clear();
  }
}
