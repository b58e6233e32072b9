// Coupons (percent or amount off; once, repeating, forever) and the discounts that apply them to
// a subscription's invoices.
import type { z } from 'zod';
import { invalidRequest } from '../values/errors';
import { copy } from '../values/json';
import { addIntervals } from '../rules/periods';
import { checkCouponFields } from '../rules/pipeline/coupon-fields';
import type { Coupon, Discount, Invoice, InvoiceLine, Subscription } from '../public/types';
import { method, param } from './entry';
import { couponCreateArgs, listArgs, objectIdOf } from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';

type CouponArgs = z.output<typeof couponCreateArgs>;

/** A new coupon of checked fields. */
function createCoupon(state: ScenarioState, args: CouponArgs): Coupon {
  const { name, ...fields } = args;
  const coupon: Coupon = {
    id: state.newId('cpn'),
    object: 'coupon',
    ...checkCouponFields(fields),
    name: name ?? null,
    created: state.now,
  };
  state.addCoupon(coupon);
  state.emit('coupon.created', coupon);
  return coupon;
}

/** The coupons of `discounts: [{ coupon }]`, checked before anything changes. */
export function checkDiscountEntries(
  state: ScenarioState,
  currency: string,
  entries: { coupon: string }[],
): Coupon[] {
  return entries.map((entry, index) => {
    const where = `discounts[${index}].coupon`;
    const coupon = state.coupon(entry.coupon, where);
    if (coupon.currency !== null && coupon.currency !== currency)
      throw invalidRequest(
        'currency_mismatch',
        where,
        `Coupon ${coupon.id} takes ${coupon.currency} off but the subscription bills in ${currency}: use a percentOff coupon or one in ${currency}.`,
      );
    if (entries.findIndex((other) => other.coupon === entry.coupon) !== index)
      throw invalidRequest(
        'duplicate_coupon',
        where,
        `Coupon ${coupon.id} is listed twice: list each coupon once.`,
      );
    return coupon;
  });
}

/**
 * A subscription's new discount list. NOTE: an entry whose coupon is already listed keeps its
 * discount and start; a new one starts now, and a repeating one ends durationInMonths calendar
 * months later (clamped like periods).
 */
export function buildDiscounts(
  state: ScenarioState,
  subscription: Pick<Subscription, 'id' | 'discounts'>,
  coupons: Coupon[],
): Discount[] {
  return coupons.map((coupon) => {
    const kept = subscription.discounts.find((discount) => discount.coupon === coupon.id);
    if (kept) return kept;
    return {
      id: state.newId('di'),
      object: 'discount',
      coupon: coupon.id,
      subscription: subscription.id,
      start: state.now,
      end:
        coupon.duration === 'repeating'
          ? addIntervals(state.now, 'month', coupon.durationInMonths!)
          : null,
    };
  });
}

/**
 * The discounts an invoice created `at` takes, in order. NOTE: a discount applies when it is live
 * at the invoice's creation (repeating: start <= created < end); a once discount waits for an
 * invoice with a discountable line (a trial or a period without usage leaves it for the next).
 */
export function invoiceDiscounts(
  state: ScenarioState,
  subscription: Subscription,
  lines: InvoiceLine[],
  at: number,
): Discount[] {
  const { trialStart, trialEnd } = subscription;
  const discountable = lines.some(
    (line) =>
      line.discountable &&
      // Trial time is listed at 0: nothing to discount.
      !(
        trialStart !== null &&
        trialEnd !== null &&
        line.period.start >= trialStart &&
        line.period.start < trialEnd
      ),
  );
  return subscription.discounts
    .filter((discount) => discount.start <= at && (discount.end === null || at < discount.end))
    .filter((discount) => discountable || state.coupon(discount.coupon).duration !== 'once')
    .map((discount) => ({ ...discount }));
}

/** NOTE: a once discount is used up by the invoice that takes it: it leaves the subscription. */
export function useUpOnceDiscounts(
  state: ScenarioState,
  subscription: Subscription,
  invoice: Pick<Invoice, 'discounts'>,
): void {
  const used = new Set(
    invoice.discounts
      .filter((discount) => state.coupon(discount.coupon).duration === 'once')
      .map((discount) => discount.id),
  );
  if (used.size > 0)
    state.willChange(subscription).discounts = subscription.discounts.filter(
      (discount) => !used.has(discount.id),
    );
}

export const coupons = {
  create: method({
    params: [param('', couponCreateArgs)],
    mutates: true,
    journal: 'argumentsAndId',
    run: (state, [args]) => copy(createCoupon(state, args)),
  }),
  retrieve: method({
    params: [param('id', objectIdOf)],
    mutates: false,
    run: (state, [id]) => copy(state.coupon(id, 'id')),
  }),
  list: method({
    params: [param('', listArgs)],
    mutates: false,
    run: (state, [args]) => list([...state.data.coupons].reverse(), args),
  }),
};
