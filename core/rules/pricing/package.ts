// Package pricing (transformQuantity): the quantity is divided into packages, rounded up or down
// as the price says, and each package costs the unit amount.
import { MeterlabError } from '../../values/errors';
import { Dec } from '../../values/money';
import type { Price, PriceExplanation, TransformQuantity } from '../../public/types';
import { unitsText, unitsTimesAmount } from './per-unit';

/** quantity / divideBy rounded as named; exact for safe integers (% is exact) and decimals. */
export function packageCount(quantity: number | string, transform: TransformQuantity): number {
  if (typeof quantity === 'string') {
    const quotient = new Dec(quantity).div(transform.divideBy);
    return (transform.round === 'up' ? quotient.ceil() : quotient.floor()).toNumber();
  }
  const remainder = quantity % transform.divideBy;
  const whole = (quantity - remainder) / transform.divideBy;
  // NOTE: round 'up' bills a started package in full; 'down' bills only complete packages.
  return transform.round === 'up' && remainder > 0 ? whole + 1 : whole;
}

/** The division as a teacher writes it: '18.42', or '3.333333…' when it does not terminate. */
function quotientText(quantity: number | string, divideBy: number): string {
  const quotient = new Dec(quantity).div(divideBy);
  if (quotient.decimalPlaces() <= 6) return quotient.toFixed();
  return `${quotient.toDecimalPlaces(6, Dec.ROUND_DOWN).toFixed()}…`;
}

/** billed packages = quantity / divideBy rounded up or down, × unit amount, rounded once. */
export function pricePackage(price: Price, quantity: number | string): PriceExplanation {
  const transform = price.transformQuantity;
  if (transform === null) {
    throw new MeterlabError(
      'api_error',
      'price_invalid',
      null,
      `Price ${price.id} has no transformQuantity: package pricing needs divideBy and round.`,
    );
  }
  const packages = packageCount(quantity, transform);
  const quotient = quotientText(quantity, transform.divideBy);
  const exactDivision = new Dec(quantity).mod(transform.divideBy).isZero();
  const division =
    `${quantity} / ${transform.divideBy} = ${quotient}` +
    (exactDivision ? '' : `, rounded ${transform.round} to ${packages}`) +
    ` ${packages === 1 ? 'package' : 'packages'}`;
  return unitsTimesAmount(price, 'package', packages, 'package', {
    label: division,
    summary: `${division} (packages of ${unitsText(transform.divideBy)})`,
  });
}
