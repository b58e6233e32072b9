// Ids and seeded randomness (core/ids.ts): prefixed, stable for a seed, unique within a scenario.
import { describe, expect, it } from 'vitest';
import { makeId, nextRandom, randomToken } from '../../../core/values/ids';

describe('makeId', () => {
  it('is the prefix, an underscore and 12 base62 characters', () => {
    for (const prefix of ['prod', 'price', 'cust', 'sub', 'si', 'mbu', 'inv', 'il', 'evt', 'clock'])
      expect(makeId(prefix, 42, 7)).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{12}$`));
  });

  it('gives the ids scenarios already hold (ids are part of every saved file)', () => {
    expect([
      makeId('cust', 11, 0),
      makeId('inv', 42, 123),
      makeId('evt', 7, 0xffffffff),
      makeId('si', 0, 61),
      makeId('ab_c', 4294967295, 99999),
    ]).toEqual([
      'cust_0mRUNH463Jrg',
      'inv_43BoDW1O6rwY',
      'evt_3rPC9X1GZx9z',
      'si_2lUnqP40OSt5',
      'ab_c_1pRxrQ476k8B',
    ]);
    // Prefixes of other lengths in turn do not disturb each other's ids.
    expect(makeId('evt', 11, 5)).toBe(makeId('evt', 11, 5));
    expect(makeId('cust', 11, 0)).toBe('cust_0mRUNH463Jrg');
  });

  it('gives the same id for the same seed and counter', () => {
    expect(makeId('inv', 42, 123)).toBe(makeId('inv', 42, 123));
  });

  it('never repeats within a scenario', () => {
    const count = 100_000;
    const ids = new Set<string>();
    const heads = new Set<string>();
    for (let counter = 0; counter < count; counter++) {
      const id = makeId('evt', 42, counter);
      ids.add(id);
      heads.add(id.slice(4, 10));
    }
    expect(ids.size).toBe(count);
    // The first six characters alone are unique (the rest is decoration).
    expect(heads.size).toBe(count);
  });

  it('differs between seeds', () => {
    const run = (seed: number) => Array.from({ length: 100 }, (_, i) => makeId('sub', seed, i));
    const one = run(1);
    const two = run(2);
    expect(one).not.toEqual(two);
    expect(one.filter((id) => two.includes(id)).length).toBeLessThan(5);
  });
});

describe('seeded randomness', () => {
  it('nextRandom is deterministic, in [0, 1), and moves its state', () => {
    expect(nextRandom(42)).toEqual(nextRandom(42));
    let state = 42;
    const values: number[] = [];
    const states = new Set<number>([state]);
    for (let i = 0; i < 1000; i++) {
      const draw = nextRandom(state);
      values.push(draw.value);
      states.add(draw.state);
      state = draw.state;
    }
    expect(states.size).toBe(1001);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('randomToken draws base62 characters and returns the next state', () => {
    const first = randomToken(42, 32);
    expect(first.token).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(randomToken(42, 32)).toEqual(first);
    const second = randomToken(first.state, 32);
    expect(second.token).not.toBe(first.token);
    expect(randomToken(43, 32).token).not.toBe(first.token);
  });
});
