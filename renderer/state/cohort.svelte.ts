// A cohort of customers added at once: the plan (how many, how large, growing, cycling), its
// preview (the sizes drawn and what they add up to) and the creation, one customer at a time
// through the engine with a count of how far it got.
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
  /** Customers created so far by the running creation, or null. */
  created = $state<number | null>(null);
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

  /** Creates each customer with its subscription and generator; stops at the first refusal. */
  async create(price: Price): Promise<void> {
    if (this.problem || this.task.running) return;
    const sizes = this.sizes;
    const plan = this.plan;
    const app = this.#app;
    this.created = 0;
    const done = await this.task.run(() =>
      app.changeMany(async () => {
        for (const [index, meanPerHour] of sizes.entries()) {
          const customer = await app.api.call('customers.create', {
            name: `${this.prefix.trim()} ${index + 1}`,
            paymentMethod: 'pm_card_visa',
          });
          const subscription = await app.api.call('subscriptions.create', {
            customer: customer.id,
            items: [{ price: price.id }],
          });
          const item = subscription.items.data[0]!.id;
          await app.api.call('generators.create', {
            subscriptionItem: item,
            spec: {
              pattern: cohortPattern(plan, meanPerHour),
              action: 'increment',
              seed: (plan.seed * 7919 + index) >>> 0,
            },
          });
          this.created = index + 1;
        }
        return true;
      }),
    );
    if (done) {
      app.notify('info', `Added ${sizes.length} customers with their usage generators.`, {
        label: 'Compare prices',
        run: () => app.go('compare'),
      });
    }
    this.created = null;
  }
}
