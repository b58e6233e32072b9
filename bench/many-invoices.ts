// A scenario with many paid invoices, made fast: 100 daily subscriptions billed for ten days
// (bench/daily-invoices.ts), their paid invoices repeated under new ids. Shared by
// bench/persistence.ts and the tests of the event loop during a save and a load
// (test/attacks/{save,load}-blocking.test.ts).
import type { Invoice } from '../core/public/types';
import type { Snapshot } from '../core/resources/snapshot';
import { billedDaily } from './daily-invoices';

export function manyInvoicesSnapshot(count: number): Snapshot {
  const snapshot = billedDaily(100, 10).snapshot();
  const paid = snapshot.invoices.filter((invoice) => invoice.status === 'paid');
  const invoices: Invoice[] = [];
  for (let n = 0; invoices.length < count; n++) {
    for (const invoice of paid.slice(0, count - invoices.length)) {
      invoices.push({ ...invoice, id: `${invoice.id}x${n}` });
    }
  }
  return { ...snapshot, invoices };
}
