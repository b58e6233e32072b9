// Backtests as a surface: price usage aggregates under hypotheses (core/rules/backtest) and write
// the results as the JSON and CSV the command line prints and the UI exports.
import Papa from 'papaparse';
import type { BacktestResult } from './rules/backtest';
import { isoInstant } from './values/time';

export * from './rules/backtest';

/** The results file: amounts in integer minor units, dates in ISO 8601 (UTC). */
export interface BacktestJson {
  hypotheses: {
    key: string;
    name: string;
    total: number;
    byPeriod: { start: string; end: string; amount: number; open: boolean }[];
    byCustomer: { customer: string; amount: number; change: number; changePct: number | null }[];
  }[];
  currency: string;
  skippedRows: number;
}

export function backtestJson(result: BacktestResult, skippedRows: number): BacktestJson {
  return {
    hypotheses: result.hypotheses.map((hypothesis) => ({
      key: hypothesis.key,
      name: hypothesis.name,
      total: hypothesis.total,
      byPeriod: hypothesis.byPeriod.map((period) => ({
        start: isoInstant(period.start),
        end: isoInstant(period.end),
        amount: period.amount,
        open: period.open,
      })),
      byCustomer: hypothesis.byCustomer.map(({ customer, amount, change, changePct }) => ({
        customer,
        amount,
        change,
        changePct,
      })),
    })),
    currency: result.currency,
    skippedRows,
  };
}

export const BACKTEST_CSV_COLUMNS = [
  'hypothesis',
  'name',
  'row',
  'period_start',
  'period_end',
  'open',
  'customer',
  'amount_minor',
  'change_minor',
  'change_pct',
  'currency',
] as const;

/**
 * One table: per hypothesis a `period` row per period, a `customer` row per customer (with the
 * change vs the current hypothesis) and a `total` row.
 */
export function backtestCsv(result: BacktestResult): string {
  const rows: (string | number | boolean | null)[][] = [];
  for (const hypothesis of result.hypotheses) {
    const own = [hypothesis.key, hypothesis.name];
    for (const period of hypothesis.byPeriod) {
      rows.push([
        ...own,
        'period',
        isoInstant(period.start),
        isoInstant(period.end),
        period.open,
        '',
        period.amount,
        '',
        '',
        result.currency,
      ]);
    }
    for (const row of hypothesis.byCustomer) {
      rows.push([
        ...own,
        'customer',
        '',
        '',
        '',
        row.customer,
        row.amount,
        row.change,
        row.changePct ?? '',
        result.currency,
      ]);
    }
    rows.push([
      ...own,
      'total',
      isoInstant(result.range.start),
      isoInstant(result.range.end),
      '',
      '',
      hypothesis.total,
      '',
      '',
      result.currency,
    ]);
  }
  return `${Papa.unparse(
    { fields: [...BACKTEST_CSV_COLUMNS], data: rows },
    {
      newline: '\n',
      escapeFormulae: true,
    },
  )}\n`;
}
