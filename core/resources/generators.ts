// Usage generators: seeded synthetic usage reported as the clock moves, either as usage records
// of a metered item or as meter events of a meter and customer.
import { invalidRequest } from '../values/errors';
import { makeId } from '../values/ids';
import { copy } from '../values/json';
import { dailySeries, parseGeneratorSpec, previewRecords } from '../rules/generators';
import type {
  AnyGenerator,
  GeneratorSpec,
  MeterEventGenerator,
  MeterEventsTarget,
  UsageGenerator,
} from '../public/types';
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
import { syncMeterGenerators } from './meters';

/** FNV-1a of the id: a generator's default seed, fixed by its id. */
function seedFromId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The next counter-made generator id not taken (a replayed file may hold explicit ids). */
function freeGeneratorId(state: ScenarioState): string {
  let id = makeId('gen', state.data.seed, state.data.generatorCounter);
  for (let n = state.data.generatorCounter + 1; generatorExists(state, id); n++) {
    id = makeId('gen', state.data.seed, n);
  }
  return id;
}

function generatorExists(state: ScenarioState, id: string): boolean {
  return state.generated.hasGenerator(id) || state.meterGenerators.find(id) !== undefined;
}

type CreateArgs = {
  meterEvents?: {
    eventName: string;
    customer: string;
    uniqueValues?: { count: number; payloadKey?: string };
  };
};

/** The meter and customer a meter event generator sends to, checked as an event would be. */
function meterTarget(
  state: ScenarioState,
  args: NonNullable<CreateArgs['meterEvents']>,
): MeterEventsTarget {
  const meter = state.meterOfEvent(args.eventName);
  if (!meter) {
    throw invalidRequest(
      'no_meter',
      'meterEvents.eventName',
      `No meter has the event name '${args.eventName}': create one with billing.meters.create, or check the spelling.`,
    );
  }
  if (meter.status !== 'active') {
    throw invalidRequest(
      'archived_meter',
      'meterEvents.eventName',
      `Meter ${meter.id} for '${args.eventName}' is inactive and takes no events: reactivate it first.`,
    );
  }
  state.customer(args.customer, 'meterEvents.customer');
  const valueKey = meter.valueSettings.eventPayloadKey;
  // NOTE: a unique_count meter's generated events carry ids drawn from a pool of distinct values.
  if (meter.defaultAggregation.formula !== 'unique_count') {
    if (args.uniqueValues) {
      throw invalidRequest(
        'parameter_invalid',
        'meterEvents.uniqueValues',
        `Meter ${meter.id} aggregates with ${meter.defaultAggregation.formula}, not unique_count: remove uniqueValues (each record's quantity is the event's value).`,
      );
    }
    return { eventName: meter.eventName, customer: args.customer, uniqueValues: null };
  }
  if (!args.uniqueValues) {
    throw invalidRequest(
      'parameter_missing',
      'meterEvents.uniqueValues',
      `Meter ${meter.id} counts distinct values: pass uniqueValues: { count } (how many distinct ids the events draw from).`,
    );
  }
  const payloadKey = args.uniqueValues.payloadKey ?? valueKey;
  if (payloadKey !== valueKey) {
    throw invalidRequest(
      'parameter_invalid',
      'meterEvents.uniqueValues.payloadKey',
      `Meter ${meter.id} reads its distinct values at '${valueKey}': use that payload key, or leave it out.`,
    );
  }
  return {
    eventName: meter.eventName,
    customer: args.customer,
    uniqueValues: { count: args.uniqueValues.count, payloadKey },
  };
}

function createMeterGenerator(
  state: ScenarioState,
  target: MeterEventsTarget,
  input: Omit<GeneratorSpec, 'seed'> & { seed?: number },
  id: string,
): MeterEventGenerator {
  const spec = parseGeneratorSpec(
    { ...input, seed: input.seed ?? seedFromId(id), start: input.start ?? state.now },
    'spec',
  );
  if (spec.start! < state.now) {
    throw invalidRequest(
      'timestamp_backdated',
      'spec.start',
      `A generator sends its events live, so it cannot start at ${spec.start}, before the clock (${state.now}). Leave start out to begin now.`,
    );
  }
  const generator: MeterEventGenerator = {
    id,
    object: 'meter_event_generator',
    meterEvents: target,
    spec,
    status: 'active',
    created: state.now,
  };
  state.data.generatorCounter += 1;
  state.meterGenerators.add(generator);
  state.data.billing.meterGenerators = state.meterGenerators.stored;
  // The event at the start slot, when it is now, is sent at once.
  syncMeterGenerators(state, state.now + 1);
  return copy(generator);
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
    journal: (generator: AnyGenerator) => ({
      args: [
        generator.object === 'usage_generator'
          ? { subscriptionItem: generator.subscriptionItem, spec: generator.spec, id: generator.id }
          : {
              meterEvents: {
                eventName: generator.meterEvents.eventName,
                customer: generator.meterEvents.customer,
                ...(generator.meterEvents.uniqueValues
                  ? { uniqueValues: generator.meterEvents.uniqueValues }
                  : {}),
              },
              spec: generator.spec,
              id: generator.id,
            },
      ],
      result: generator.id,
    }),
    run: (state, [args]): AnyGenerator => {
      if ((args.subscriptionItem === undefined) === (args.meterEvents === undefined)) {
        throw invalidRequest(
          'parameter_invalid',
          'subscriptionItem',
          'Pass either subscriptionItem (the generator reports usage records) or meterEvents (it sends meter events), one of the two.',
        );
      }
      const meterEvents = args.meterEvents ? meterTarget(state, args.meterEvents) : null;
      const target = meterEvents ? null : usageTarget(state, args.subscriptionItem!);
      if (args.id && generatorExists(state, args.id)) {
        throw invalidRequest(
          'resource_already_exists',
          'id',
          `A generator with id '${args.id}' already exists: choose another id or omit it.`,
        );
      }
      const id = args.id ?? freeGeneratorId(state);
      if (meterEvents) return createMeterGenerator(state, meterEvents, args.spec, id);
      // The default seed comes from the id, so it takes nothing from the scenario's random state.
      const seed = args.spec.seed ?? seedFromId(id);
      const spec = parseGeneratorSpec(
        { ...args.spec, seed, start: args.spec.start ?? state.now },
        'spec',
      );
      if (spec.start! < target!.span.from) {
        throw invalidRequest(
          'timestamp_backdated',
          'spec.start',
          `A generator reports live, so it cannot start at ${spec.start}, before ${target!.span.from} (the start of the item's open period). Leave start out to begin now.`,
        );
      }
      const generator: UsageGenerator = {
        id,
        object: 'usage_generator',
        subscriptionItem: target!.item.id,
        spec,
        status: 'active',
        created: state.now,
      };
      state.data.generatorCounter += 1;
      state.generated.add(generator, state.writableColumns(target!.item.id));
      return copy(generator);
    },
  }),
  list: method({
    params: [param('', generatorListArgs)],
    mutates: false,
    run: (state, [args]) => {
      const all: AnyGenerator[] = args?.subscriptionItem
        ? state.generated.list().filter((g) => g.subscriptionItem === args.subscriptionItem)
        : [...state.generated.list(), ...state.meterGenerators.list()];
      // Oldest first by creation (stable, so each kind keeps its own order), then newest first.
      all.sort((a, b) => a.created - b.created);
      return list(all.reverse(), args);
    },
  }),
  /** Stops a generator: it reports nothing more; what it reported stays. */
  stop: method({
    params: [param('id', objectIdOf)],
    mutates: true,
    journal: 'arguments',
    run: (state, [id]): AnyGenerator => {
      const meterGenerator = state.meterGenerators.find(id);
      if (meterGenerator) {
        meterGenerator.status = 'stopped'; // its events up to the clock were sent already
        return copy(meterGenerator);
      }
      const entry = state.generated.find(id);
      state.columns(entry.generator.subscriptionItem); // report everything up to now first
      state.willChange(entry).generator = { ...entry.generator, status: 'stopped' };
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
