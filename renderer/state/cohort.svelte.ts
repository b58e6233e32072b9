// A cohort of customers added at once: the plan (how many, how large, growing, cycling), its
// preview (the sizes drawn and what they add up to) and the creation: one engine call for the
// whole cohort (customers.createBatch), all or nothing.
import type { Price } from '../../core/public/types';
import { cohortPattern, cohortSizes, summarize, type CohortPlan } from '../lib/cohort';
import type { AppState } from './app.svelte';
import { Task } from './resource.svelte';

export const maxCohort = 1000;

export class CohortState {
  count = $state(50);
  prefix = $state('Customer');
  price = $state('');
  medianPerHour = $state(20);
  spread = $state(1);
  growthPercent = $state(0);
  seasonal = $state(true);
  seed = $state(1);
  readonly task = new Task();
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
  }

  get plan(): CohortPlan {
    return {
      count: this.count,
      medianPerHour: this.medianPerHour,
      spread: this.spread,
      growthPerMonth: this.growthPercent / 100,
      seasonal: this.seasonal,
      seed: this.seed,
    };
  }

  /** What is wrong with the plan, in the form's words, or null. */
  get problem(): string | null {
    if (!Number.isInteger(this.count) || this.count < 1 || this.count > maxCohort)
      return `How many: a whole number from 1 to ${maxCohort}.`;
    if (!(this.medianPerHour > 0)) return 'Median units per hour: more than 0.';
    if (!(this.spread >= 0 && this.spread <= 3)) return 'Spread: from 0 (all alike) to 3.';
    if (!this.prefix.trim()) return 'Names start with: give a name.';
    return null;
  }

  get sizes(): number[] {
    return this.problem ? [] : cohortSizes(this.plan);
  }

  get summary() {
    return summarize(this.sizes);
  }

  /** The metered price the cohort subscribes to: the chosen one, else the first. */
  chosenPrice(prices: Price[]): Price | null {
    const metered = prices.filter((p) => p.recurring.usageType === 'metered');
    return metered.find((p) => p.id === this.price) ?? metered[0] ?? null;
  }

  /**
   * Creates every customer with its subscription and generator in one engine call
   * (customers.createBatch): all of them or, if the engine refuses one, none; saved once.
   */
  async create(price: Price): Promise<void> {
    if (this.problem || this.task.running) return;
    const sizes = this.sizes;
    const plan = this.plan;
    const prefix = this.prefix.trim();
    const app = this.#app;
    const made = await this.task.run(() =>
      app.change('customers.createBatch', {
        customers: sizes.map((meanPerHour, index) => ({
          name: `${prefix} ${index + 1}`,
          paymentMethod: 'pm_card_visa' as const,
          subscription: { items: [{ price: price.id }] },
          generators: [
            {
              spec: {
                pattern: cohortPattern(plan, meanPerHour),
                action: 'increment' as const,
                seed: (plan.seed * 7919 + index) >>> 0,
              },
            },
          ],
        })),
      }),
    );
    if (made) {
      app.notify('info', `Added ${made.data.length} customers with their usage generators.`, {
        label: 'Compare prices',
        run: () => app.go('compare'),
      });
    }
  }
}
