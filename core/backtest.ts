// Backtests as a surface: price usage aggregates under hypotheses (core/rules/backtest) and write
// the results as the JSON and CSV the command line prints and the UI exports.
import Papa from 'papaparse';
import { formatMoney } from './public/format';
import type { BacktestResult } from './rules/backtest';
import { escapeHtml, PRINT_STYLE } from './scenario/exports';
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

/** Customer rows stringified at a time by backtestJsonPieces. */
const JSON_PIECE_ROWS = 1000;

/** JSON.stringify(value, null, 2) with every line after the first indented by `indent` more. */
const indented = (value: unknown, indent: string) =>
  JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);

/**
 * The text of JSON.stringify(backtestJson(result, skippedRows), null, 2), in pieces: the customer
 * rows (most of it) JSON_PIECE_ROWS at a time, for hosts that send it as it is made.
 */
export function* backtestJsonPieces(
  result: BacktestResult,
  skippedRows: number,
): Generator<string, void> {
  const { hypotheses, ...rest } = backtestJson(result, skippedRows);
  yield `{\n  "hypotheses": ${hypotheses.length === 0 ? '[]' : '['}`;
  for (const [index, { byCustomer, ...hypothesis }] of hypotheses.entries()) {
    // The hypothesis's fields but its last, byCustomer, which follows in batches.
    yield `${index === 0 ? '' : ','}\n    ${indented(hypothesis, '    ').slice(0, -6)},\n      "byCustomer": `;
    if (byCustomer.length === 0) yield '[]';
    for (let from = 0; from < byCustomer.length; from += JSON_PIECE_ROWS) {
      const batch = indented(byCustomer.slice(from, from + JSON_PIECE_ROWS), '      ');
      yield `${from === 0 ? '[' : ','}${batch.slice(1, -8)}`;
    }
    if (byCustomer.length > 0) yield '\n      ]';
    yield '\n    }';
  }
  yield `${hypotheses.length === 0 ? '' : '\n  ]'},${indented(rest, '').slice(1)}`;
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

/** CSV rows made into text between two pieces of backtestCsvPieces. */
const CSV_PIECE_ROWS = 1000;

/**
 * One table: per hypothesis a `period` row per period, a `customer` row per customer (with the
 * change vs the current hypothesis) and a `total` row.
 */
export function backtestCsv(result: BacktestResult): string {
  return [...backtestCsvPieces(result)].join('');
}

/**
 * backtestCsv's text in pieces of CSV_PIECE_ROWS rows, for hosts that send it as it is made (5
 * hypotheses × 10,000 customers made in one go held a host for 400 ms).
 */
export function* backtestCsvPieces(result: BacktestResult): Generator<string, void> {
  const rows: (string | number | boolean | null)[][] = [];
  let header = true;
  function* flush(): Generator<string, void> {
    yield `${Papa.unparse(
      { fields: [...BACKTEST_CSV_COLUMNS], data: rows },
      { newline: '\n', escapeFormulae: true, header },
    )}\n`;
    rows.length = 0;
    header = false;
  }
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
      if (rows.length === CSV_PIECE_ROWS) yield* flush();
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
  // The last rows (and the header alone when there are none).
  if (rows.length > 0 || header) yield* flush();
}

/** What the report says about where the usage came from. */
export interface BacktestReportContext {
  /** The usage file's name (or table). */
  source: string;
  rows: number;
  skippedRows: number;
}

const REPORT_STYLE = `
  .report { break-after: auto; }
  .cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; margin: 4mm 0; }
  .cards div { border: 1px solid #bbb; border-radius: 2px; padding: 2mm 3mm; }
  .cards strong { display: block; font-size: 12pt; font-variant-numeric: tabular-nums; }
  .current td:first-child::after { content: ' (current)'; color: #666; }
  section { margin-top: 6mm; break-inside: avoid; }
  .lines th.num { text-align: right; }
  /* Revenue against the current hypothesis: more is green, less is red (as in the window). */
  .up { color: #176c2f; } .down { color: #a11d1d; }
`;

/**
 * The printable summary of a backtest (A4): where the usage came from, per hypothesis its total
 * and change vs the current one (who pays less, more, and is at risk), and revenue per period
 * with the open period marked. The desktop app prints it to PDF, the browser host serves it.
 */
export function backtestReportHtml(result: BacktestResult, context: BacktestReportContext): string {
  const money = (minor: number) => escapeHtml(formatMoney(minor, result.currency));
  const signed = (minor: number) =>
    `<span class="${minor > 0 ? 'up' : minor < 0 ? 'down' : ''}">${minor > 0 ? '+' : ''}${money(minor)}</span>`;
  const day = (seconds: number) => escapeHtml(isoInstant(seconds).slice(0, 10));
  const current = result.hypotheses.find((h) => h.key === result.current)!;
  const best = [...result.hypotheses].sort((a, b) => b.total - a.total)[0]!;
  const rows = result.hypotheses
    .map(
      (h) =>
        `<tr class="line${h.key === result.current ? ' current' : ''}"><td>${escapeHtml(h.name)}<p class="note">${escapeHtml(h.key)} · meter ${escapeHtml(h.meter)}</p></td>` +
        `<td class="num">${money(h.total)}</td><td class="num">${signed(h.total - current.total)}</td>` +
        `<td class="num">${h.summary.winners}</td><td class="num">${h.summary.losers}</td><td class="num">${h.summary.atRisk}</td>` +
        `<td class="num">${signed(h.summary.upside)}</td><td class="num">${signed(h.summary.downside)}</td></tr>`,
    )
    .join('');
  const periods = result.periods
    .map(
      (period, index) =>
        `<tr class="line"><td>${day(period.start)} – ${day(period.end)}${period.open ? ' <strong>(open: usage so far)</strong>' : ''}</td>` +
        result.hypotheses
          .map((h) => `<td class="num">${money(h.byPeriod[index]!.amount)}</td>`)
          .join('') +
        '</tr>',
    )
    .join('');
  const skipped = context.skippedRows
    ? ` · ${context.skippedRows.toLocaleString('en-US')} bad rows skipped`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backtest of ${escapeHtml(context.source)}</title>
<style>${PRINT_STYLE}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<section class="report">
<header>
<div><h1>Backtest: ${escapeHtml(context.source)}</h1><p class="note">Made by Meterlab from real usage: what these customers would have paid under each hypothesis.</p></div>
<div><dl><dt>Usage</dt><dd>${day(result.range.start)} – ${day(result.range.end)}</dd><dt>Rows</dt><dd>${context.rows.toLocaleString('en-US')}${skipped}</dd><dt>Customers</dt><dd>${result.customers.length.toLocaleString('en-US')}</dd><dt>Periods</dt><dd>${result.periods.length} (${result.grain})</dd></dl></div>
</header>
<div class="cards">
<div><h3>Current</h3><strong>${money(current.total)}</strong><p class="note">${escapeHtml(current.name)}</p></div>
<div><h3>Highest revenue</h3><strong>${money(best.total)}</strong><p class="note">${escapeHtml(best.name)} (${signed(best.total - current.total)})</p></div>
<div><h3>At risk under it</h3><strong>${best.summary.atRisk}</strong><p class="note">customers whose bill rises more than ${result.riskThresholdPct}%</p></div>
</div>
<section><h3>Hypotheses against the current one</h3>
<table class="lines"><thead><tr><th>Hypothesis</th><th class="num">Total</th><th class="num">vs current</th><th class="num">Pay less</th><th class="num">Pay more</th><th class="num">At risk (&gt;${result.riskThresholdPct}%)</th><th class="num">Upside</th><th class="num">Downside</th></tr></thead>
<tbody>${rows}</tbody></table></section>
<section><h3>Revenue per period</h3>
<table class="lines"><thead><tr><th>Period</th>${result.hypotheses.map((h) => `<th class="num">${escapeHtml(h.key)}</th>`).join('')}</tr></thead>
<tbody>${periods}</tbody></table></section>
</section>
</body>
</html>
`;
}
