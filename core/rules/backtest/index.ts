// Backtests: price real usage, imported as aggregates, under candidate prices.
export { buildHypotheses, type Hypothesis } from './hypotheses';
export { periodKeyAt, periodKeysBetween, periodOfKey } from './periods';
export {
  explainLine,
  prepareUsage,
  prepareUsageSteps,
  priceBacktest,
  priceBacktestSteps,
  type BacktestLine,
  type BacktestPeriod,
  type BacktestResult,
  type CustomerChange,
  type HypothesisResult,
  type PreparedUsage,
  type PricingOptions,
  type UsageAggregate,
} from './price';
