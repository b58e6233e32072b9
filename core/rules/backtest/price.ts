// Prices usage aggregates (per customer × meter × calendar period) under each hypothesis with the
// pricing modules that bill invoices, and compares every hypothesis with the current one.
// Aggregates come from a source (DuckDB, ClickHouse, the engine's own store); only they, never
// rows, cross into the engine.
import { describeAggregation } from '../aggregation';
import { quoteAmount, quotePrice } from '../pricing';
import { isAtRisk } from '../../public/backtest';
import { formatMoney } from '../../public/format';
import type {
  AggregateUsage,
  AggregationExplanation,
  Interval,
  InvoiceLineExplanation,
} from '../../public/types';
import { invalidRequest } from '../../values/errors';
import { Dec } from '../../values/money';
import { drain, type StepProgress } from '../../values/steps';
import { utcMinutes } from '../../values/time';
import type { Hypothesis } from './hypotheses';
import { adjustedAmounts } from './adjustments';
import { periodKeysBetween, periodOfKey } from './periods';

/** One customer's usage of one meter in one calendar period, as the source computed it. */
export interface UsageAggregate {
  customer: string;
  meter: string;
  /** The period key (see periods.ts). */
  period: number;
  /** Over the per-timestamp values (records at one timestamp applied in order first). */
  sum: number;
  /** The peak and the first timestamp holding it: null unless the source was asked for it. */
  max: number | null;
  maxTimestamp: number | null;
  /** The value at the latest timestamp, and that timestamp. */
  last: number;
  lastTimestamp: number;
  /** The source's records (rows) in the period. */
  records: number;
}

export interface BacktestPeriod {
  start: number;
  end: number;
  /** The range ends inside this period: its usage is not complete. */
  open: boolean;
}

/** Aggregates indexed for pricing: built once per import, priced again for every hypothesis edit. */
export interface PreparedUsage {
  grain: Interval;
  range: { start: number; end: number };
  periods: BacktestPeriod[];
  customers: string[];
  /** The first and last period index with any usage of each customer: the periods it is billed. */
  spans: { first: number; last: number }[];
  /** Per meter, per customer index, per period index: that period's aggregate. */
  byMeter: Map<string, (UsageAggregate | undefined)[][]>;
}

/**
 * Indexes aggregates over `range` (default: from the period of the first usage to the second after
 * the last). Periods are every calendar period the range touches, oldest first.
 */
export function prepareUsage(
  aggregates: readonly UsageAggregate[],
  grain: Interval,
  range?: { start?: number; end?: number },
): PreparedUsage {
  return drain(prepareUsageSteps(aggregates, grain, range));
}

/** Aggregates indexed between two steps of prepareUsageSteps. */
const PREPARE_STEP = 2000;

/**
 * prepareUsage as steps, for hosts that must stay responsive: it yields after each
 * PREPARE_STEP aggregates read and indexed (240,000 of them take a few hundred ms).
 */
export function* prepareUsageSteps(
  aggregates: readonly UsageAggregate[],
  grain: Interval,
  range?: { start?: number; end?: number },
): Generator<StepProgress, PreparedUsage> {
  if (aggregates.length === 0 && (range?.start === undefined || range.end === undefined)) {
    throw invalidRequest(
      'parameter_invalid',
      'usage',
      'No usage to backtest: the source holds no rows in the range.',
    );
  }
  // A step per PREPARE_STEP aggregates, over the two passes.
  const steps = 2 * Math.ceil(aggregates.length / PREPARE_STEP);
  let at = 0;
  let firstKey = Infinity;
  let lastTime = -Infinity;
  for (const [index, aggregate] of aggregates.entries()) {
    firstKey = Math.min(firstKey, aggregate.period);
    lastTime = Math.max(lastTime, aggregate.lastTimestamp);
    if ((index + 1) % PREPARE_STEP === 0) yield { from: 0, to: steps, at: ++at };
  }
  const start = range?.start ?? periodOfKey(grain, firstKey).start;
  const end = range?.end ?? lastTime + 1;
  if (end <= start) {
    throw invalidRequest(
      'parameter_invalid',
      'until',
      'The range is empty: until must be after from.',
    );
  }
  const keys = periodKeysBetween(grain, start, end);
  const periodIndex = new Map(keys.map((key, index) => [key, index]));
  const periods = keys.map((key) => {
    const span = periodOfKey(grain, key);
    // NOTE: the period the range ends in is open (marked) when the range ends before it does.
    return { ...span, open: span.end > end };
  });
  const customerIndex = new Map<string, number>();
  const spans: { first: number; last: number }[] = [];
  const byMeter = new Map<string, (UsageAggregate | undefined)[][]>();
  for (const [index, aggregate] of aggregates.entries()) {
    if (index % PREPARE_STEP === PREPARE_STEP - 1) yield { from: 0, to: steps, at: ++at };
    const period = periodIndex.get(aggregate.period);
    if (period === undefined) continue;
    let customer = customerIndex.get(aggregate.customer);
    if (customer === undefined) {
      customer = customerIndex.size;
      customerIndex.set(aggregate.customer, customer);
      spans.push({ first: period, last: period });
    }
    const span = spans[customer]!;
    span.first = Math.min(span.first, period);
    span.last = Math.max(span.last, period);
    let rows = byMeter.get(aggregate.meter);
    if (!rows) byMeter.set(aggregate.meter, (rows = []));
    (rows[customer] ??= [])[period] = aggregate;
  }
  return {
    grain,
    range: { start, end },
    periods,
    customers: [...customerIndex.keys()],
    spans,
    byMeter,
  };
}

/** The aggregate that decides a cell: the period's own, or for last_ever the latest before it. */
function decidingAggregate(
  row: (UsageAggregate | undefined)[] | undefined,
  strategy: AggregateUsage,
  period: number,
): UsageAggregate | undefined {
  let aggregate = row?.[period];
  if (strategy === 'last_ever' && aggregate === undefined && row) {
    // NOTE: last_ever looks back to the latest earlier period with usage, as invoices do.
    for (let earlier = period - 1; earlier >= 0 && aggregate === undefined; earlier--) {
      aggregate = row[earlier];
    }
  }
  return aggregate;
}

/** The billable quantity under `strategy` and the timestamp that decided it (none for sum). */
function quantityOf(
  aggregate: UsageAggregate | undefined,
  strategy: AggregateUsage,
): [number, number | null] {
  if (aggregate === undefined) return [0, null];
  if (strategy === 'sum') return [aggregate.sum, null];
  if (strategy === 'max') {
    if (aggregate.max === null) {
      throw invalidRequest(
        'parameter_invalid',
        'hypotheses',
        `The usage of ${aggregate.meter} was read without its peaks: run the backtest again to price it by max.`,
      );
    }
    return [aggregate.max, aggregate.maxTimestamp];
  }
  return [aggregate.last, aggregate.lastTimestamp];
}

const strategyOf = (hypothesis: Hypothesis): AggregateUsage =>
  hypothesis.price.recurring.aggregateUsage ?? 'sum';

/**
 * A cell's aggregation, explained as an invoice line's is, but counting the source's records:
 * an import does not group records by timestamp (that would take a pass of its own).
 */
export type BacktestAggregation = Omit<AggregationExplanation, 'timestampCount'> & {
  recordCount: number;
};

/** The aggregation of one customer × period × hypothesis. */
function aggregationOf(
  prepared: PreparedUsage,
  hypothesis: Hypothesis,
  customer: number,
  period: number,
): BacktestAggregation {
  const strategy = strategyOf(hypothesis);
  const row = prepared.byMeter.get(hypothesis.meter)?.[customer];
  const [quantity, decidingTimestamp] = quantityOf(
    decidingAggregate(row, strategy, period),
    strategy,
  );
  const records = row?.[period]?.records ?? 0;
  const { start, end } = prepared.periods[period]!;
  const span = { start, end };
  return {
    strategy,
    quantity,
    recordCount: records,
    decidingTimestamp,
    span,
    summary: describeAggregation(strategy, quantity, decidingTimestamp, records, span, 'record'),
  };
}

/** One cell of a backtest: what an invoice line would say for the customer, period and price. */
export interface BacktestLine {
  customer: string;
  hypothesis: string;
  period: BacktestPeriod;
  quantity: number;
  amount: number;
  amountExact: string;
  currency: string;
  explanation: Omit<InvoiceLineExplanation, 'aggregation'> & { aggregation: BacktestAggregation };
}

/** The line of `customer` in period number `period` under `hypothesis`, with its explanation. */
export function explainLine(
  prepared: PreparedUsage,
  hypothesis: Hypothesis,
  customer: string,
  period: number,
): BacktestLine | null {
  const index = prepared.customers.indexOf(customer);
  const span = prepared.spans[index];
  if (!span || period < span.first || period > span.last) return null;
  const aggregation = aggregationOf(prepared, hypothesis, index, period);
  const quote = quotePrice(hypothesis.price, aggregation.quantity);
  const strategy = aggregation.strategy;
  const { start, end } = prepared.periods[period]!;
  return {
    customer,
    hypothesis: hypothesis.key,
    period: prepared.periods[period]!,
    quantity: aggregation.quantity,
    amount: quote.amount,
    amountExact: quote.amountExact,
    currency: hypothesis.price.currency,
    explanation: {
      aggregation,
      pricing: quote.explanation,
      proration: null,
      summary: `Metered (${strategy}): ${aggregation.quantity} units of ${hypothesis.meter} over ${utcMinutes(start)} – ${utcMinutes(end)}, ${formatMoney(quote.amount, hypothesis.price.currency)}.`,
    },
  };
}

export interface CustomerChange {
  customer: string;
  amount: number;
  /** amount minus the current hypothesis's amount for the customer, in minor units. */
  change: number;
  /** change as a percentage of the current amount (2 decimals); null when that is 0. */
  changePct: number | null;
}

export interface HypothesisResult {
  key: string;
  name: string;
  meter: string;
  total: number;
  byPeriod: (BacktestPeriod & { amount: number })[];
  byCustomer: CustomerChange[];
  /** Per customer index, per period index: the line amount, null outside the customer's periods. */
  amounts: (number | null)[][];
  summary: {
    /** Customers who pay less, more, the same as under the current hypothesis. */
    winners: number;
    losers: number;
    unchanged: number;
    /** Customers whose bill goes up more than the risk threshold (or from 0 to more). */
    atRisk: number;
    /** Sum of the increases and of the decreases (negative), in minor units. */
    upside: number;
    downside: number;
  };
}

export interface BacktestResult {
  currency: string;
  grain: Interval;
  current: string;
  riskThresholdPct: number;
  range: { start: number; end: number };
  periods: BacktestPeriod[];
  customers: string[];
  hypotheses: HypothesisResult[];
}

/** Prices one customer's periods under `hypothesis`: amounts per period, null outside its span. */
function priceCustomer(
  prepared: PreparedUsage,
  hypothesis: Hypothesis,
  customer: number,
): (number | null)[] {
  const strategy = strategyOf(hypothesis);
  const row = prepared.byMeter.get(hypothesis.meter)?.[customer];
  const span = prepared.spans[customer]!;
  const quantities = prepared.periods.map((_, period) => {
    if (period < span.first || period > span.last) return null;
    return quantityOf(decidingAggregate(row, strategy, period), strategy)[0];
  });
  // A coupon or a minimum works on priced lines; otherwise the amount alone (a cell's
  // explanation is built only when it is opened).
  return hypothesis.coupon !== null || hypothesis.minimumCommitment !== null
    ? adjustedAmounts(
        hypothesis,
        prepared.periods,
        quantities.map((units) => (units === null ? null : quotePrice(hypothesis.price, units))),
      )
    : quantities.map((units) => (units === null ? null : quoteAmount(hypothesis.price, units)));
}

const sumOf = (values: readonly (number | null)[]) =>
  values.reduce<number>((total, value) => total + (value ?? 0), 0);

/** change / base as a percentage with 2 decimals (half up); null when base is 0. */
export function percentOf(change: number, base: number): number | null {
  if (base === 0) return change === 0 ? 0 : null;
  // Hundredths of a percent on whole numbers while exact (the common case), else decimals.
  const scaled = Math.abs(change) * 10_000;
  const divisor = Math.abs(base);
  if (!Number.isSafeInteger(scaled))
    return new Dec(change).mul(100).div(base).toDecimalPlaces(2).toNumber();
  const rest = scaled % divisor;
  const hundredths = (scaled - rest) / divisor + (rest * 2 >= divisor ? 1 : 0);
  return (Math.sign(change) * Math.sign(base) * hundredths) / 100 + 0;
}

/**
 * Prices the prepared usage under every hypothesis and compares each with `current` (a key;
 * default the first). NOTE: a customer is billed in every period from its first period with usage
 * of any meter to its last, so a quiet month in between is billed (a flat tier still charges) and
 * months before it arrived or after it left are not.
 */
export function priceBacktest(
  prepared: PreparedUsage,
  hypotheses: readonly Hypothesis[],
  options: PricingOptions = {},
): BacktestResult {
  return drain(priceBacktestSteps(prepared, hypotheses, options));
}

export interface PricingOptions {
  current?: string;
  riskThresholdPct?: number;
}

/**
 * priceBacktest as steps, for hosts that must stay responsive: it yields after each customer
 * priced under a hypothesis and after each customer compared (the same result, to the unit).
 */
export function* priceBacktestSteps(
  prepared: PreparedUsage,
  hypotheses: readonly Hypothesis[],
  options: PricingOptions = {},
): Generator<StepProgress, BacktestResult> {
  const current = options.current ?? hypotheses[0]!.key;
  const riskThresholdPct = options.riskThresholdPct ?? 20;
  const currentIndex = hypotheses.findIndex((hypothesis) => hypothesis.key === current);
  if (currentIndex === -1) {
    throw invalidRequest(
      'parameter_invalid',
      'current',
      `No hypothesis has the key '${current}': pick one of ${hypotheses.map((h) => h.key).join(', ')}.`,
    );
  }
  const customers = prepared.customers.length;
  // A step per customer priced under each hypothesis, then per customer compared.
  const steps = 2 * hypotheses.length * customers;
  let at = 0;
  const amounts: (number | null)[][][] = [];
  for (const hypothesis of hypotheses) {
    const own: (number | null)[][] = [];
    for (let customer = 0; customer < customers; customer++) {
      own.push(priceCustomer(prepared, hypothesis, customer));
      yield { from: 0, to: steps, at: ++at };
    }
    amounts.push(own);
  }
  const baseline = amounts[currentIndex]!.map(sumOf);
  const results: HypothesisResult[] = [];
  for (const [index, hypothesis] of hypotheses.entries()) {
    const own = amounts[index]!;
    const byCustomer: CustomerChange[] = [];
    const periodAmounts = prepared.periods.map(() => 0);
    const summary = { winners: 0, losers: 0, unchanged: 0, atRisk: 0, upside: 0, downside: 0 };
    let total = 0;
    for (let customer = 0; customer < customers; customer++) {
      const amounts = own[customer]!;
      amounts.forEach((amount, period) => (periodAmounts[period]! += amount ?? 0));
      const amount = sumOf(amounts);
      const change = amount - baseline[customer]!;
      const row = {
        customer: prepared.customers[customer]!,
        amount,
        change,
        changePct: percentOf(change, baseline[customer]!),
      };
      byCustomer.push(row);
      total += amount;
      if (row.change < 0)
        [summary.winners, summary.downside] = [summary.winners + 1, summary.downside + row.change];
      else if (row.change > 0)
        [summary.losers, summary.upside] = [summary.losers + 1, summary.upside + row.change];
      else summary.unchanged += 1;
      if (isAtRisk(row, riskThresholdPct)) summary.atRisk += 1;
      yield { from: 0, to: steps, at: ++at };
    }
    results.push({
      key: hypothesis.key,
      name: hypothesis.name,
      meter: hypothesis.meter,
      total,
      byPeriod: prepared.periods.map((period, at) => ({ ...period, amount: periodAmounts[at]! })),
      byCustomer,
      amounts: own,
      summary,
    });
  }
  return {
    currency: hypotheses[0]!.price.currency,
    grain: prepared.grain,
    current,
    riskThresholdPct,
    range: prepared.range,
    periods: prepared.periods,
    customers: prepared.customers,
    hypotheses: results,
  };
}
