// The meter event store undoes a failed call's writes: events, new partitions, identifiers.
import { describe, expect, it } from 'vitest';
import { EMPTY_METER_EVENTS, MeterEventStore } from '../../../../core/rules/meters/store';

describe('MeterEventStore.atomically', () => {
  it('drops what a failing write appended, and keeps what a succeeding one did', () => {
    const store = new MeterEventStore(5, EMPTY_METER_EVENTS, 1_000);
    store.atomically(() => {
      const columns = store.writable('mtr_1', 'cust_1');
      store.append(columns, 990, 1_000, 5, 'a', true);
      store.append(columns, 980, 1_000, '0.5', undefined, false);
    });
    const before = JSON.stringify(store.toJSON(1_000));
    expect(() =>
      store.atomically(() => {
        store.append(store.writable('mtr_1', 'cust_1'), 995, 1_000, 7, 'b', true);
        store.append(store.writable('mtr_1', 'cust_2'), 995, 1_000, '1.25', 'a', false);
        throw new Error('refresh failed');
      }),
    ).toThrow('refresh failed');
    expect(JSON.stringify(store.toJSON(1_000))).toBe(before);
    expect(store.window.find('b')).toBeNull();
    expect(store.window.find('a')?.seq).toBe(0);
    expect(store.nextSeq).toBe(2);
  });
});
