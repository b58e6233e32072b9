import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  initialFiles,
  measureBundle,
  overBudget,
  UPDATE_COMMAND,
} from '../../../electron/scripts/bundle-budget';

const dir = mkdtempSync(path.join(tmpdir(), 'meterlab-bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the renderer bundle budget', () => {
  it('measures the page, scripts and styles of a build, raw and gzipped file by file', () => {
    mkdirSync(path.join(dir, 'assets'));
    const script = 'console.log("meterlab");\n'.repeat(200);
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), script);
    writeFileSync(path.join(dir, 'assets', 'style-abc.css'), 'body{margin:0}');
    writeFileSync(path.join(dir, 'assets', 'logo.svg'), '<svg/>'.repeat(100));
    const size = measureBundle(dir);
    expect(size.rawBytes).toBe(31 + script.length + 14);
    expect(size.gzipBytes).toBe(
      gzipSync('<!doctype html><title>x</title>').length +
        gzipSync(script).length +
        gzipSync('body{margin:0}').length,
    );
    expect(size.gzipBytes).toBeLessThan(size.rawBytes);
  });

  it('counts as the first screen what index.html loads and its static imports, not import()', () => {
    const split = mkdtempSync(path.join(tmpdir(), 'meterlab-bundle-split-'));
    try {
      mkdirSync(path.join(split, 'assets'));
      const html =
        '<script type="module" crossorigin src="./assets/index-a.js"></script>' +
        '<link rel="stylesheet" crossorigin href="./assets/style-a.css">';
      const entry = 'import{t as e}from"./shared-a.js";const v=()=>import("./View-a.js");e(v);';
      writeFileSync(path.join(split, 'index.html'), html);
      writeFileSync(path.join(split, 'assets', 'index-a.js'), entry);
      writeFileSync(path.join(split, 'assets', 'shared-a.js'), 'import"./index-a.js";export{}');
      writeFileSync(path.join(split, 'assets', 'View-a.js'), 'x'.repeat(5000));
      writeFileSync(path.join(split, 'assets', 'style-a.css'), 'body{margin:0}');
      expect(initialFiles(split).sort()).toEqual([
        'assets/index-a.js',
        'assets/shared-a.js',
        'assets/style-a.css',
        'index.html',
      ]);
      const size = measureBundle(split);
      expect(size.initial!.rawBytes).toBe(html.length + entry.length + 29 + 14);
      expect(size.rawBytes).toBe(size.initial!.rawBytes + 5000);
    } finally {
      rmSync(split, { recursive: true, force: true });
    }
  });

  const budget = { rawBytes: 400_000, gzipBytes: 130_000 };

  it('accepts growth up to 10% over the budget', () => {
    expect(overBudget({ rawBytes: 440_000, gzipBytes: 143_000 }, budget, 'budget.json')).toEqual(
      [],
    );
    expect(overBudget({ rawBytes: 300_000, gzipBytes: 100_000 }, budget, 'budget.json')).toEqual(
      [],
    );
  });

  it('fails a bundle more than 10% over, raw or gzipped, saying how to update the budget', () => {
    const raw = overBudget({ rawBytes: 440_001, gzipBytes: 130_000 }, budget, 'budget.json');
    expect(raw).toHaveLength(1);
    expect(raw[0]).toContain('440.0 kB raw, 10.0% over its budget of 400.0 kB in budget.json');
    expect(raw[0]).toContain(UPDATE_COMMAND);
    const initial = overBudget(
      { ...budget, initial: { rawBytes: 110_001, gzipBytes: 30_000 } },
      { ...budget, initial: { rawBytes: 100_000, gzipBytes: 30_000 } },
      'budget.json',
    );
    expect(initial).toHaveLength(1);
    expect(initial[0]).toContain("The renderer's first screen is 110.0 kB raw, 10.0% over");
    const both = overBudget({ rawBytes: 500_000, gzipBytes: 150_000 }, budget, 'budget.json');
    expect(both.map((message) => message.split(',')[0])).toEqual([
      'The renderer bundle is 500.0 kB raw',
      'The renderer bundle is 150.0 kB gzipped',
    ]);
  });
});
