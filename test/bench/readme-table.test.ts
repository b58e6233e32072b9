import { describe, expect, it } from 'vitest';
import { describeFigure, formatValue, goalMet, goalRatio, type Figure } from '../../bench/report';
import {
  growthTable,
  performanceTable,
  replaceBetween,
  tableMarkers,
} from '../../bench/readme-table';

const fastForward: Figure = {
  id: 'fast-forward',
  label: 'fast-forward',
  value: 4500,
  unit: 'ms',
  records: 10_952_000,
  goal: { atMost: 2000 },
};
const ingest: Figure = {
  id: 'ingest',
  label: 'createBatch',
  value: 5_450_000,
  unit: 'records/s',
  goal: { atLeast: 3e6 },
  baseline: { label: 'one by one', value: 85_000 },
};

describe('bench figures and the README table made from them', () => {
  it('formats values with their unit and compares them with their goal both ways', () => {
    expect(formatValue(4500, 'ms')).toBe('4,500 ms');
    expect(formatValue(29_000, 'ms')).toBe('29 s');
    expect(formatValue(5_450_000, 'records/s')).toBe('5.45M records/s');
    expect(formatValue(1.68, 'GB/s')).toBe('1.68 GB/s');
    expect([goalMet(fastForward), goalRatio(fastForward)]).toEqual([false, 2.25]);
    expect([goalMet(ingest), goalRatio(ingest)?.toFixed(3)]).toEqual([true, '1.817']);
    expect(goalMet({ ...ingest, goal: undefined })).toBeNull();
    expect(describeFigure(ingest)).toBe(
      'createBatch: 5.45M records/s; goal ≥ 3M records/s: 1.82× of it, met; 64.1× one by one (85k records/s)',
    );
  });

  it('writes one table per script in the order npm run bench runs them', () => {
    const run = (script: string, figures: Figure[]) => ({
      script,
      machine: '2 CPU',
      started: '2026-12-01T20:22:00.000Z',
      loadAverage: 0.5,
      figures,
    });
    const table = performanceTable(
      { scripts: [run('bench/growth.ts', [ingest]), run('bench/bench.ts', [fastForward])] },
      ['bench/bench.ts', 'bench/growth.ts'],
    );
    expect(table.indexOf('`bench/bench.ts`, 2026-12-01 20:22 UTC on 2 CPU')).toBeLessThan(
      table.indexOf('`bench/growth.ts`'),
    );
    expect(table).toContain(
      '| fast-forward | 10,952,000 | 4,500 ms | ≤ 2,000 ms | 2.25× | **not met** |  |',
    );
    expect(table).toContain('| createBatch |  | 5.45M records/s | ≥ 3M records/s | 1.82× | met |');
  });

  it('replaces only the text between the markers, and refuses a README without them', () => {
    const readme = `before\n${tableMarkers[0]}\nold table\n${tableMarkers[1]}\nafter\n`;
    expect(replaceBetween(readme, tableMarkers, '| new |\n')).toBe(
      `before\n${tableMarkers[0]}\n\n| new |\n\n${tableMarkers[1]}\nafter\n`,
    );
    expect(() => replaceBetween('no markers', tableMarkers, 'x')).toThrow(/needs the markers/);
  });

  it('tables the growth curves, a failed size with its reason below', () => {
    const table = growthTable([
      {
        records: 1000,
        measurements: [{ phase: 'ingest', ms: 110, peakRss: 126 * 2 ** 20 }],
        diskBytes: 3 * 2 ** 20,
        failure: null,
      },
      { records: 1e8, measurements: [], diskBytes: 0, failure: 'load ended with code 1' },
    ]);
    expect(table).toContain('| 1,000 | 0.11 s, 126 MiB |  |  |  | 3 MiB |');
    expect(table).toContain('Failed at 100,000,000 records: load ended with code 1');
  });
});
