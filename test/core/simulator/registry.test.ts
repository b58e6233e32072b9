import { describe, expect, it } from 'vitest';
import { methods } from '../../../core/dispatch';
import { REPLAYABLE_METHODS } from '../../../core/scenario/format';
import { createSimulator } from '../../../core/simulator';
import { arityOf, namespaces, registry } from '../../../core/simulator/registry';

describe('the method registry', () => {
  it('reaches every method through the public API', () => {
    const sim = createSimulator() as unknown as Record<string, unknown>;
    const at = (path: string) =>
      path.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], sim);
    for (const method of registry.keys()) expect(typeof at(method), method).toBe('function');
    // Namespaces nest: 'billing.meters.create' is sim.billing.meters.create.
    expect(Object.keys(namespaces.billing)).toEqual([
      'creditGrants',
      'creditBalanceSummary',
      'meters',
      'meterEvents',
      'meterEventAdjustments',
      'alerts',
    ]);
    expect(typeof at('billing.meters.create')).toBe('function');
    expect(registry.has('billing.meterEventAdjustments.create')).toBe(true);
    expect(registry.has('billing.creditGrants.create')).toBe(true);
    expect(typeof sim.quote).toBe('function');
  });

  it('is the engine part of dispatch: same names, same order, nothing else', () => {
    const engine = methods.filter((method) => !method.startsWith('workspace.'));
    expect(engine).toEqual([...registry.keys()]);
  });

  it('replays exactly the journaled methods, with their argument counts', () => {
    const journaled = [...registry].filter(([, entry]) => entry.journal !== undefined);
    expect([...REPLAYABLE_METHODS.keys()]).toEqual(journaled.map(([method]) => method));
    for (const [method, entry] of journaled) {
      expect(REPLAYABLE_METHODS.get(method), method).toBe(entry.params.length);
      expect(entry.mutates, `${method} is journaled, so it changes state`).toBe(true);
    }
  });

  it('runs each method by name with untrusted arguments, as dispatch and replay call it', () => {
    const sim = createSimulator();
    const product = sim.call('products.create', [{ name: 'API' }]) as { id: string };
    expect(sim.call('products.retrieve', [product.id])).toMatchObject({ name: 'API' });
    expect(() => sim.call('products.retrieve', [42])).toThrow(/Invalid id/);
    const entry = registry.get('usageRecords.create')!;
    expect(arityOf(entry)).toEqual([1, 2]);
    expect(arityOf(registry.get('testClock.retrieve')!)).toEqual([0, 0]);
    expect(sim.steps('testClock.advance', [{ frozenTime: 1740787300 }])).not.toBeNull();
    expect(sim.steps('products.list', [])).toBeNull();
  });

  it('journals creations with the id they made, and leaves reads out', () => {
    const sim = createSimulator();
    const product = sim.products.create({ name: 'API' });
    sim.products.list();
    expect(sim.snapshot().journal).toEqual([
      { at: 1740787200, method: 'products.create', args: [{ name: 'API' }], result: product.id },
    ]);
  });
});
