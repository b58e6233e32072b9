// A cohort: N customers whose usage sizes are drawn from a log-normal distribution (a few large,
// many small), each with its own generator. Drawn from a seed, so a preview and the customers it
// creates are the same, and the same seed draws the same cohort again.
import type { PatternSpec } from '../../core/public/types';

export interface CohortPlan {
  count: number;
  /** Median mean units per hour of one customer. */
  medianPerHour: number;
  /** Spread of log sizes (sigma): 0 all alike, 1 a wide spread. */
  spread: number;
  /** Compounding growth per 30 days, e.g. 0.05 for 5 % a month; 0 for none. */
  growthPerMonth: number;
  /** Daily and weekly cycles around the mean. */
  seasonal: boolean;
  seed: number;
}

/** mulberry32: a small seeded generator of uniforms in [0, 1). */
function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Each customer's mean units per hour, in creation order (2 decimals). */
export function cohortSizes(
  plan: Pick<CohortPlan, 'count' | 'medianPerHour' | 'spread' | 'seed'>,
): number[] {
  const next = uniforms(plan.seed);
  return Array.from({ length: plan.count }, () => {
    // Box–Muller: a standard normal from two uniforms (1 - u keeps the log away from 0).
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const size = Math.round(plan.medianPerHour * Math.exp(plan.spread * normal) * 100) / 100;
    return Math.max(0.01, size);
  });
}

/** The pattern of one customer of this size: arrivals, growing and cycling as the plan says. */
export function cohortPattern(plan: CohortPlan, meanPerHour: number): PatternSpec {
  let pattern: PatternSpec = { kind: 'poisson', meanPerHour };
  if (plan.seasonal) {
    pattern = {
      kind: 'seasonality',
      base: pattern,
      daily: { peakHourUtc: 14, amplitude: 0.6 },
      weekly: { weights: [1.2, 1.2, 1.2, 1.2, 1.1, 0.5, 0.6] },
    };
  }
  if (plan.growthPerMonth !== 0) {
    const ratePerDay = Math.pow(1 + plan.growthPerMonth, 1 / 30) - 1;
    pattern = { kind: 'growth', base: pattern, mode: 'exponential', ratePerDay };
  }
  return pattern;
}

export interface CohortSummary {
  median: number;
  p90: number;
  largest: number;
  /** Expected units a month (30 days) of the whole cohort at the start. */
  unitsPerMonth: number;
  /** Customers per size band, the bands growing ×2 from the smallest size up. */
  bands: { from: number; to: number; customers: number }[];
}

export function summarize(sizes: number[]): CohortSummary | null {
  if (sizes.length === 0) return null;
  const sorted = [...sizes].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const bands: CohortSummary['bands'] = [];
  let from = sorted[0]!;
  while (from <= sorted.at(-1)!) {
    const to = from * 2;
    bands.push({ from, to, customers: sorted.filter((s) => s >= from && s < to).length });
    from = to;
  }
  const total = sorted.reduce((sum, size) => sum + size, 0);
  return {
    median: at(0.5),
    p90: at(0.9),
    largest: sorted.at(-1)!,
    unitsPerMonth: Math.round(total * 24 * 30),
    bands,
  };
}
