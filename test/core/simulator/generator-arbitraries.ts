// A fast-check arbitrary of generator specs (without their start), shared by the properties of
// generated usage records and generated meter events.
import fc from 'fast-check';
import type { GeneratorSpec, PatternSpec } from '../../../core/rules/generators';
import { HOUR } from './fixtures';

const ratePattern: fc.Arbitrary<PatternSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('constant' as const),
    perHour: fc.double({ min: 0, max: 50, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('poisson' as const),
    meanPerHour: fc.double({ min: 0, max: 40, noNaN: true }),
  }),
);
const seatsPattern: fc.Arbitrary<PatternSpec> = fc.record({
  kind: fc.constant('seats' as const),
  initial: fc.integer({ min: 0, max: 20 }),
  stepProbabilityPerHour: fc.double({ min: 0, max: 0.5, noNaN: true }),
  maxStep: fc.integer({ min: 1, max: 3 }),
});
export const anySpec: fc.Arbitrary<Omit<GeneratorSpec, 'start'>> = fc.oneof(
  fc.record({
    pattern: ratePattern,
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    action: fc.constant('increment' as const),
    resolutionSeconds: fc.constantFrom(3600, 4 * HOUR),
  }),
  fc.record({
    pattern: seatsPattern,
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    action: fc.constant('set' as const),
  }),
);
