import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { GeneratorsState, parsePattern } from '../../../renderer/state/generators.svelte';
import { FakeTransport } from '../fake-transport';

function setup() {
  const app = new AppState(createApiClient(new FakeTransport()));
  return new GeneratorsState(app, () => 'si_1');
}

describe('GeneratorsState pattern form', () => {
  it('edits nested patterns in place and sends them as plain JSON', () => {
    const generators = setup();
    generators.choosePattern('growth');
    const growth = generators.pattern;
    if (growth.kind !== 'growth' || growth.base.kind !== 'poisson') throw new Error('defaults');
    growth.ratePerDay = 0.05;
    growth.base.meanPerHour = 40;
    expect(generators.spec?.pattern).toEqual({
      kind: 'growth',
      base: { kind: 'poisson', meanPerHour: 40 },
      mode: 'exponential',
      ratePerDay: 0.05,
    });
    // The advanced JSON follows the form.
    expect(JSON.parse(generators.patternText)).toEqual(generators.spec?.pattern);
  });

  it('starts seats as set and everything else as increment', () => {
    const generators = setup();
    generators.choosePattern('seats');
    expect(generators.action).toBe('set');
    generators.choosePattern('constant');
    expect(generators.action).toBe('increment');
  });

  it('lets the advanced JSON drive the form, holding a broken draft without sending it', () => {
    const generators = setup();
    generators.patternText = '{"kind": "constant", "perHour": 7}';
    expect(generators.pattern).toEqual({ kind: 'constant', perHour: 7 });
    generators.patternText = '{"kind": "constant", ';
    expect(generators.jsonProblem).toMatch(/^spec.pattern is not JSON/);
    expect(generators.spec).toBeNull();
    // The form keeps the last pattern that parsed.
    expect(generators.pattern).toEqual({ kind: 'constant', perHour: 7 });
    expect(parsePattern('{"perHour": 7}')).toEqual({
      problem:
        'spec.pattern needs a kind: one of constant, poisson, growth, seasonality, bursts, seats, sum.',
    });
  });
});
