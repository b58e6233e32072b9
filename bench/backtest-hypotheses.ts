// The bench's five backtest hypotheses: four on the calls (per unit, an allowance, volume tiers,
// packages of 1,000), one per seat. Shared by bench/backtest.ts's re-pricing figure, the window's
// re-pricing test and the browser host's backtest blocking test, at the same scale
// (test/electron/backtest/window-reprice.test.ts, test/attacks/backtest-blocking.test.ts).
export const HYPOTHESES = [
  { key: 'per_unit', meter: 'api', currency: 'EUR', unitAmountDecimal: '0.2' },
  {
    key: 'allowance',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    tiers: [
      { upTo: 20_000, flatAmount: 4900 },
      { upTo: 'inf', unitAmountDecimal: '0.15' },
    ],
  },
  {
    key: 'volume',
    meter: 'api',
    currency: 'EUR',
    billingScheme: 'tiered',
    tiersMode: 'volume',
    tiers: [
      { upTo: 100_000, unitAmountDecimal: '0.3' },
      { upTo: 'inf', unitAmountDecimal: '0.1' },
    ],
  },
  {
    key: 'packages',
    meter: 'api',
    currency: 'EUR',
    unitAmount: 150,
    transformQuantity: { divideBy: 1000, round: 'up' },
  },
  {
    key: 'seats',
    meter: 'seats',
    currency: 'EUR',
    unitAmount: 900,
    recurring: { interval: 'month', aggregateUsage: 'last_ever' },
  },
];
