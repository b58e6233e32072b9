// The subscribe form's prices and its options: a trial (days or an end), a billing cycle anchor,
// a backdated start, coupons, default tax rates, a minimum commitment and billing thresholds.
// Times are datetime-local values read as UTC; amounts are typed in major units.
import type { SubscriptionCreateArgs } from '../../core/simulator/api';
import type { Price } from '../../core/public/types';
import { amountIssue, minorUnits, numberOrText } from '../lib/money-input';
import { fromDateTimeInput } from '../lib/time';
import { EngineForm, isWithin, type FieldIssue } from './form.svelte';

export interface SubscribeLine {
  price: string;
  /** Licensed prices: the quantity. */
  quantity: string;
  /** Metered prices: invoice early once the period's usage reaches this (empty: never). */
  usageGte: string;
}

/** A subscription item as sent, with the billing threshold of a metered item. */
interface SubscribeItem {
  price: string;
  quantity?: number;
  billingThresholds?: { usageGte: number };
}

/** subscriptions.create's arguments with the billing thresholds (issue 14's names). */
export type SubscribeArgs = Omit<SubscriptionCreateArgs, 'items'> & {
  items: SubscribeItem[];
  billingThresholds?: { amountGte: number };
};

export type TrialKind = 'none' | 'days' | 'end';

function flip(list: string[], id: string): string[] {
  return list.includes(id) ? list.filter((other) => other !== id) : [...list, id];
}

export class SubscribeForm extends EngineForm {
  lines = $state<SubscribeLine[]>([]);
  trial = $state<TrialKind>('none');
  trialDays = $state('14');
  trialEnd = $state('');
  anchor = $state('');
  backdate = $state('');
  /** Coupon ids in the order they apply (each on what the earlier ones left). */
  coupons = $state<string[]>([]);
  taxRates = $state<string[]>([]);
  minimum = $state('');
  /** Invoice early once the period's amount reaches this (empty: never). */
  amountGte = $state('');
  /** The currency of the chosen prices (the first one's): minimum and threshold are in it. */
  currency = $state('EUR');
  readonly fields = [
    'items',
    'trialPeriodDays',
    'trialEnd',
    'billingCycleAnchor',
    'backdateStartDate',
    'discounts',
    'defaultTaxRates',
    'minimumCommitment',
    'billingThresholds',
  ];
  readonly labels = {
    trialPeriodDays: 'Trial days',
    trialEnd: 'Trial ends',
    billingCycleAnchor: 'Billing cycle anchor',
    backdateStartDate: 'Backdate start to',
    'minimumCommitment.amount': 'Minimum per period',
    'minimumCommitment.currency': 'Minimum per period',
    'billingThresholds.amountGte': 'Invoice when the amount reaches',
  };

  isTicked(price: string): boolean {
    return this.lines.some((line) => line.price === price);
  }

  toggle(price: string): void {
    this.lines = this.isTicked(price)
      ? this.lines.filter((line) => line.price !== price)
      : [...this.lines, { price, quantity: '1', usageGte: '' }];
  }

  /** Ticks or unticks a coupon; they apply in the order they were ticked. */
  toggleCoupon(coupon: string): void {
    this.coupons = flip(this.coupons, coupon);
  }

  toggleTaxRate(rate: string): void {
    this.taxRates = flip(this.taxRates, rate);
  }

  get localIssues(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const time = (param: string, text: string, label: string) => {
      if (text.trim() && fromDateTimeInput(text.trim()) === null)
        issues.push({ param, message: `${label}: enter a date and time (UTC).` });
    };
    if (this.trial === 'end') {
      if (!this.trialEnd.trim())
        issues.push({ param: 'trialEnd', message: 'Trial ends: enter the end of the trial.' });
      time('trialEnd', this.trialEnd, 'Trial ends');
    }
    time('billingCycleAnchor', this.anchor, 'Billing cycle anchor');
    time('backdateStartDate', this.backdate, 'Backdate start to');
    const money = (param: string, text: string, label: string) => {
      const issue = text.trim() ? amountIssue(text, this.currency, label) : null;
      if (issue) issues.push({ param, message: issue });
    };
    money('minimumCommitment.amount', this.minimum, 'Minimum per period');
    money('billingThresholds.amountGte', this.amountGte, 'Invoice when the amount reaches');
    return issues;
  }

  /** The error beside the prices: a bad item, not its threshold (shown at the threshold). */
  get pricesIssue(): string | null {
    const param = this.task.error?.param ?? null;
    return param !== null && /^items\[\d+\]\.billingThresholds/.test(param)
      ? null
      : this.issueFor('items');
  }

  /** subscriptions.create's arguments as the form says; `price` tells licensed from metered. */
  args(customer: string, price: (id: string) => Price | undefined): SubscribeArgs {
    const at = (text: string) => fromDateTimeInput(text.trim());
    const items = this.lines.map((line): SubscribeItem => {
      const usageType = price(line.price)?.recurring.usageType;
      if (usageType === 'licensed') return { price: line.price, quantity: Number(line.quantity) };
      const usageGte = line.usageGte.trim();
      return usageGte
        ? { price: line.price, billingThresholds: { usageGte: numberOrText(usageGte) as number } }
        : { price: line.price };
    });
    const trialEnd = this.trial === 'end' ? at(this.trialEnd) : null;
    const anchor = at(this.anchor);
    const backdate = at(this.backdate);
    const minimum = this.minimum.trim() ? minorUnits(this.minimum, this.currency) : null;
    const amountGte = this.amountGte.trim() ? minorUnits(this.amountGte, this.currency) : null;
    return {
      customer,
      items,
      ...(this.trial === 'days' ? { trialPeriodDays: numberOrText(this.trialDays) as number } : {}),
      ...(trialEnd !== null ? { trialEnd } : {}),
      ...(anchor !== null ? { billingCycleAnchor: anchor } : {}),
      ...(backdate !== null ? { backdateStartDate: backdate } : {}),
      ...(this.coupons.length ? { discounts: this.coupons.map((coupon) => ({ coupon })) } : {}),
      ...(this.taxRates.length ? { defaultTaxRates: [...this.taxRates] } : {}),
      ...(minimum !== null
        ? { minimumCommitment: { amount: minimum, currency: this.currency } }
        : {}),
      ...(amountGte !== null ? { billingThresholds: { amountGte } } : {}),
    };
  }

  /** After a subscription was made: a fresh form for the next one. */
  reset(): void {
    this.lines = [];
    this.trial = 'none';
    this.trialEnd = '';
    this.anchor = '';
    this.backdate = '';
    this.coupons = [];
    this.taxRates = [];
    this.minimum = '';
    this.amountGte = '';
  }

  /** Whether an option is set or refused: the options stay open then. */
  get optionsInUse(): boolean {
    const error = this.task.error?.param ?? null;
    return (
      this.trial !== 'none' ||
      [this.anchor, this.backdate, this.minimum, this.amountGte].some((text) => text.trim()) ||
      this.coupons.length > 0 ||
      this.taxRates.length > 0 ||
      this.lines.some((line) => line.usageGte.trim() !== '') ||
      (error !== null && !isWithin(error, 'items'))
    );
  }
}
