import { describe, expect, it } from 'vitest';
import { MeterlabError } from '../../../../core/values/errors';
import { generatorPatterns } from '../../../../core/public/descriptions';
import { parseGeneratorSpec, patternKinds } from '../../../../core/rules/generators';
import type { GeneratorSpec } from '../../../../core/rules/generators';
import { MONDAY } from './helpers';

/** The error parseGeneratorSpec throws for `value`. */
function rejection(value: unknown): MeterlabError {
  try {
    parseGeneratorSpec(value);
  } catch (error) {
    if (error instanceof MeterlabError) return error;
    throw error;
  }
  throw new Error('expected the spec to be rejected');
}

const poisson = { kind: 'poisson', meanPerHour: 5 };
const valid = { pattern: poisson, seed: 7, action: 'increment', start: MONDAY };

describe('parseGeneratorSpec', () => {
  it('accepts a valid spec and returns it unchanged', () => {
    const spec: GeneratorSpec = {
      pattern: {
        kind: 'sum',
        components: [
          { kind: 'seats', initial: 3, max: 9, stepProbabilityPerHour: 0.1, maxStep: 1 },
          {
            kind: 'growth',
            mode: 'linear',
            ratePerDay: -0.5,
            base: {
              kind: 'seasonality',
              base: { kind: 'constant', perHour: 2 },
              daily: { peakHourUtc: 9, amplitude: 1 },
            },
          },
        ],
      },
      seed: 0xffffffff,
      action: 'set',
      start: MONDAY,
      end: MONDAY + 1,
      resolutionSeconds: 900,
    };
    expect(parseGeneratorSpec(structuredClone(spec))).toEqual(spec);
  });

  it('names the field of a nested bad value', () => {
    const error = rejection({
      ...valid,
      pattern: { kind: 'sum', components: [poisson, { kind: 'poisson', meanPerHour: -1 }] },
    });
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe('parameter_invalid');
    expect(error.param).toBe('pattern.components[1].meanPerHour');
    expect(error.message).toContain('at least 0');
  });

  it('lists the kinds when the kind is unknown', () => {
    const error = rejection({ ...valid, pattern: { kind: 'gaussian', mean: 3 } });
    expect(error.param).toBe('pattern.kind');
    for (const kind of patternKinds) expect(error.message).toContain(`"${kind}"`);
  });

  it('names missing and unknown fields', () => {
    expect(rejection({ ...valid, seed: undefined }).code).toBe('parameter_missing');
    expect(rejection({ ...valid, seed: undefined }).param).toBe('seed');
    expect(rejection({ ...valid, pattern: { ...poisson, mean: 3 } }).param).toBe('pattern.mean');
  });

  it.each([
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 32 }, 'seed'],
    [{ seed: 1.5 }, 'seed'],
    [{ action: 'replace' }, 'action'],
    [{ start: 2 ** 32 }, 'start'],
    [{ end: MONDAY }, 'end'],
    [{ resolutionSeconds: 7 * 3600 }, 'resolutionSeconds'],
    [{ resolutionSeconds: 30 }, 'resolutionSeconds'],
  ])('rejects %j at %s', (change, param) => {
    expect(rejection({ ...valid, ...change }).param).toBe(param);
  });

  it('checks each pattern kind', () => {
    const season = { kind: 'seasonality', base: poisson };
    const seats = { kind: 'seats', initial: 5, stepProbabilityPerHour: 0.1, maxStep: 1 };
    const cases: [unknown, string][] = [
      [{ kind: 'constant', perHour: Infinity }, 'pattern.perHour'],
      [{ kind: 'growth', base: poisson, mode: 'linear', ratePerDay: -1 }, 'pattern.ratePerDay'],
      [{ kind: 'growth', base: poisson, mode: 'cubic', ratePerDay: 1 }, 'pattern.mode'],
      [{ ...season, daily: { peakHourUtc: 24, amplitude: 0.5 } }, 'pattern.daily.peakHourUtc'],
      [{ ...season, daily: { peakHourUtc: 3, amplitude: 1.5 } }, 'pattern.daily.amplitude'],
      [{ ...season, weekly: { weights: [1, 1, 1] } }, 'pattern.weekly.weights'],
      [{ ...season, weekly: { weights: [0, 0, 0, 0, 0, 0, 0] } }, 'pattern.weekly.weights'],
      [{ ...season, weekly: { weights: [1, 1, 1, 1, 1, 1, -1] } }, 'pattern.weekly.weights[6]'],
      [season, 'pattern.daily'],
      [
        { kind: 'bursts', base: poisson, probabilityPerHour: 2, multiplier: 3, durationHours: 1 },
        'pattern.probabilityPerHour',
      ],
      [
        { kind: 'bursts', base: poisson, probabilityPerHour: 0.1, multiplier: 3, durationHours: 0 },
        'pattern.durationHours',
      ],
      [{ kind: 'sum', components: [] }, 'pattern.components'],
      [{ ...seats, maxStep: 0 }, 'pattern.maxStep'],
      [{ ...seats, min: 6 }, 'pattern.initial'],
      [{ ...seats, max: 4 }, 'pattern.initial'],
      [{ ...seats, min: 6, max: 4 }, 'pattern.max'],
    ];
    for (const [pattern, param] of cases) {
      const action = (pattern as { kind: string }).kind === 'seats' ? 'set' : 'increment';
      expect(rejection({ ...valid, action, pattern }).param, JSON.stringify(pattern)).toBe(param);
    }
  });

  it('keeps seats out of rate modifiers and out of increment specs', () => {
    const seats = { kind: 'seats', initial: 5, stepProbabilityPerHour: 0.1, maxStep: 1 };
    const scaled = rejection({
      ...valid,
      action: 'set',
      pattern: {
        kind: 'sum',
        components: [poisson, { kind: 'growth', mode: 'linear', ratePerDay: 1, base: seats }],
      },
    });
    expect(scaled.param).toBe('pattern.components[1].base');
    expect(scaled.message).toContain('sum');
    const counted = rejection({ ...valid, action: 'increment', pattern: seats });
    expect(counted.param).toBe('action');
    expect(counted.message).toContain("'set'");
  });

  it('limits the size of a spec', () => {
    const components = Array.from({ length: 16 }, () => ({
      kind: 'sum',
      components: [poisson, poisson, poisson, poisson],
    }));
    expect(rejection({ ...valid, pattern: { kind: 'sum', components } }).param).toBe('pattern');
  });

  it('offers valid defaults for every pattern kind', () => {
    expect(Object.keys(generatorPatterns).sort()).toEqual([...patternKinds].sort());
    for (const kind of patternKinds) {
      const { defaults, title, description } = generatorPatterns[kind];
      expect(defaults.kind).toBe(kind);
      expect(title.length).toBeGreaterThan(0);
      expect(description.length).toBeGreaterThan(0);
      const action = kind === 'seats' ? 'set' : 'increment';
      expect(() => parseGeneratorSpec({ pattern: defaults, seed: 1, action })).not.toThrow();
    }
  });
});
