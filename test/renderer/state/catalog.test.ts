import { describe, expect, it } from 'vitest';
import type { QuotablePrice } from '../../../core/simulator/api';
import type { Quote } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CatalogState, PriceBuilder } from '../../../renderer/state/catalog.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

/** A stand-in quote: the fake only echoes the quantity; the renderer never prices anything. */
function echoQuote(price: string | QuotablePrice, quantity: number): Quote {
  const currency = typeof price === 'string' ? 'EUR' : price.currency;
  const explanation = {
    model: 'per_unit' as const,
    billedQuantity: quantity,
    steps: [],
    amountExact: String(quantity),
    amount: quantity,
    rounding: 'half_up' as const,
    summary: '',
  };
  return { currency, quantity, amount: quantity, amountExact: String(quantity), explanation };
}

describe('PriceBuilder', () => {
  it("builds the guide's metered price: EUR 0.002 per unit, summed monthly", () => {
    const builder = new PriceBuilder();
    builder.product = 'prod_1';
    expect(builder.args).toEqual({
      product: 'prod_1',
      currency: 'EUR',
      billingScheme: 'per_unit',
      unitAmountDecimal: '0.2',
      recurring: {
        interval: 'month',
        intervalCount: 1,
        usageType: 'metered',
        aggregateUsage: 'sum',
      },
    });
  });

  it('sends whole-unit amounts as unitAmount and package sizes as transformQuantity', () => {
    const builder = new PriceBuilder();
    builder.product = 'prod_1';
    builder.model = 'package';
    builder.amountParam = 'unitAmount';
    builder.amount = '500';
    builder.divideBy = '1000';
    builder.round = 'down';
    builder.usageType = 'licensed';
    expect(builder.args).toMatchObject({
      unitAmount: 500,
      transformQuantity: { divideBy: 1000, round: 'down' },
      recurring: { usageType: 'licensed' },
    });
    expect(builder.args.recurring).not.toHaveProperty('aggregateUsage');
    expect(builder.args).not.toHaveProperty('unitAmountDecimal');
  });

  it('sends tiers as typed, leaving a non-number upTo for the engine to name', () => {
    const builder = new PriceBuilder();
    builder.product = 'prod_1';
    builder.model = 'volume';
    builder.tiers[1]!.upTo = '10k';
    builder.tiers[1]!.flatAmountDecimal = '';
    expect(builder.args).toMatchObject({
      billingScheme: 'tiered',
      tiersMode: 'volume',
      tiers: [
        { upTo: 1000, unitAmountDecimal: '0' },
        { upTo: '10k', unitAmountDecimal: '0.2' },
        { upTo: 'inf', unitAmountDecimal: '0.1' },
      ],
    });
    expect(builder.args.tiers?.[1]).not.toHaveProperty('flatAmountDecimal');
  });

  it('drafts the other tiers mode for the comparison curve, and no product', () => {
    const builder = new PriceBuilder();
    builder.product = 'prod_1';
    builder.model = 'graduated';
    expect(builder.curveModes).toEqual(['graduated', 'volume']);
    expect(builder.draft('volume')).toMatchObject({ tiersMode: 'volume' });
    expect(builder.draft()).not.toHaveProperty('product');
  });

  it('samples both sides of every tier boundary, where volume jumps', () => {
    const builder = new PriceBuilder();
    builder.model = 'volume';
    const quantities = builder.curveQuantities;
    expect(builder.curveEnd).toBe(15000); // last finite upTo 10000 × 1.5
    expect(quantities).toEqual(expect.arrayContaining([0, 1000, 1001, 10000, 10001, 15000]));
    expect(quantities).toEqual([...quantities].sort((a, b) => a - b));
  });

  it('names a fractional unitAmount and a missing product before asking the engine', () => {
    const builder = new PriceBuilder();
    builder.amountParam = 'unitAmount';
    builder.amount = '0.5';
    expect(builder.localIssues.map((issue) => issue.param)).toEqual(['product', 'unitAmount']);
  });

  it('adds tiers before the inf tier and never removes the last one', () => {
    const builder = new PriceBuilder();
    builder.addTier();
    expect(builder.tiers.map((tier) => tier.upTo)).toEqual(['1000', '10000', '20000', 'inf']);
    for (const tier of [...builder.tiers]) builder.removeTier(tier.key);
    expect(builder.tiers).toHaveLength(1);
  });
});

describe('CatalogState', () => {
  function setup() {
    const transport = new FakeTransport();
    const app = new AppState(createApiClient(transport));
    const catalog = new CatalogState(app);
    catalog.builder.product = 'prod_1';
    return { transport, catalog };
  }

  it('quotes the draft for the probe and for each curve point', async () => {
    const { transport, catalog } = setup();
    transport.on('quote', echoQuote);
    await catalog.refreshQuotes();
    const quoted = transport.callsOf('quote').map(([, quantity]) => quantity);
    expect(quoted[0]).toBe(2500);
    expect(quoted.slice(1)).toEqual(catalog.builder.curveQuantities);
    expect(catalog.curve[0]!.points.at(-1)).toEqual({ x: 100, y: 100 });
    expect(catalog.draftError).toBeNull();
  });

  it("shows the engine's verdict on the draft at the field it names", async () => {
    const { transport, catalog } = setup();
    catalog.builder.model = 'graduated';
    transport.on('quote', () => {
      throw new EngineRefusal('tier_order', 'tiers[1].upTo', 'tiers[1].upTo must exceed 1000.');
    });
    await catalog.refreshQuotes();
    // In the form's words: the field's label, not the API's param path.
    expect(catalog.issueFor('tiers[1].upTo')).toBe('“Tier 2 up to” must exceed 1000.');
    expect(catalog.issueFor('tiers[0].upTo')).toBeNull();
    expect(catalog.unplacedError).toBeNull();
    expect(catalog.curve).toEqual([]);
  });

  it('keeps an error whose param has no field in the general error box', async () => {
    const { transport, catalog } = setup();
    transport.on('prices.create', () => {
      throw new EngineRefusal('product_not_found', 'product.owner', 'No such product.');
    });
    await catalog.createPrice();
    expect(catalog.unplacedError?.message).toBe('No such product.');
  });
});
