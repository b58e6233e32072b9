// Engine errors in the words of the form a person filled in: params become the form's labels
// ('records[1]' -> 'Line 2', 'unitAmountDecimal' -> 'Unit amount (decimal)') and unix seconds
// become UTC dates. The engine's own message stays available beside it, unchanged.
import type { ErrorEnvelope } from '../../core/contract';
import { formatTime } from './time';

/** The labels the UI's forms give the engine's params (a view may add its own). */
export const fieldLabels: Record<string, string> = {
  product: 'Product',
  currency: 'Currency',
  nickname: 'Nickname',
  unitAmount: 'Unit amount (whole minor units)',
  unitAmountDecimal: 'Unit amount (decimal minor units)',
  'transformQuantity.divideBy': 'Package size',
  'transformQuantity.round': 'Round packages',
  'recurring.interval': 'Interval',
  'recurring.intervalCount': 'Interval count',
  'recurring.aggregateUsage': 'Aggregation',
  'recurring.usageType': 'Usage type',
  tiersMode: 'Tiers mode',
  tiers: 'Tiers',
  name: 'Name',
  email: 'Email',
  paymentMethod: 'Test card',
  quantity: 'Quantity',
  timestamp: 'Timestamp',
  action: 'Action',
  subscriptionItem: 'Usage stream',
  frozenTime: 'Advance to',
  subscription: 'Subscription',
  items: 'Prices',
};

/** Unix seconds from 2001-09-09 to 2286: ten digits, read as times. */
const unixSeconds = /\b[1-9]\d{9}\b/g;

/** 'records[1].timestamp' -> "Line 2's timestamp"; 'tiers[0].upTo' -> 'Tier 1 up to'. */
export function labelOf(param: string, labels: Record<string, string> = fieldLabels): string {
  const known = labels[param] ?? fieldLabels[param];
  if (known) return known;
  const indexed = /^(records|tiers|items|prices)\[(\d+)\](?:\.(.+))?$/.exec(param);
  if (indexed) {
    const [, list, index, field] = indexed;
    const noun = { records: 'Line', tiers: 'Tier', items: 'Item', prices: 'Price' }[list!]!;
    const where = `${noun} ${Number(index) + 1}`;
    if (!field) return where;
    if (list === 'tiers' && field === 'upTo') return `${where} up to`;
    const fieldLabel = (labels[field] ?? fieldLabels[field] ?? field).toLowerCase();
    return `${where}'s ${fieldLabel}`;
  }
  return param;
}

/** camelCase, dotted or indexed: a name only the API uses ('quantity' is a plain word too). */
const apiName = /[A-Z.[]/;

/** Every API param the message names, longest first so 'records[1].timestamp' wins. */
function paramsIn(message: string, param: string | null, labels: Record<string, string>): string[] {
  const found = new Set<string>();
  if (param && apiName.test(param)) found.add(param);
  for (const match of message.matchAll(/\b(?:records|tiers|items|prices)\[\d+\](?:\.\w+)?/g)) {
    found.add(match[0]);
  }
  for (const name of new Set([...Object.keys(fieldLabels), ...Object.keys(labels)])) {
    if (apiName.test(name) && new RegExp(`(^|[^\\w.])${escape(name)}(?![\\w\\[])`).test(message)) {
      found.add(name);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message a person reads: API names given as the form's labels, times as UTC dates. */
export function humanMessage(
  envelope: Pick<ErrorEnvelope, 'message' | 'param'>,
  labels: Record<string, string> = fieldLabels,
): string {
  let text = envelope.message;
  for (const param of paramsIn(text, envelope.param, labels)) {
    const label = labelOf(param, labels);
    if (label === param) continue;
    text = text.replace(
      new RegExp(`(^|[^\\w.])${escape(param)}(?![\\w\\[])`, 'g'),
      (_whole, before: string) => `${before}“${label}”`,
    );
  }
  return text
    .replace(/bad indices: ([\d, ]+)/, (_whole, list: string) => {
      const lines = list.split(',').map((index) => Number(index.trim()) + 1);
      return `bad lines: ${lines.join(', ')}`;
    })
    .replace(unixSeconds, (digits) => formatTime(Number(digits)));
}
