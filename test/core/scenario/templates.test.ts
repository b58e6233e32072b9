import { describe, expect, it } from 'vitest';
import { parseScenarioFile } from '../../../core/scenario/format';
import { replayScenario } from '../../../core/scenario/replay';
import { templateCatalog, templateFilesById } from '../../../core/scenario/templates';
import { createSimulator } from '../../../core/simulator';
import { Workspace } from '../../../core/workspace';
import { MemoryWorkspaceStore } from '../../../core/workspace-store';
import { buildTemplate, templates } from '../../../electron/scripts/make-templates';
import { GOLDEN_UNTIL } from '../../../electron/scripts/update-golden';
import { billingState } from './helpers';

describe('the shipped templates', () => {
  it('lists the five templates the UI offers', () => {
    expect(templateCatalog.list().map(({ id, name }) => [id, name])).toEqual([
      ['api-calls', 'API calls, EUR 0.002 each'],
      ['seats-last-during-period', 'Seats with last_during_period'],
      ['peak-connections-max', 'Peak connections with max'],
      ['graduated-free-allowance', 'Graduated tiers with a free allowance'],
      ['teach-strategies', 'Teach: one usage stream, three strategies'],
    ]);
    for (const template of templateCatalog.list()) expect(template.description).not.toBe('');
  });

  it.each(templates.map((template) => [template.id, template] as const))(
    '%s: the shipped file is what its recipe builds today, and replays to the same state',
    (id, template) => {
      const { simulator, file } = buildTemplate(template);
      const shipped = templateFilesById[id];
      expect(shipped).toEqual(JSON.parse(JSON.stringify(file)));
      const replayed = replayScenario(shipped);
      expect(billingState(replayed)).toEqual(billingState(simulator));
      replayed.testClock.advance({ frozenTime: GOLDEN_UNTIL });
      simulator.testClock.advance({ frozenTime: GOLDEN_UNTIL });
      expect(billingState(replayed)).toEqual(billingState(simulator));
    },
  );

  it('has only generator specs, not generated records, in the peak connections file', () => {
    const parsed = parseScenarioFile(templateFilesById['peak-connections-max']);
    if (!('file' in parsed)) throw new Error('the template does not parse');
    expect(parsed.file.calls.filter((call) => call.method === 'generators.create')).toHaveLength(1);
    // The one launch-day spike reported by hand.
    expect(Object.values(parsed.file.usage)).toEqual([
      { timestamps: [Date.UTC(2025, 2, 14, 15, 30) / 1000], values: [160] },
    ]);
  });

  it("bills the guide's EUR 36.84 when the api-calls period is advanced", () => {
    const sim = createSimulator({ snapshot: templateCatalog.build('api-calls', 1) });
    const subscription = sim.subscriptions.list().data[0]!;
    expect(
      sim.usageRecords.summaries({ subscriptionItem: subscription.items.data[0]!.id }).data[0],
    ).toMatchObject({ totalUsage: 18_420, open: true });
    sim.testClock.advanceBillingPeriod({ subscription: subscription.id });
    const invoice = sim.invoices.list({ subscription: subscription.id }).data[0]!;
    // 18,420 calls x 0.2 cents = 3684 cents
    expect(invoice).toMatchObject({ total: 3684, status: 'paid', customer: 'cust_8aZ2' });
    expect(sim.events.list({ type: 'invoice.paid' }).data[0]!.data.id).toBe(invoice.id);
  });

  it('teaches three quantities from one stream', () => {
    const sim = createSimulator({ snapshot: templateCatalog.build('teach-strategies', 1) });
    const items = sim.subscriptions.list().data[0]!.items.data;
    const quantities = items.map(
      (item) => sim.usageRecords.summaries({ subscriptionItem: item.id }).data[0]!.totalUsage,
    );
    // seats 10, 14, 25, 17, 12: sum 78, max 25, last 12
    expect(quantities).toEqual([78, 25, 12]);
  });

  it('refuses an id it does not list', () => {
    expect(() => templateCatalog.build('nope', 1)).toThrow(/No template 'nope'/);
  });

  it('creates a workspace scenario from a template', async () => {
    const workspace = await Workspace.load({
      store: new MemoryWorkspaceStore(),
      now: () => 1_750_000_000_000,
      templates: templateCatalog,
    });
    expect(workspace.templates()).toHaveLength(5);
    const summary = workspace.create({ name: 'Class', template: 'graduated-free-allowance' });
    expect(summary).toMatchObject({ customers: 3, frozenTime: Date.UTC(2025, 2, 31, 12) / 1000 });
    expect(workspace.simulator!.prices.list().data).toHaveLength(1);
  });
});
