// Invoice exports: a CSV of invoice lines, the engine's invoice objects as JSON, and a print page
// laid out like a real invoice (hosts turn it into a PDF: Electron's printToPDF, Chromium's
// page.pdf). Pure string building: the caller passes the invoices and the objects they name.
import Papa from 'papaparse';
import { z } from 'zod';
import type { ExportedFile } from '../contract';
import type { Simulator } from '../simulator';
import { objectId } from '../values/validation';
import { drain } from '../resources/entry';
import type { StepProgress } from '../resources/entry';
import { comparePricesArgs } from '../resources/schemas';
import { invalidRequest } from '../values/errors';
import { isoInstant, utcMinutes } from '../values/time';
import { billingReasons, invoiceSteps } from '../public/descriptions';
import {
  comparisonByCalendarMonth,
  invoicesByCalendarMonth,
  isZeroCreationInvoice,
} from '../public/reporting';
import type { InvoiceMonth } from '../public/reporting';
import { describeRounding, formatExactMoney, formatMoney } from '../public/format';
import type {
  Customer,
  Invoice,
  InvoiceLine,
  List,
  Price,
  PriceComparison,
  PriceStep,
} from '../public/types';

/** The objects an export names besides the invoices. */
export interface InvoiceExportContext {
  customers: readonly Customer[];
  prices: readonly Price[];
  /** Shown in the print page's title. */
  scenarioName?: string;
  /** Which part of the print page this is, when it has several. */
  part?: { part: number; parts: number } | null;
  /** Zero invoices made at subscription creation that the print left out. */
  omitted?: number;
}

export const SELLER_NAME = 'Meterlab simulated seller';

export const INVOICE_CSV_COLUMNS = [
  'invoice',
  'customer',
  'customer_name',
  'period_start',
  'period_end',
  'item',
  'price',
  'description',
  'strategy',
  'quantity',
  'amount_minor',
  'amount',
  'currency',
  'status',
  // How the invoice's total was reached (its pipeline, in minor units), repeated on each of its rows.
  'invoice_subtotal_minor',
  'invoice_discounts_minor',
  'invoice_credit_grants_minor',
  'invoice_minimum_true_up_minor',
  'invoice_tax_minor',
  'invoice_total_minor',
  'invoice_starting_balance_minor',
  'invoice_ending_balance_minor',
  'invoice_amount_due_minor',
] as const;

const sumOf = (entries: readonly { amount: number }[]) =>
  entries.reduce((total, entry) => total + entry.amount, 0);

/**
 * The invoice's pipeline amounts: subtotal, discounts, credits, true-up, tax (inclusive and
 * exclusive), total, the balance before and after (empty while a draft has not bound it), amount
 * due. NOTE: invoice-level, so repeated on every row of the invoice: sum them per invoice.
 */
function pipelineCells(invoice: Invoice): (string | number)[] {
  return [
    invoice.subtotal,
    sumOf(invoice.totalDiscountAmounts),
    sumOf(invoice.totalCreditGrantAmounts),
    sumOf(invoice.lines.data.filter((line) => line.type === 'minimum_commitment_true_up')),
    invoice.tax,
    invoice.total,
    invoice.startingBalance,
    invoice.endingBalance ?? '',
    invoice.amountDue,
  ];
}

/** The aggregation strategy (or meter formula) a line was billed under; licensed lines have none. */
function strategyOf(line: InvoiceLine): string {
  const meter = line.explanation.meter;
  if (meter) return `meter ${meter.formula}`;
  return line.explanation.aggregation?.strategy ?? 'licensed';
}

/** An invoice without lines still gets its row (nothing billed), so every invoice is present. */
function linelessRow(invoice: Invoice, customerName: string): (string | number)[] {
  return [
    invoice.id,
    invoice.customer,
    customerName,
    isoInstant(invoice.periodStart),
    isoInstant(invoice.periodEnd),
    '',
    '',
    'No lines: nothing was billed for this period',
    '',
    0,
    invoice.total,
    formatMoney(invoice.total, invoice.currency),
    invoice.currency,
    invoice.status,
    ...pipelineCells(invoice),
  ];
}

/** The CSV rows of some invoices: one per line, one for an invoice without lines. */
function csvRows(
  invoices: readonly Invoice[],
  names: ReadonlyMap<string, string>,
): (string | number)[][] {
  return invoices.flatMap((invoice) =>
    invoice.lines.data.length === 0
      ? // NOTE: every invoice is exported; one without lines as one row billing nothing.
        [linelessRow(invoice, names.get(invoice.customer) ?? '')]
      : invoice.lines.data.map((line) => [
          invoice.id,
          invoice.customer,
          names.get(invoice.customer) ?? '',
          isoInstant(line.period.start),
          isoInstant(line.period.end),
          line.subscriptionItem ?? '',
          line.price ?? '',
          line.description,
          strategyOf(line),
          line.quantityDecimal ?? line.quantity,
          line.amount,
          formatMoney(line.amount, line.currency),
          line.currency,
          invoice.status,
          ...pipelineCells(invoice),
        ]),
  );
}

/**
 * CSV text of rows (the header row with `header`). A cell that a spreadsheet would run as a
 * formula (=, +, -, @ first) is prefixed with ' (numbers are left alone).
 */
function csvText(rows: (string | number)[][], header: boolean): string {
  return Papa.unparse(
    { fields: [...INVOICE_CSV_COLUMNS], data: rows },
    { newline: '\n', escapeFormulae: true, header },
  );
}

/** One row per invoice line (one for an invoice without lines), invoices in the order given. */
export function invoiceLinesCsv(
  invoices: readonly Invoice[],
  context: Pick<InvoiceExportContext, 'customers'>,
): string {
  return drain(collected((write) => invoiceLinesCsvSteps(invoices, context, write)));
}

/** Invoices an export turns into text between two yields to the host. */
const EXPORT_SLICE = 50;

/**
 * Takes an export's text a piece at a time, as it is made: a host streams it out, so no export
 * is ever one string (a JSON of 100,000 invoices is about 400 MB) or one long job.
 */
export type TextSink = (piece: string) => void;

/** Text written in pieces, joined into one string: for small texts and callers without a sink. */
export function* collected(
  steps: (write: TextSink) => Generator<StepProgress, void>,
): Generator<StepProgress, string> {
  const pieces: string[] = [];
  yield* steps((piece) => pieces.push(piece));
  return pieces.join('');
}

/** invoiceLinesCsv's text, a slice of invoices per piece, yielding after each. */
export function* invoiceLinesCsvSteps(
  invoices: readonly Invoice[],
  context: Pick<InvoiceExportContext, 'customers'>,
  write: TextSink,
): Generator<StepProgress, void> {
  const names = new Map(context.customers.map((customer) => [customer.id, customer.name]));
  // The first slice carries the header row (alone when there are no invoices).
  for (let from = 0; from === 0 || from < invoices.length; from += EXPORT_SLICE) {
    const rows = csvRows(invoices.slice(from, from + EXPORT_SLICE), names);
    write(`${csvText(rows, from === 0)}\n`);
    yield { from: 0, to: invoices.length, at: from };
  }
}

export const INVOICE_MONTH_CSV_COLUMNS = [
  'month',
  'currency',
  'invoices',
  'billed_minor',
  'billed',
  'draft_minor',
  'open',
] as const;

/** One row per calendar month and currency (invoicesByCalendarMonth): what was billed. */
export function invoiceMonthsCsv(months: readonly InvoiceMonth[]): string {
  const rows = months.map((month) => [
    month.month,
    month.currency,
    month.invoices,
    month.billed,
    formatMoney(month.billed, month.currency),
    month.draft,
    month.open ? 'open' : '',
  ]);
  const csv = Papa.unparse(
    { fields: [...INVOICE_MONTH_CSV_COLUMNS], data: rows },
    { newline: '\n' },
  );
  return `${csv}\n`;
}

/** A plain CSV of numbers and ids (no cell needs quoting). */
function plainCsv(rows: (string | number)[][]): string {
  return `${Papa.unparse(rows, { newline: '\n', escapeFormulae: true })}\n`;
}

/** Compare's revenue per price, summed per billing period (start, end) or per calendar month. */
export function comparisonTable(
  comparison: PriceComparison,
  by: 'period' | 'calendar-month',
  now: number,
): {
  header: string[];
  rows: {
    label: string[];
    amounts: number[];
    open: boolean;
    /** By period: the period (unix seconds). */
    period?: { start: number; end: number };
  }[];
} {
  if (by === 'calendar-month') {
    return {
      header: ['month', 'open', ...comparison.prices],
      rows: comparisonByCalendarMonth(comparison, now).map((month) => ({
        label: [month.key, month.open ? 'open' : ''],
        amounts: comparison.prices.map((price) => month.amounts[price] ?? 0),
        open: month.open,
      })),
    };
  }
  const periods = new Map<string, { start: number; end: number; amounts: number[] }>();
  for (const row of comparison.rows) {
    const key = `${row.periodStart}-${row.periodEnd}`;
    const entry = periods.get(key) ?? {
      start: row.periodStart,
      end: row.periodEnd,
      amounts: comparison.prices.map(() => 0),
    };
    comparison.prices.forEach((price, index) => (entry.amounts[index]! += row.amounts[price]!));
    periods.set(key, entry);
  }
  return {
    header: ['period_start', 'period_end', ...comparison.prices],
    rows: [...periods.values()]
      .sort((a, b) => a.start - b.start || a.end - b.end)
      .map((period) => ({
        label: [isoInstant(period.start), isoInstant(period.end)],
        amounts: period.amounts,
        open: period.end > now,
        period: { start: period.start, end: period.end },
      })),
  };
}

/** Compare as CSV: one row per period or calendar month, amounts in minor units per price. */
export function comparisonCsv(
  comparison: PriceComparison,
  by: 'period' | 'calendar-month',
  now: number,
): string {
  const { header, rows } = comparisonTable(comparison, by, now);
  return plainCsv([header, ...rows.map((row) => [...row.label, ...row.amounts])]);
}

/** Compare as JSON: the engine's comparison, with its rows summed by period or calendar month. */
export function comparisonJson(
  comparison: PriceComparison,
  by: 'period' | 'calendar-month',
  now: number,
): string {
  const summed =
    by === 'calendar-month'
      ? { months: comparisonByCalendarMonth(comparison, now) }
      : {
          periods: comparisonTable(comparison, 'period', now).rows.map((row) => ({
            ...row.period!,
            amounts: Object.fromEntries(
              comparison.prices.map((price, index) => [price, row.amounts[index]!]),
            ),
          })),
        };
  return `${JSON.stringify({ ...comparison, ...summed }, null, 2)}\n`;
}

/** The engine's invoice objects, as they are. */
export function invoicesJson(invoices: readonly Invoice[]): string {
  return drain(collected((write) => invoicesJsonSteps(invoices, write)));
}

/**
 * invoicesJson's text (that of JSON.stringify(invoices, null, 2)), a slice of invoices per
 * piece, yielding after each.
 */
export function* invoicesJsonSteps(
  invoices: readonly Invoice[],
  write: TextSink,
): Generator<StepProgress, void> {
  if (invoices.length === 0) return write('[]\n');
  for (let from = 0; from < invoices.length; from += EXPORT_SLICE) {
    const items = invoices
      .slice(from, from + EXPORT_SLICE)
      .map((invoice) => `  ${JSON.stringify(invoice, null, 2).replaceAll('\n', '\n  ')}`);
    write(`${from === 0 ? '[' : ','}\n${items.join(',\n')}`);
    yield { from: 0, to: invoices.length, at: from };
  }
  write('\n]\n');
}

// ---- the print page ----------------------------------------------------------------------------

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (char) => htmlEscapes[char]!);
}

const STATUS_LABELS: Record<Invoice['status'], string> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  uncollectible: 'Uncollectible',
  void: 'Void',
};

const REASON_LABELS: Record<Invoice['billingReason'], string> = {
  subscription_create: 'Subscription created',
  subscription_cycle: 'Billing period ended',
  subscription_update: 'Subscription changed',
  subscription_cancel: 'Subscription cancelled',
  subscription_threshold: 'Billing threshold crossed',
  manual: 'Manual',
};

export const PRINT_STYLE = `
  @page { size: A4; margin: 16mm 14mm; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 10pt/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a1a1a; }
  .invoice { break-after: page; padding-bottom: 8mm; }
  .invoice:last-of-type { break-after: auto; }
  header { display: flex; justify-content: space-between; gap: 12mm; border-bottom: 2px solid #1a1a1a; padding-bottom: 4mm; }
  h1 { font-size: 15pt; margin: 0 0 1mm; }
  h2 { font-size: 18pt; margin: 0 0 2mm; text-align: right; letter-spacing: .04em; }
  h3 { font-size: 9pt; margin: 0 0 1mm; text-transform: uppercase; letter-spacing: .06em; color: #555; }
  p { margin: 0; }
  .note { color: #666; font-size: 8.5pt; }
  dl { display: grid; grid-template-columns: auto auto; gap: .5mm 4mm; margin: 0; justify-content: end; }
  dt { color: #555; text-align: right; }
  dd { margin: 0; font-variant-numeric: tabular-nums; }
  .status { display: inline-block; border: 1.5px solid currentColor; border-radius: 3px; padding: 0 2mm; font-weight: 700; text-transform: uppercase; font-size: 8.5pt; }
  .status-paid { color: #176c2f; } .status-open { color: #8a5a00; } .status-draft { color: #555; }
  .status-uncollectible, .status-void { color: #a11d1d; }
  .parties { display: grid; grid-template-columns: 1fr 1fr; gap: 8mm; margin: 5mm 0; }
  table { width: 100%; border-collapse: collapse; }
  .lines th { text-align: left; font-size: 8.5pt; text-transform: uppercase; letter-spacing: .05em; color: #555; border-bottom: 1px solid #999; padding: 1.5mm 1mm; }
  .lines td { padding: 1.5mm 1mm; vertical-align: top; }
  .line td { border-top: 1px solid #ddd; }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .explain td { padding-top: 0; color: #444; font-size: 8.5pt; }
  .explain p { margin: .5mm 0; }
  .steps { width: auto; margin: 1mm 0; }
  .steps td, .steps th { padding: .3mm 3mm .3mm 0; font-size: 8.5pt; border: 0; text-transform: none; letter-spacing: 0; }
  .totals { width: 60%; margin: 4mm 0 0 auto; }
  .totals th { text-align: left; font-weight: 400; padding: 1mm; }
  .totals td { padding: 1mm; }
  .totals .grand th, .totals .grand td { font-weight: 700; border-top: 2px solid #1a1a1a; }
  .payments { margin-top: 6mm; }
  .payments ul { margin: 0; padding-left: 5mm; }
  .omitted { margin: 0 0 4mm; padding: 2mm 3mm; border: 1px solid #999; border-radius: 2px; }
`;

function stepsTable(steps: readonly PriceStep[], currency: string): string {
  const rows = steps
    .map(
      (step) =>
        `<tr><td>${escapeHtml(step.label)}</td><td class="num">${escapeHtml(step.quantity)} units</td>` +
        `<td class="num">${step.unitAmountDecimal === null ? '' : `× ${escapeHtml(formatExactMoney(step.unitAmountDecimal, currency))}`}</td>` +
        `<td class="num">${step.flatAmountDecimal === null ? '' : `+ ${escapeHtml(formatExactMoney(step.flatAmountDecimal, currency))} flat`}</td>` +
        `<td class="num">= ${escapeHtml(formatExactMoney(step.amountExact, currency))}</td></tr>`,
    )
    .join('');
  return `<table class="steps"><tbody>${rows}</tbody></table>`;
}

function lineRows(line: InvoiceLine, prices: Map<string, Price>): string {
  const price = line.price === null ? undefined : prices.get(line.price);
  const priceName = price?.nickname
    ? `${price.nickname} (${line.price})`
    : (line.price ?? 'minimum commitment');
  const { aggregation, meter, pricing, proration } = line.explanation;
  const explanation = [
    aggregation ? `<p>${escapeHtml(aggregation.summary)}</p>` : '',
    meter ? `<p>${escapeHtml(meter.summary)}</p>` : '',
    `<p>${escapeHtml(pricing.summary)}</p>`,
    pricing.steps.length > 1 || pricing.steps[0]?.flatAmountDecimal
      ? stepsTable(pricing.steps, line.currency)
      : '',
    proration ? `<p>${escapeHtml(proration.summary)}</p>` : '',
    `<p>Line amount: ${escapeHtml(describeRounding(line.amountExact, line.amount, line.currency))}.</p>`,
  ].join('');
  return (
    `<tr class="line"><td>${escapeHtml(line.description)}<p class="note">Price: ${escapeHtml(priceName)}</p></td>` +
    `<td>${escapeHtml(utcMinutes(line.period.start))} –<br>${escapeHtml(utcMinutes(line.period.end))}</td>` +
    `<td class="num">${escapeHtml(line.quantityDecimal ?? line.quantity.toLocaleString('en-US'))}</td>` +
    `<td class="num">${escapeHtml(formatMoney(line.amount, line.currency))}</td></tr>` +
    `<tr class="explain"><td colspan="4">${explanation}</td></tr>`
  );
}

/** "How this total was reached": the invoice pipeline's steps, in order. */
function stepsSection(invoice: Invoice): string {
  if (invoice.steps.length === 0) return '';
  const rows = invoice.steps
    .map(
      (step) =>
        `<tr><th>${escapeHtml(invoiceSteps[step.step])}</th><td class="num">${escapeHtml(formatMoney(step.amount, invoice.currency))}</td><td>${escapeHtml(step.summary)}</td></tr>`,
    )
    .join('');
  return `<section class="pipeline"><h3>How this total was reached</h3><table class="steps"><tbody>${rows}</tbody></table></section>`;
}

function invoiceSection(
  invoice: Invoice,
  customers: Map<string, Customer>,
  prices: Map<string, Price>,
): string {
  const customer = customers.get(invoice.customer);
  const money = (minor: number) => escapeHtml(formatMoney(minor, invoice.currency));
  const dates = [
    ['Number', escapeHtml(invoice.id)],
    [
      'Status',
      `<span class="status status-${invoice.status}">${STATUS_LABELS[invoice.status]}</span>`,
    ],
    ['Reason', escapeHtml(billingReasons[invoice.billingReason])],
    ['Created', escapeHtml(utcMinutes(invoice.created))],
    ...(invoice.finalizedAt === null
      ? [
          [
            'Finalizes',
            invoice.finalizesAt === null ? '' : escapeHtml(utcMinutes(invoice.finalizesAt)),
          ],
        ]
      : [['Finalized', escapeHtml(utcMinutes(invoice.finalizedAt))]]),
    ...(invoice.paidAt === null ? [] : [['Paid', escapeHtml(utcMinutes(invoice.paidAt))]]),
    ...(invoice.nextPaymentAttempt === null
      ? []
      : [['Next attempt', escapeHtml(utcMinutes(invoice.nextPaymentAttempt))]]),
  ]
    .map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`)
    .join('');
  const lines = invoice.lines.data.length
    ? invoice.lines.data.map((line) => lineRows(line, prices)).join('')
    : '<tr class="line"><td colspan="4">No lines: nothing was billed for this period.</td></tr>';
  const attempts = invoice.attempts.length
    ? `<section class="payments"><h3>Payment attempts</h3><ul>${invoice.attempts
        .map(
          (attempt) =>
            `<li>${escapeHtml(utcMinutes(attempt.at))}: ${escapeHtml(attempt.paymentMethod ?? 'no payment method')}, ${attempt.outcome}${attempt.failureMessage ? ` (${escapeHtml(attempt.failureMessage)})` : ''}</li>`,
        )
        .join('')}</ul></section>`
    : '';
  return `<section class="invoice">
<header>
<div><h1>${SELLER_NAME}</h1><p class="note">A simulated invoice made by Meterlab: no money was charged.</p></div>
<div><h2>INVOICE</h2><dl>${dates}</dl></div>
</header>
<div class="parties">
<div><h3>Bill to</h3><p>${escapeHtml(customer?.name ?? invoice.customer)}</p><p class="note">${escapeHtml(invoice.customer)}${customer?.email ? ` · ${escapeHtml(customer.email)}` : ''}</p></div>
<div><h3>Billing period</h3><p>${escapeHtml(utcMinutes(invoice.periodStart))} – ${escapeHtml(utcMinutes(invoice.periodEnd))}</p><p class="note">${REASON_LABELS[invoice.billingReason]}${invoice.subscription ? ` · ${escapeHtml(invoice.subscription)}` : ''}</p></div>
</div>
<table class="lines"><thead><tr><th>Description</th><th>Period</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead>
<tbody>${lines}</tbody></table>
<table class="totals"><tbody>
<tr><th>Subtotal</th><td class="num">${money(invoice.subtotal)}</td></tr>
<tr class="grand"><th>Total</th><td class="num">${money(invoice.total)}</td></tr>
<tr><th>Amount paid</th><td class="num">${money(invoice.amountPaid)}</td></tr>
<tr><th>Amount remaining</th><td class="num">${money(invoice.amountRemaining)}</td></tr>
</tbody></table>
${stepsSection(invoice)}
${attempts}
</section>`;
}

/** A print page of the invoices, one per page (an empty list prints a page that says so). */
export function invoicesHtml(invoices: readonly Invoice[], context: InvoiceExportContext): string {
  return drain(collected((write) => invoicesHtmlSteps(invoices, context, write)));
}

/** invoicesHtml's text, a slice of invoices per piece, yielding after each. */
function* invoicesHtmlSteps(
  invoices: readonly Invoice[],
  context: InvoiceExportContext,
  write: TextSink,
): Generator<StepProgress, void> {
  const customers = new Map(context.customers.map((customer) => [customer.id, customer]));
  const prices = new Map(context.prices.map((price) => [price.id, price]));
  const partOf = context.part ? `, part ${context.part.part} of ${context.part.parts}` : '';
  const title =
    invoices.length === 1 && !context.part
      ? `Invoice ${invoices[0]!.id}`
      : `Invoices${context.scenarioName ? ` of ${context.scenarioName}` : ''}${partOf}`;
  const omitted = context.omitted ?? 0;
  const omittedNote = omitted
    ? `<p class="note omitted">Left out: ${omitted.toLocaleString('en-US')} zero invoice${omitted === 1 ? '' : 's'} made when subscriptions were created (nothing billed). Print with "Include zero invoices" to show ${omitted === 1 ? 'it' : 'them'}.</p>\n`
    : '';
  write(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${PRINT_STYLE}</style>
</head>
<body>
${omittedNote}`);
  if (invoices.length === 0) {
    write(
      `<section class="invoice"><h1>${SELLER_NAME}</h1><p>No invoices yet: advance the clock past a period end.</p></section>`,
    );
  }
  for (let from = 0; from < invoices.length; from += EXPORT_SLICE) {
    const sections = invoices
      .slice(from, from + EXPORT_SLICE)
      .map((invoice) => invoiceSection(invoice, customers, prices));
    write(`${from === 0 ? '' : '\n'}${sections.join('\n')}`);
    yield { from: 0, to: invoices.length, at: from };
  }
  write('\n</body>\n</html>\n');
}

export const exportInvoicesArgs = z.strictObject({
  format: z.enum(['csv', 'json', 'html']),
  invoice: objectId.optional(),
  /** The print page comes in parts of PRINT_PART_SIZE invoices: which one (default 1). */
  part: z.number().int().min(1).optional(),
  /** The print page of all invoices leaves out zero creation invoices unless this is true. */
  includeZero: z.boolean().optional(),
  /** CSV and JSON: one row per invoice line / invoice (default), or per calendar month. */
  by: z.enum(['invoice', 'calendar-month']).optional(),
});
/** Invoices per part of the print page: a browser prints a few hundred pages well, not 100,000. */
export const PRINT_PART_SIZE = 1000;
const EXPORT_TYPES = { csv: 'text/csv', json: 'application/json', html: 'text/html' } as const;

/** Every object of a list, read page by page (exports are complete at any size). */
export function everyPage<T extends { id: string }>(
  page: (startingAfter: string | undefined) => List<T>,
): T[] {
  const all: T[] = [];
  for (let next: List<T> | null = page(undefined); next;) {
    all.push(...next.data);
    next = next.hasMore ? page(next.data.at(-1)!.id) : null;
  }
  return all;
}

/** The scenario's invoices (or one of them) as a file: CSV lines, JSON, or the print page. */
export function exportInvoicesFile(
  sim: Simulator,
  scenarioName: string,
  args: z.output<typeof exportInvoicesArgs>,
): ExportedFile {
  return drain(exportInvoicesSteps(sim, scenarioName, args));
}

/**
 * exportInvoicesFile, yielding between slices of invoices (for hosts). With `write`, the text
 * goes there as it is made and the file's `content` is empty: a host streams it out.
 */
export function* exportInvoicesSteps(
  sim: Simulator,
  scenarioName: string,
  {
    format,
    invoice,
    part = 1,
    includeZero = false,
    by = 'invoice',
  }: z.output<typeof exportInvoicesArgs>,
  write?: TextSink,
): Generator<StepProgress, ExportedFile> {
  function* text(steps: (write: TextSink) => Generator<StepProgress, void>) {
    if (!write) return yield* collected(steps);
    yield* steps(write);
    return '';
  }
  // Read in place, oldest first: calls run one at a time, so nothing changes them meanwhile, and
  // copying 100,000 invoices would hold the host as long as the export itself.
  const view = sim.view();
  const invoices = invoice ? [sim.invoices.retrieve(invoice)] : view.invoices;
  const context = { customers: view.customers, prices: view.prices, scenarioName };
  const base = invoice ?? `${scenarioName.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase()}-invoices`;
  if (by === 'calendar-month') {
    if (format === 'html') {
      throw invalidRequest(
        'parameter_invalid',
        'by',
        "The print page shows invoices: export calendar months as 'csv' or 'json'.",
      );
    }
    const months = invoicesByCalendarMonth(invoices, sim.testClock.retrieve().frozenTime);
    const monthsText =
      format === 'csv' ? invoiceMonthsCsv(months) : `${JSON.stringify(months, null, 2)}\n`;
    write?.(monthsText);
    return {
      filename: `${base}-by-month.${format}`,
      mimeType: EXPORT_TYPES[format],
      content: write ? '' : monthsText,
    };
  }
  if (format !== 'html') {
    const content = yield* text((sink) =>
      format === 'csv'
        ? invoiceLinesCsvSteps(invoices, context, sink)
        : invoicesJsonSteps(invoices, sink),
    );
    return { filename: `${base}.${format}`, mimeType: EXPORT_TYPES[format], content };
  }
  // NOTE: printing all invoices leaves out zero creation invoices unless asked to include them.
  const printed =
    invoice || includeZero
      ? invoices
      : invoices.filter((candidate) => !isZeroCreationInvoice(candidate));
  const omitted = invoices.length - printed.length;
  const parts = Math.max(1, Math.ceil(printed.length / PRINT_PART_SIZE));
  if (part > parts) {
    throw invalidRequest(
      'parameter_invalid',
      'part',
      `The print page has ${parts} part${parts === 1 ? '' : 's'} of up to ${PRINT_PART_SIZE} invoices: ask for part 1 to ${parts}.`,
    );
  }
  const shown = printed.slice((part - 1) * PRINT_PART_SIZE, part * PRINT_PART_SIZE);
  const suffix = parts === 1 ? '' : `-part-${part}-of-${parts}`;
  const pageContext = { ...context, part: parts === 1 ? null : { part, parts }, omitted };
  const content = yield* text((sink) => invoicesHtmlSteps(shown, pageContext, sink));
  return {
    filename: `${base}${suffix}.html`,
    mimeType: EXPORT_TYPES.html,
    content,
    part,
    parts,
    ...(invoice ? {} : { omitted }),
  };
}

export const exportComparisonArgs = z.strictObject({
  prices: z.array(objectId).min(2).max(5),
  subscription: objectId.optional(),
  adjustments: comparePricesArgs.shape.adjustments,
  format: z.enum(['csv', 'json']),
  by: z.enum(['calendar-month', 'period']).optional(),
});

/** Compare as a file: per calendar month (default, as the Compare view shows it) or period. */
export function exportComparisonFile(
  sim: Simulator,
  scenarioName: string,
  {
    prices,
    subscription,
    adjustments,
    format,
    by = 'calendar-month',
  }: z.output<typeof exportComparisonArgs>,
): ExportedFile {
  const comparison = sim.analysis.comparePrices({
    prices,
    ...(subscription ? { subscription } : {}),
    ...(adjustments ? { adjustments } : {}),
  });
  const now = sim.testClock.retrieve().frozenTime;
  const base = `${scenarioName.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase()}-compare-by-${by === 'period' ? 'period' : 'month'}`;
  const content =
    format === 'csv' ? comparisonCsv(comparison, by, now) : comparisonJson(comparison, by, now);
  return { filename: `${base}.${format}`, mimeType: EXPORT_TYPES[format], content };
}
