// Scenario files carry billing meters and their events (format version 2).
import { describe, expect, it } from 'vitest';
import { invoiceLinesCsv } from '../../../core/scenario/exports';
import { parseScenarioFile } from '../../../core/scenario/format';
import { createSimulator } from '../../../core/simulator';
import {
  DAY,
  HOUR,
  MARCH_1,
  billingState,
  exportAsJson,
  guideScenario,
  roundTrip,
} from './helpers';

describe('scenario files with billing meters', () => {
  it('export -> import gives the same meter lines, identifiers taken and cancels', () => {
    const sim = createSimulator({ seed: 5, startTime: MARCH_1 });
    const meter = sim.billing.meters.create({
      displayName: 'Tokens',
      eventName: 'tokens',
      defaultAggregation: { formula: 'sum' },
    });
    sim.customers.create({ id: 'cust_T', name: 'T', paymentMethod: 'pm_card_visa' });
    const product = sim.products.create({ name: 'Tokens' });
    const price = sim.prices.create({
      product: product.id,
      currency: 'EUR',
      unitAmountDecimal: '0.5',
      recurring: { interval: 'month', usageType: 'metered', meter: meter.id },
    });
    const sub = sim.subscriptions.create({ customer: 'cust_T', items: [{ price: price.id }] });
    sim.billing.alerts.create({
      alertType: 'usage_threshold',
      title: 'Heavy',
      usageThreshold: { meter: meter.id, gte: 50, recurrence: 'one_time' },
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 2 * DAY });
    sim.billing.meterEvents.create({
      eventName: 'tokens',
      payload: { customer: 'cust_T', value: '12.5' },
      identifier: 'a',
    });
    sim.billing.meterEvents.createBatch({
      events: [
        { eventName: 'tokens', payload: { customer: 'cust_T', value: '40' } },
        { eventName: 'tokens', payload: { customer: 'cust_T', value: '7' }, identifier: 'b' },
      ],
    });
    sim.testClock.advance({ frozenTime: MARCH_1 + 2 * DAY + HOUR });
    sim.billing.meterEventAdjustments.create({
      eventName: 'tokens',
      type: 'cancel',
      cancel: { identifier: 'b' },
    });
    const file = exportAsJson(sim);
    expect(file.schemaVersion).toBe(2);
    expect(file.calls.map((call) => call.method)).toContain('billing.meterEvents.createBatch');
    const replayed = roundTrip(sim);
    expect(replayed.snapshot()).toEqual(sim.snapshot());
    expect(() =>
      replayed.billing.meterEvents.create({
        eventName: 'tokens',
        payload: { customer: 'cust_T', value: '1' },
        identifier: 'a',
      }),
    ).toThrow(/already exists/);
    for (const s of [sim, replayed]) s.testClock.advanceBillingPeriod({ subscription: sub.id });
    expect(billingState(replayed)).toEqual(billingState(sim));
    const [line] = sim.invoices.list({ subscription: sub.id }).data[0]!.lines.data;
    // 12.5 + 40 = 52.5 units at 0.5 = 26.25 -> 26.
    expect(line).toMatchObject({ quantityDecimal: '52.5', amountExact: '26.25', amount: 26 });
    expect(sim.events.list({ type: 'billing.alert.triggered' }).data).toHaveLength(1);
    // Exports keep the exact decimal quantity and name the meter's formula.
    const csv = invoiceLinesCsv(sim.invoices.list({ subscription: sub.id }).data, {
      customers: sim.customers.list().data,
    });
    expect(csv).toMatch(/,meter sum,52\.5,26,/);
  });

  it('migrates a version 1 file: it reads unchanged, as version 2', () => {
    const { sim } = guideScenario();
    const v2 = exportAsJson(sim);
    const parsed = parseScenarioFile({ ...v2, schemaVersion: 1 });
    expect(parsed).toEqual({ file: v2, migratedFrom: 1 });
  });
});
