// Tax rates in the Catalog: a percentage, inclusive (already inside prices) or exclusive (added).
import type { TaxRateCreateArgs } from '../../core/simulator/api';
import type { List, TaxRate } from '../../core/public/types';
import { numberOrText } from '../lib/money-input';
import type { AppState } from './app.svelte';
import { EngineForm, type FieldIssue } from './form.svelte';
import { Resource } from './resource.svelte';

export class TaxRateForm extends EngineForm {
  displayName = $state('VAT');
  percentage = $state('19');
  inclusive = $state(false);
  country = $state('');
  readonly fields = ['displayName', 'percentage', 'inclusive', 'country'];
  readonly labels = {
    displayName: 'Display name',
    percentage: 'Percentage',
    inclusive: 'Inclusive',
    country: 'Country',
  };

  get localIssues(): FieldIssue[] {
    return this.displayName.trim()
      ? []
      : [{ param: 'displayName', message: 'Display name: give the rate a name, such as VAT.' }];
  }

  get args(): TaxRateCreateArgs {
    const country = this.country.trim().toUpperCase();
    return {
      displayName: this.displayName.trim(),
      percentage: numberOrText(this.percentage) as number,
      inclusive: this.inclusive,
      ...(country ? { country } : {}),
    };
  }
}

/** 'VAT 19% exclusive': how the lists and pickers name a rate. */
export function describeTaxRate(rate: TaxRate): string {
  return `${rate.displayName} ${rate.percentage}% ${rate.inclusive ? 'inclusive' : 'exclusive'}`;
}

export class TaxRatesState {
  readonly taxRates: Resource<List<TaxRate>>;
  readonly form = new TaxRateForm();
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.taxRates = new Resource(() => app.api.call('taxRates.list', { limit: 100 }));
  }

  load(): Promise<void> {
    return this.taxRates.load();
  }

  create(): Promise<TaxRate | undefined> {
    const args = this.form.args;
    return this.form.submit(() => this.#app.change('taxRates.create', args));
  }
}
