// Coupons in the Catalog: percent or amount off, once, for some months, or forever. Amounts are
// typed in major units (EUR 5.00) and sent as minor units; the engine judges the rest.
import type { CouponCreateArgs } from '../../core/simulator/api';
import type { Coupon, CouponDuration, List } from '../../core/public/types';
import { formatMoney } from '../../core/public/format';
import { amountIssue, minorUnits, numberOrText } from '../lib/money-input';
import type { AppState } from './app.svelte';
import { EngineForm, type FieldIssue } from './form.svelte';
import { Resource } from './resource.svelte';

export const couponDurations: { id: CouponDuration; label: string; hint: string }[] = [
  { id: 'once', label: 'Once', hint: 'The first invoice with something to discount.' },
  {
    id: 'repeating',
    label: 'Some months',
    hint: 'Every invoice made during that many months from when a subscription takes it.',
  },
  { id: 'forever', label: 'Forever', hint: 'Every invoice of the subscription.' },
];

export class CouponForm extends EngineForm {
  kind = $state<'percent' | 'amount'>('percent');
  percentOff = $state('20');
  amountOff = $state('');
  currency = $state('EUR');
  duration = $state<CouponDuration>('once');
  months = $state('3');
  name = $state('');
  readonly fields = ['percentOff', 'amountOff', 'currency', 'duration', 'durationInMonths', 'name'];
  readonly labels = {
    percentOff: 'Percent off',
    amountOff: 'Amount off',
    durationInMonths: 'Months',
    duration: 'Duration',
    name: 'Coupon name',
  };

  get localIssues(): FieldIssue[] {
    if (this.kind !== 'amount') return [];
    const issue = amountIssue(this.amountOff, this.currency, 'Amount off');
    return issue ? [{ param: 'amountOff', message: issue }] : [];
  }

  /** The arguments of coupons.create, as the form says. */
  get args(): CouponCreateArgs {
    const name = this.name.trim();
    return {
      ...(this.kind === 'percent'
        ? { percentOff: numberOrText(this.percentOff) as number }
        : {
            amountOff: minorUnits(this.amountOff, this.currency) ?? 0,
            currency: this.currency.trim(),
          }),
      duration: this.duration,
      ...(this.duration === 'repeating'
        ? { durationInMonths: numberOrText(this.months) as number }
        : {}),
      ...(name ? { name } : {}),
    };
  }
}

/** '20% off, 3 months' / 'EUR 5.00 off, once': how the lists and pickers name a coupon. */
export function describeCoupon(coupon: Coupon): string {
  const off =
    coupon.percentOff !== null
      ? `${coupon.percentOff}% off`
      : `${formatMoney(coupon.amountOff ?? 0, coupon.currency ?? '')} off`;
  const months = coupon.durationInMonths ?? 0;
  const when =
    coupon.duration === 'repeating' ? `${months} month${months === 1 ? '' : 's'}` : coupon.duration;
  return `${off}, ${when}`;
}

export class CouponsState {
  readonly coupons: Resource<List<Coupon>>;
  readonly form = new CouponForm();
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.coupons = new Resource(() => app.api.call('coupons.list', { limit: 100 }));
  }

  load(): Promise<void> {
    return this.coupons.load();
  }

  async create(): Promise<Coupon | undefined> {
    const args = this.form.args;
    const coupon = await this.form.submit(() => this.#app.change('coupons.create', args));
    if (coupon) this.form.name = '';
    return coupon;
  }
}
