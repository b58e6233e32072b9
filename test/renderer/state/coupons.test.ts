import { describe, expect, it } from 'vitest';
import type { Coupon } from '../../../core/public/types';
import { createApiClient } from '../../../renderer/api/client';
import { AppState } from '../../../renderer/state/app.svelte';
import { CouponsState, describeCoupon } from '../../../renderer/state/coupons.svelte';
import { EngineRefusal, FakeTransport } from '../fake-transport';

function setup(create: (args: unknown) => Coupon) {
  const transport = new FakeTransport()
    .on('coupons.create', create as never)
    .on('coupons.list', () => ({ object: 'list', data: [], hasMore: false }))
    .on('workspace.current', () => null);
  return { transport, coupons: new CouponsState(new AppState(createApiClient(transport))) };
}

const made = { id: 'cpn_1' } as Coupon;

describe('CouponsState', () => {
  it('sends a 3-month 20% coupon as percentOff, repeating, durationInMonths', async () => {
    const { transport, coupons } = setup(() => made);
    const form = coupons.form;
    form.percentOff = '20';
    form.duration = 'repeating';
    form.months = '3';
    form.name = ' Launch ';
    expect(await coupons.create()).toEqual(made);
    expect(transport.callsOf('coupons.create')).toEqual([
      [{ percentOff: 20, duration: 'repeating', durationInMonths: 3, name: 'Launch' }],
    ]);
    expect(form.name).toBe('');
  });

  it('sends EUR 5.00 off once as 500 minor units with its currency', async () => {
    const { transport, coupons } = setup(() => made);
    const form = coupons.form;
    form.kind = 'amount';
    form.amountOff = '5.00';
    form.currency = 'EUR';
    await coupons.create();
    expect(transport.callsOf('coupons.create')).toEqual([
      [{ amountOff: 500, currency: 'EUR', duration: 'once' }],
    ]);
  });

  it('names an amount it cannot read at its field once submitted, without asking the engine', async () => {
    const { transport, coupons } = setup(() => made);
    const form = coupons.form;
    form.kind = 'amount';
    form.amountOff = '5.001';
    expect(form.issueFor('amountOff')).toBeNull(); // nothing red before a submit
    expect(await coupons.create()).toBeUndefined();
    expect(transport.callsOf('coupons.create')).toEqual([]);
    expect(form.issueFor('amountOff')).toBe(
      'Amount off: enter an amount in EUR such as 5.00, with at most 2 decimals.',
    );
  });

  it("shows the engine's refusal of 101% at the percent field, in the form's words", async () => {
    const { coupons } = setup(() => {
      throw new EngineRefusal(
        'invalid_coupon',
        'percentOff',
        'Invalid percentOff 101: pass a percentage above 0 and at most 100, with at most 2 decimal places.',
      );
    });
    coupons.form.percentOff = '101';
    expect(await coupons.create()).toBeUndefined();
    expect(coupons.form.issueFor('percentOff')).toBe(
      'Invalid “Percent off” 101: pass a percentage above 0 and at most 100, with at most 2 decimal places.',
    );
    expect(coupons.form.issueFor('durationInMonths')).toBeNull();
    expect(coupons.form.unplacedError).toBeNull();
    coupons.form.edited();
    expect(coupons.form.issueFor('percentOff')).toBeNull();
  });

  it('shows a refusal that names no field of the form above the button', async () => {
    const { coupons } = setup(() => {
      throw new EngineRefusal('internal_error', null, 'An unexpected error.');
    });
    await coupons.create();
    expect(coupons.form.unplacedError?.code).toBe('internal_error');
  });

  it('describes coupons as the lists show them', () => {
    const coupon = (fields: Partial<Coupon>) =>
      ({
        percentOff: null,
        amountOff: null,
        currency: null,
        durationInMonths: null,
        ...fields,
      }) as Coupon;
    expect(
      describeCoupon(coupon({ percentOff: 20, duration: 'repeating', durationInMonths: 3 })),
    ).toBe('20% off, 3 months');
    expect(describeCoupon(coupon({ amountOff: 500, currency: 'EUR', duration: 'once' }))).toBe(
      'EUR 5.00 off, once',
    );
  });
});
