import { describe, expect, it } from 'vitest';
import {
  PoissonSampler,
  Sfc32,
  logFactorial,
  seededStream,
} from '../../../../core/rules/generators/random';

/** sfc32 as its author publishes it, on plain numbers, to check the typed-array version against. */
function referenceSfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

describe('Sfc32', () => {
  it('matches the reference sfc32 word for word', () => {
    const seeds: [number, number, number, number] = [0x9e3779b9, 0xdeadbeef, 12345, 0xffffffff];
    const reference = referenceSfc32(...seeds);
    const rng = new Sfc32(...seeds);
    const ours = Array.from({ length: 1000 }, () => rng.nextUint32());
    expect(ours).toEqual(Array.from({ length: 1000 }, reference));
  });

  it('continues the same sequence from its words', () => {
    const rng = seededStream(7, 3);
    for (let i = 0; i < 10; i += 1) rng.nextUint32();
    const copy = new Sfc32(...rng.words);
    for (let i = 0; i < 10; i += 1) expect(copy.nextUint32()).toBe(rng.nextUint32());
  });

  it('gives each seed and stream its own sequence', () => {
    const first = (seed: number, stream: number): number[] => {
      const rng = seededStream(seed, stream);
      return [rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
    };
    expect(first(1, 0)).toEqual(first(1, 0));
    expect(first(1, 0)).not.toEqual(first(2, 0));
    expect(first(1, 0)).not.toEqual(first(1, 1));
    expect(first(0, 0)).not.toEqual(first(0, 1));
  });

  it('draws uniforms inside (0, 1) with mean 1/2', () => {
    const rng = seededStream(11, 0);
    let total = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const u = rng.nextOpenUnit();
      if (!(u > 0 && u < 1)) outside += 1;
      total += u;
    }
    expect(outside).toBe(0);
    // Standard error sqrt(1/12 / 1e5) = 0.0009.
    expect(Math.abs(total / 100_000 - 0.5)).toBeLessThan(0.005);
  });
});

describe('logFactorial', () => {
  it('agrees with the sum of logarithms', () => {
    let exact = 0;
    let worst = 0;
    for (let k = 0; k <= 2000; k += 1) {
      if (k > 1) exact += Math.log(k);
      worst = Math.max(worst, Math.abs(logFactorial(k) - exact) / Math.max(1, exact));
    }
    expect(worst).toBeLessThan(1e-12);
  });
});

describe('PoissonSampler', () => {
  /** Mean, variance and the total variation distance from Poisson(mean) of `draws` draws. */
  function sample(mean: number, draws: number) {
    const sampler = new PoissonSampler(seededStream(5, 0));
    const counts = new Map<number, number>();
    let total = 0;
    let squares = 0;
    for (let i = 0; i < draws; i += 1) {
      const k = sampler.draw(mean);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      total += k;
      squares += k * k;
    }
    let distance = 0;
    for (let k = 0; k <= mean + 12 * Math.sqrt(mean) + 20; k += 1) {
      const probability = Math.exp(-mean + k * Math.log(mean) - logFactorial(k));
      distance += Math.abs((counts.get(k) ?? 0) / draws - probability);
    }
    const sampleMean = total / draws;
    return { sampleMean, variance: squares / draws - sampleMean ** 2, distance: distance / 2 };
  }

  // Both algorithms (inversion below 10, PTRS from 10) and the switch between them. Tolerances
  // are 5 standard errors: the mean's is sqrt(mean / n), the variance's sqrt((mean + 2 mean^2) / n).
  // The distance is the shape: sampling noise keeps it under 0.02 here, a wrong shape is far off.
  it.each([0.05, 1, 3, 9.99, 10, 31.7, 400])('draws Poisson(%d)', (mean) => {
    const draws = 40_000;
    const { sampleMean, variance, distance } = sample(mean, draws);
    expect(Math.abs(sampleMean - mean)).toBeLessThan(5 * Math.sqrt(mean / draws));
    expect(Math.abs(variance - mean)).toBeLessThan(5 * Math.sqrt((mean + 2 * mean * mean) / draws));
    expect(distance).toBeLessThan(0.03);
  });

  it('returns the same draws from its table as from a plain inversion search', () => {
    // A repeated small mean is drawn from a cached table: it must give exactly what searching
    // the cumulative probabilities from 0 gives for the same uniform, or a restored sampler
    // (whose table is gone) would continue differently.
    for (const mean of [0.02, 0.7, 3, 9.99]) {
      const sampler = new PoissonSampler(seededStream(9, 0));
      const uniforms = seededStream(9, 0);
      for (let i = 0; i < 20_000; i += 1) {
        const u = uniforms.nextOpenUnit();
        let probability = Math.exp(-mean);
        let cumulative = probability;
        let k = 0;
        while (u > cumulative) {
          k += 1;
          probability *= mean * (1 / k);
          cumulative += probability;
        }
        if (sampler.draw(mean) !== k) throw new Error(`mean ${mean}, draw ${i}: expected ${k}`);
      }
    }
  });

  it('draws many at one mean exactly as one at a time, whichever algorithm the mean takes', () => {
    for (const means of [[0], [0.05, 0.05], [3], [31.7, 2, 31.7], [63.99], [64], [400, 9]]) {
      const batched = new PoissonSampler(seededStream(7, 0));
      const single = new PoissonSampler(seededStream(7, 0));
      for (const mean of means) {
        const out = new Float64Array(1000);
        batched.drawMany(mean, 1000, out);
        for (let i = 0; i < 1000; i += 1) {
          const k = single.draw(mean);
          if (out[i] !== k) throw new Error(`mean ${mean}, draw ${i}: ${out[i]} instead of ${k}`);
        }
      }
      expect(batched.rng.words).toEqual(single.rng.words);
    }
  });

  it('draws 0 for a mean of 0', () => {
    const sampler = new PoissonSampler(seededStream(5, 0));
    expect(sampler.draw(0)).toBe(0);
  });
});
