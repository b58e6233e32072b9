// The identifier window against a plain model: whatever the pushes, expiries, reuses and table
// rebuilds, find() answers with the latest event of an identifier sent in the last 48 hours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeterEventColumns } from '../../../../core/rules/meters/columns';
import {
  IDENTIFIER_MEMORY_SECONDS,
  IdentifierWindow,
} from '../../../../core/rules/meters/identifiers';

describe('IdentifierWindow', () => {
  it('finds the latest remembered event of each identifier, and forgets after 48 hours', () => {
    const step = fc.record({
      identifier: fc.option(fc.integer({ min: 0, max: 40 }).map((n) => `id-${n}`)),
      advance: fc.integer({ min: 0, max: 20 * 3_600 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 3_000 }), (steps) => {
        const window = new IdentifierWindow(9, 0);
        const columns = new MeterEventColumns('mtr_1', 'cust_1');
        const sent: { identifier: string | null; created: number }[] = [];
        let now = 1_000_000;
        steps.forEach(({ identifier, advance }, seq) => {
          now += advance;
          window.expire(now);
          window.push(now, columns, seq, identifier ?? undefined);
          sent.push({ identifier, created: now });
        });
        for (let n = 0; n <= 40; n++) {
          const identifier = `id-${n}`;
          let latest = -1;
          sent.forEach((event, seq) => {
            if (event.identifier === identifier && event.created > now - IDENTIFIER_MEMORY_SECONDS)
              latest = seq;
          });
          const found = window.find(identifier);
          expect(found?.seq ?? -1, identifier).toBe(latest);
          if (found) expect(found.row).toBe(latest);
        }
        expect(window.nextSeq).toBe(steps.length);
      }),
      { numRuns: 60 },
    );
  });

  it('forgets what a failed call pushed: an identifier it reused names its earlier event again', () => {
    const call = fc.record({
      identifiers: fc.array(fc.option(fc.integer({ min: 0, max: 30 }).map((n) => `id-${n}`)), {
        minLength: 1,
        maxLength: 30,
      }),
      advance: fc.integer({ min: 0, max: 30 * 3_600 }),
      fails: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 200 }), (calls) => {
        const window = new IdentifierWindow(9, 0);
        const columns = new MeterEventColumns('mtr_1', 'cust_1');
        const kept: { identifier: string | null; created: number }[] = [];
        let now = 1_000_000;
        for (const { identifiers, advance, fails } of calls) {
          now += advance;
          window.expire(now);
          const mark = window.nextSeq;
          for (const identifier of identifiers)
            window.push(now, columns, window.nextSeq, identifier ?? undefined);
          if (fails) window.truncate(mark);
          else for (const identifier of identifiers) kept.push({ identifier, created: now });
        }
        for (let n = 0; n <= 30; n++) {
          const identifier = `id-${n}`;
          let latest = -1;
          kept.forEach((event, seq) => {
            if (event.identifier === identifier && event.created > now - IDENTIFIER_MEMORY_SECONDS)
              latest = seq;
          });
          expect(window.find(identifier)?.seq ?? -1, identifier).toBe(latest);
        }
        expect(window.nextSeq).toBe(kept.length);
      }),
      { numRuns: 80 },
    );
  });

  it('stays bounded and exact through table rebuilds: 20,000 identifiers over 10 days', () => {
    const window = new IdentifierWindow(9, 0);
    const columns = new MeterEventColumns('mtr_1', 'cust_1');
    const start = 1_000_000;
    const at = (seq: number) => start + Math.floor(seq / 2_000) * 86_400;
    for (let seq = 0; seq < 20_000; seq++) {
      window.expire(at(seq));
      window.push(at(seq), columns, seq, `req-${seq}`);
    }
    const now = at(19_999);
    // Two days of events remembered (the day now and the one before), older ones forgotten.
    expect(window.size).toBe(4_000);
    expect(window.find('req-15999')).toBeNull();
    expect(window.find('req-16000')?.seq).toBe(16_000);
    expect(window.find('req-19999')?.created).toBe(now);
    expect(window.byteLength).toBeLessThan(4_000 * 64);
  });

  it('finds generated identifiers by their sequence number, and never a client one as generated', () => {
    const window = new IdentifierWindow(9, 0);
    const columns = new MeterEventColumns('mtr_1', 'cust_1');
    window.push(100, columns, 0, undefined);
    const generated = window.generatedIdentifier(0);
    window.push(100, columns, 1, window.generatedIdentifier(1).replace('mev_', 'xyz_'));
    expect(window.find(generated)?.seq).toBe(0);
    expect(window.find(window.generatedIdentifier(1))).toBeNull();
    expect(window.find(window.generatedIdentifier(2))).toBeNull();
  });
});
