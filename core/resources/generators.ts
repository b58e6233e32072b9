// Usage generators: seeded synthetic usage on a metered item, reported as the clock moves.
import { invalidRequest } from '../values/errors';
import { makeId } from '../values/ids';
import { copy } from '../values/json';
import { dailySeries, parseGeneratorSpec, previewRecords } from '../rules/generators';
import type { UsageGenerator } from '../public/types';
import { method, param } from './entry';
import {
  generatorCreateArgs,
  generatorListArgs,
  generatorPreviewArgs,
  materializeArgs,
  objectIdOf,
} from './schemas';
import { list } from './state';
import type { ScenarioState } from './state';
import type { JournalEntry } from './snapshot';
import { usageTarget } from './usage';

/** FNV-1a of the id: a generator's default seed, fixed by its id. */
function seedFromId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The next counter-made generator id not taken (a replayed file may hold explicit ids). */
function freeGeneratorId(state: ScenarioState): string {
  let id = makeId('gen', state.data.seed, state.data.generatorCounter);
  for (let n = state.data.generatorCounter + 1; state.generated.hasGenerator(id); n++) {
    id = makeId('gen', state.data.seed, n);
  }
  return id;
}

/** A customers.createBatch journal entry without the generators in `removed`. */
function withoutBatchGenerators(entry: JournalEntry, removed: Set<string>): JournalEntry {
  const [args] = entry.args as [{ customers: { generators?: { id: string }[] }[] }];
  if (!args.customers.some((c) => c.generators?.some((g) => removed.has(g.id)))) return entry;
  const customers = args.customers.map((customer) =>
    customer.generators
      ? { ...customer, generators: customer.generators.filter((g) => !removed.has(g.id)) }
      : customer,
  );
  return { ...entry, args: [{ customers }] };
}

export const generators = {
  create: method({
    params: [param('', generatorCreateArgs)],
    mutates: true,
    // Checks everything before its first change: no checkpoint needed.
    atomic: true,
    // Journaled resolved (id, seed, start), so a replay makes exactly this generator.
    journal: (generator: UsageGenerator) => ({
      args: [
        { subscriptionItem: generator.subscriptionItem, spec: generator.spec, id: generator.id },
      ],
      result: generator.id,
    }),
    run: (state, [args]) => {
      const target = usageTarget(state, args.subscriptionItem);
      if (args.id && state.generated.hasGenerator(args.id)) {
        throw invalidRequest(
          'resource_already_exists',
          'id',
          `A generator with id '${args.id}' already exists: choose another id or omit it.`,
        );
      }
      const id = args.id ?? freeGeneratorId(state);
      // The default seed comes from the id, so it takes nothing from the scenario's random state.
      const seed = args.spec.seed ?? seedFromId(id);
      const spec = parseGeneratorSpec(
        { ...args.spec, seed, start: args.spec.start ?? state.now },
        'spec',
      );
      if (spec.start! < target.span.from) {
        throw invalidRequest(
          'timestamp_backdated',
          'spec.start',
          `A generator reports live, so it cannot start at ${spec.start}, before ${target.span.from} (the start of the item's open period). Leave start out to begin now.`,
        );
      }
      const generator: UsageGenerator = {
        id,
        object: 'usage_generator',
        subscriptionItem: target.item.id,
        spec,
        status: 'active',
        created: state.now,
      };
      state.data.generatorCounter += 1;
      state.generated.add(generator, state.writableColumns(target.item.id));
      return copy(generator);
    },
  }),
  list: method({
    params: [param('', generatorListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const found = state.generated
        .list()
        .filter((g) => !args?.subscriptionItem || g.subscriptionItem === args.subscriptionItem);
      return list(found.reverse(), args);
    },
  }),
  /** Stops a generator: it reports nothing more; what it reported stays. */
  stop: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]) => {
      const entry = state.generated.find(id);
      state.columns(entry.generator.subscriptionItem); // report everything up to now first
      entry.generator.status = 'stopped';
      return copy(entry.generator);
    },
  }),
  /** Keeps the item's generated records as stored records and removes its generators. */
  materialize: method({
    params: [param('', materializeArgs)],
    mutates: true,
    run: (state, [args]) => {
      const { item } = state.item(args.subscriptionItem);
      const columns = state.columns(item.id);
      const removed = new Set(state.generated.materialize(item.id).map((g) => g.id));
      // The records now stand as stored usage, so replaying the scenario must not generate them again.
      state.data.journal = state.data.journal
        .filter(
          (entry) =>
            !(entry.result && removed.has(entry.result)) &&
            !(entry.method === 'generators.stop' && removed.has(String(entry.args[0]))),
        )
        .map((entry) =>
          entry.method === 'customers.createBatch' ? withoutBatchGenerators(entry, removed) : entry,
        );
      return { subscriptionItem: item.id, timestamps: columns.length };
    },
  }),
  /** The first records and a per-day series of a spec, computed without touching state. */
  preview: method({
    params: [param('', generatorPreviewArgs)],
    mutates: false,
    run: (state, [args]) => {
      const spec = parseGeneratorSpec(
        { ...args.spec, seed: args.spec.seed ?? 1, start: args.spec.start ?? state.now },
        'spec',
      );
      return {
        records: previewRecords(spec, args.count ?? 200),
        daily: dailySeries(spec, args.days ?? 30),
      };
    },
  }),
};
