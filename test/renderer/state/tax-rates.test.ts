import { describe, expect, it } from 'vitest';
import type { TaxRate } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { describeTaxRate, TaxRatesState } from '../../../renderer/state/tax-rates.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

function setup(create: (args: unknown) => TaxRate) {
  const transport = new FakeTransport()
    .on('taxRates.create', create as never)
    .on('workspace.current', () => null);
  return { transport, rates: new TaxRatesState(new AppState(createApiClient(transport))) };
}

describe('TaxRatesState', () => {
  it('sends an inclusive 7.5% rate with its display name and country', async () => {
    const { transport, rates } = setup(() => ({ id: 'txr_1' }) as TaxRate);
    Object.assign(rates.form, {
      displayName: ' MwSt ',
      percentage: '7.5',
      inclusive: true,
      country: 'de',
    });
    await rates.create();
    expect(transport.callsOf('taxRates.create')).toEqual([
      [{ displayName: 'MwSt', percentage: 7.5, inclusive: true, country: 'DE' }],
    ]);
  });

  it('passes a percentage it cannot read to the engine and shows its answer at the field', async () => {
    const { transport, rates } = setup(() => {
      throw new EngineRefusal(
        'parameter_invalid',
        'percentage',
        'Invalid percentage: pass a number (got "19%").',
      );
    });
    rates.form.percentage = '19%';
    await rates.create();
    expect(transport.callsOf('taxRates.create')[0]).toEqual([
      { displayName: 'VAT', percentage: '19%', inclusive: false },
    ]);
    // 'percentage' is a plain word: the engine's own message reads as it is.
    expect(rates.form.issueFor('percentage')).toBe(
      'Invalid percentage: pass a number (got "19%").',
    );
    expect(rates.form.unplacedError).toBeNull();
  });

  it('asks for a name before calling the engine', async () => {
    const { transport, rates } = setup(() => ({ id: 'txr_1' }) as TaxRate);
    rates.form.displayName = ' ';
    await rates.create();
    expect(transport.callsOf('taxRates.create')).toEqual([]);
    expect(rates.form.issueFor('displayName')).toMatch(/give the rate a name/);
  });

  it('names a rate as the pickers show it', () => {
    expect(
      describeTaxRate({ displayName: 'VAT', percentage: 19, inclusive: false } as TaxRate),
    ).toBe('VAT 19% exclusive');
  });
});
