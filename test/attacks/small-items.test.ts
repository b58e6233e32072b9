// Smaller holes of "Guarantees under hostile input", each reproduced and closed.
import { describe, expect, it } from 'vitest';
import { exportScenario, importScenario } from '../../core/scenario/replay';
import { createSimulator } from '../../core/simulator';
import { MeterlabError } from '../../core/values/errors';

const START = 1_740_787_200;

describe('small items', () => {
  it('scenario usage keyed __proto__ is refused, not silently dropped', () => {
    const sim = createSimulator({ startTime: START });
    sim.products.create({ name: 'API' });
    const file = exportScenario(sim.snapshot(), { name: 'proto' });
    const text = JSON.stringify(file).replace(
      '"usage":{}',
      '"usage":{"__proto__":{"timestamps":[1740787200],"values":[5]}}',
    );
    const hostile = JSON.parse(text) as unknown;
    expect(Object.keys((hostile as { usage: object }).usage)).toEqual(['__proto__']);
    const { simulator, problems } = importScenario(hostile);
    expect(simulator).toBeNull();
    expect(problems[0]!.path).toContain('__proto__');
  });

  it('webhooks.verify with a header that is not a string is a clear invalid_request, not an internal error', () => {
    const sim = createSimulator({ startTime: START });
    for (const header of [42, { t: 1 }, ['t=1']]) {
      let error: unknown;
      try {
        sim.call('webhooks.verify', ['{}', header]);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(MeterlabError);
      expect(error).toMatchObject({ code: 'parameter_invalid', param: 'signatureHeader' });
    }
    // A missing header still says which header to pass.
    expect(() => sim.webhooks.verify('{}', null)).toThrow(
      expect.objectContaining({ code: 'signature_missing' }),
    );
  });
});
