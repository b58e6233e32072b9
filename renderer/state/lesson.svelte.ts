// A guided lesson in the aggregation lab: one question per strategy about the usage on screen,
// answered by the learner before the engine's figure is shown, ending with an advance that makes
// last_ever carry its value into an empty period.
import type { AggregateUsage } from '../../core/public/types';
import { formatCount } from '../lib/count';
import { formatTime } from '../lib/time';
import type { LabState } from './lab.svelte';

export interface LessonStep {
  strategy: AggregateUsage;
  question: string;
  /** Closes the period before the answer is shown (the question is about the next one). */
  advances?: boolean;
}

export const lessonSteps: LessonStep[] = [
  {
    strategy: 'sum',
    question:
      'Under sum, how many units does the newest period bill? Every record of the period counts.',
  },
  {
    strategy: 'max',
    question: 'Under max, what quantity does the newest period bill? Look for its highest record.',
  },
  {
    strategy: 'last_during_period',
    question: 'Under last_during_period, what quantity? The last record of the period decides.',
  },
  {
    strategy: 'last_ever',
    question:
      'The period now closes and the next one opens with no records. What will last_ever bill ' +
      'in that new period?',
    advances: true,
  },
];

export class LessonState {
  active = $state(false);
  step = $state(0);
  answer = $state('');
  revealed = $state(false);
  readonly #lab: LabState;

  constructor(lab: LabState) {
    this.#lab = lab;
  }

  get current(): LessonStep {
    return lessonSteps[this.step]!;
  }

  start(): void {
    this.active = true;
    this.step = 0;
    this.#ask();
  }

  stop(): void {
    this.active = false;
  }

  /** Strategies whose figures stay hidden: the one asked now and those still to come. */
  get hidden(): AggregateUsage[] {
    if (!this.active) return [];
    return lessonSteps
      .slice(this.revealed ? this.step + 1 : this.step)
      .map((step) => step.strategy);
  }

  /** The engine's figure for the question: the newest period under the step's strategy. */
  get expected(): number | null {
    const period = this.#lab.comparison.value?.periods[0];
    return period ? period.strategies[this.current.strategy].aggregation.quantity : null;
  }

  get correct(): boolean {
    return this.answer.trim() !== '' && Number(this.answer) === this.expected;
  }

  /** Why the figure is what it is, in the lab's words. */
  get explanation(): string {
    const period = this.#lab.comparison.value?.periods[0];
    if (!period) return '';
    const figure = (strategy: AggregateUsage) =>
      formatCount(period.strategies[strategy].aggregation.quantity);
    const decidedAt = period.strategies[this.current.strategy].aggregation.decidingTimestamp;
    const at = decidedAt === null ? '' : `, recorded at ${formatTime(decidedAt)}`;
    switch (this.current.strategy) {
      case 'sum':
        return `sum adds every record of the period: ${figure('sum')}.`;
      case 'max':
        return `max bills the highest record: ${figure('max')}${at}.`;
      case 'last_during_period':
        return `last_during_period bills the period's last record: ${figure('last_during_period')}${at}.`;
      case 'last_ever':
        return (
          `The new period has no records: last_during_period bills ${figure('last_during_period')}, ` +
          `while last_ever carries the last value ever reported over: ${figure('last_ever')}${at}.`
        );
    }
  }

  async reveal(): Promise<void> {
    if (this.current.advances) await this.#lab.advanceToSeeCarryOver();
    this.revealed = true;
  }

  next(): void {
    if (this.step + 1 >= lessonSteps.length) {
      this.active = false;
      return;
    }
    this.step += 1;
    this.#ask();
  }

  #ask(): void {
    this.answer = '';
    this.revealed = false;
    this.#lab.chooseStrategy(this.current.strategy);
  }
}
