// What makes a coupon's fields valid (percent or amount off; once, repeating, forever): shared by
// coupons.create and the coupons of backtest hypotheses, so both refuse the same input the same way.
import { z } from 'zod';
import { invalidRequest } from '../../values/errors';
import { normalizeCurrency } from '../../values/money';
import type { Coupon } from '../../public/types';

export const couponFieldsSchema = z.strictObject({
  percentOff: z.number().optional(),
  amountOff: z.number().optional(),
  currency: z.string().min(1).optional(),
  duration: z.enum(['once', 'repeating', 'forever']),
  durationInMonths: z.number().optional(),
});

export type CouponFields = z.output<typeof couponFieldsSchema>;

/**
 * The coupon's amounts and duration, checked; `at` prefixes each param (a hypothesis's
 * `[2].coupon.`). NOTE: exactly one of percentOff (0 < p <= 100, 2 decimals) and amountOff (with
 * currency); durationInMonths (1 to 1200) for repeating coupons only.
 */
export function checkCouponFields(
  args: CouponFields,
  at = '',
): Pick<Coupon, 'percentOff' | 'amountOff' | 'currency' | 'duration' | 'durationInMonths'> {
  const invalidCoupon = (param: string, message: string): never => {
    throw invalidRequest('invalid_coupon', `${at}${param}`, message);
  };
  if ((args.percentOff === undefined) === (args.amountOff === undefined))
    invalidCoupon(
      args.percentOff === undefined ? 'percentOff' : 'amountOff',
      'Pass exactly one of percentOff (a percentage) and amountOff (minor units, with currency).',
    );
  if (args.percentOff !== undefined) {
    const p = args.percentOff;
    if (!(p > 0 && p <= 100) || Math.round(p * 100) / 100 !== p)
      invalidCoupon(
        'percentOff',
        `Invalid percentOff ${p}: pass a percentage above 0 and at most 100, with at most 2 decimal places.`,
      );
    if (args.currency !== undefined)
      invalidCoupon('currency', 'A percentOff coupon has no currency: remove currency.');
  }
  if (args.amountOff !== undefined && !(Number.isSafeInteger(args.amountOff) && args.amountOff > 0))
    invalidCoupon(
      'amountOff',
      `Invalid amountOff ${args.amountOff}: pass a positive whole number of minor units.`,
    );
  if (args.amountOff !== undefined && args.currency === undefined)
    invalidCoupon(
      'currency',
      'An amountOff coupon needs the currency of its amount: pass currency.',
    );
  if (
    args.durationInMonths !== undefined &&
    !(
      Number.isInteger(args.durationInMonths) &&
      args.durationInMonths >= 1 &&
      args.durationInMonths <= 1200
    )
  )
    invalidCoupon(
      'durationInMonths',
      'durationInMonths is a whole number of months from 1 to 1200.',
    );
  if (args.duration === 'repeating' && args.durationInMonths === undefined)
    invalidCoupon(
      'durationInMonths',
      'A repeating coupon needs durationInMonths: pass a whole number of months.',
    );
  if (args.duration !== 'repeating' && args.durationInMonths !== undefined)
    invalidCoupon(
      'durationInMonths',
      `A ${args.duration} coupon has no durationInMonths: remove it, or use duration 'repeating'.`,
    );
  return {
    percentOff: args.percentOff ?? null,
    amountOff: args.amountOff ?? null,
    currency:
      args.currency === undefined ? null : normalizeCurrency(args.currency, `${at}currency`),
    duration: args.duration,
    durationInMonths: args.durationInMonths ?? null,
  };
}
