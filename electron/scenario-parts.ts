// A scenario's growing lists (invoices, events, journal, ledgers: SETTLING_LISTS) kept apart
// from the rest of its JSON, so that a save writes only what changed and a load parses and checks
// them a slice at a time.
//
// A list is stored as layers, each a list of operations applied to the list as the layers before
// left it: `keep` [from, to) of those elements, or `add` new ones, in order. A part file (JSON
// Lines, named by its SHA-256 like the usage files) holds one layer of every list it names: a
// base (every list from scratch), then segments; the workspace JSON's entry may hold one more
// layer inline (its `tail`), rewritten at every save. A save compares each live list with what
// the files hold, by identity: an element the files hold as settled (it never changes again) is
// kept by reference, everything else is added again. So the settled bulk is written once, and
// only the few elements that may still change (drafts, open invoices) are written at each save.
//
//   line 1   {"meterlabPart":1,"kind":"base"|"segment"}
//   then     {"k":"invoices","keep":[0,5000]} or {"k":"invoices","add":[...at most PAGE elements]}
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { SETTLED, SETTLING_LISTS } from '../core/resources/snapshot';
import type { SettlingList } from '../core/resources/snapshot';

export type ListOp =
  { k: SettlingList; keep: [number, number] } | { k: SettlingList; add: unknown[] };

/** A list as the part files hold it: its elements in order, and which had settled when written. */
export interface StoredList {
  elements: readonly unknown[];
  settled: Uint8Array;
}

export type StoredLists = Map<SettlingList, StoredList>;

const PART_VERSION = 1;
/** Elements per `add` line: a line is parsed in one go (64 invoices: about 150 KB, a ms or two). */
const PAGE = 64;

/** Thrown for a part file (or tail) that is damaged or does not fit the layers before it. */
export class PartError extends Error {
  override name = 'PartError';
}

const isSettled = (key: SettlingList, element: unknown): boolean =>
  (SETTLED[key] as (element: unknown) => boolean)(element);

/**
 * The operations that turn `stored` into `live`: runs of elements `stored` holds as settled,
 * kept; the rest added. Elements are compared by identity (a settled element is never changed in
 * place; one that is replaced or re-added is a new object).
 */
export function diffList(
  key: SettlingList,
  live: readonly unknown[],
  stored: StoredList | undefined,
): ListOp[] {
  const ops: ListOp[] = [];
  let runFrom = -1;
  let runTo = -1;
  let added: unknown[] = [];
  let position: Map<unknown, number> | null = null;
  let next = 0;
  const endRun = () => {
    if (runFrom >= 0) ops.push({ k: key, keep: [runFrom, runTo] });
    runFrom = -1;
  };
  const endAdd = () => {
    if (added.length > 0) ops.push({ k: key, add: added });
    added = [];
  };
  for (const element of live) {
    let at = -1;
    if (stored) {
      if (next < stored.elements.length && stored.elements[next] === element) at = next;
      else {
        // Out of step (events were pruned, a list was replaced): find it by identity.
        position ??= new Map(stored.elements.map((e, i) => [e, i]));
        at = position.get(element) ?? -1;
      }
    }
    if (at >= 0 && stored!.settled[at] === 1) {
      endAdd();
      if (runFrom >= 0 && runTo === at) runTo += 1;
      else {
        endRun();
        runFrom = at;
        runTo = at + 1;
      }
      next = at + 1;
    } else {
      endRun();
      added.push(element);
      if (at >= 0) next = at + 1;
    }
  }
  endRun();
  endAdd();
  return ops;
}

/** Whether `ops` leave `stored` as it is. */
export function unchanged(ops: ListOp[], stored: StoredList | undefined): boolean {
  const length = stored?.elements.length ?? 0;
  if (ops.length === 0) return length === 0;
  const [op] = ops;
  return ops.length === 1 && 'keep' in op! && op.keep[0] === 0 && op.keep[1] === length;
}

/** Counts the elements `ops` add. */
export const addedCount = (ops: ListOp[]) =>
  ops.reduce((sum, op) => sum + ('add' in op ? op.add.length : 0), 0);

/** Counts the settled elements `ops` add (the ones worth moving to a part file). */
export const settledAddedCount = (ops: ListOp[]) =>
  ops.reduce(
    (sum, op) => sum + ('add' in op ? op.add.filter((e) => isSettled(op.k, e)).length : 0),
    0,
  );

/**
 * The lists after one more layer (`ops`, of the lists it names); a keep that points outside the
 * list before, or an unknown list, is damage (PartError, saying where: `where`).
 */
export function* applyLayer(
  before: StoredLists,
  ops: unknown[],
  where: string,
  base: boolean,
): Generator<void, StoredLists> {
  const built = new Map<SettlingList, { elements: unknown[] }>();
  for (const op of ops) {
    if (typeof op !== 'object' || op === null)
      throw new PartError(`${where}: an entry is not an object`);
    const { k, keep, add } = op as { k?: unknown; keep?: unknown; add?: unknown };
    if (typeof k !== 'string' || !(SETTLING_LISTS as string[]).includes(k)) {
      throw new PartError(`${where}: it names no list Meterlab keeps apart (${JSON.stringify(k)})`);
    }
    const key = k as SettlingList;
    let target = built.get(key);
    if (!target) {
      target = { elements: [] };
      built.set(key, target);
    }
    if (Array.isArray(add) && keep === undefined) {
      for (const element of add) target.elements.push(element);
    } else if (Array.isArray(keep) && add === undefined && !base) {
      const [from, to] = keep as unknown[];
      const previous = before.get(key)?.elements ?? [];
      if (
        !Number.isSafeInteger(from) ||
        !Number.isSafeInteger(to) ||
        (from as number) < 0 ||
        (from as number) > (to as number) ||
        (to as number) > previous.length
      ) {
        throw new PartError(
          `${where}: it keeps ${key} [${String(from)}, ${String(to)}) of ${previous.length}`,
        );
      }
      for (let i = from as number; i < (to as number); i++) target.elements.push(previous[i]);
    } else {
      throw new PartError(`${where}: an entry of ${key} neither keeps nor adds elements`);
    }
    yield;
  }
  const after: StoredLists = base ? new Map() : new Map(before);
  for (const [key, { elements }] of built) {
    const settled = new Uint8Array(elements.length);
    for (let i = 0; i < elements.length; i++) settled[i] = isSettled(key, elements[i]) ? 1 : 0;
    after.set(key, { elements, settled });
  }
  return after;
}

/** What stored lists become once a layer of `ops` is written (the same as applyLayer, no checks). */
export function afterWrite(before: StoredLists, ops: ListOp[], base: boolean): StoredLists {
  const drained = applyLayer(before, ops, 'a layer being written', base);
  for (;;) {
    const next = drained.next();
    if (next.done) return next.value;
  }
}

export interface EncodedPart {
  chunks: Buffer[];
  bytes: number;
  sha256: string;
  /** Elements the file adds. */
  elements: number;
}

/** A part file of these operations, a line at a time (yielding between lines). */
export function* encodePartSteps(ops: ListOp[], base: boolean): Generator<void, EncodedPart> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  let elements = 0;
  const line = (value: unknown) => {
    const chunk = Buffer.from(`${JSON.stringify(value)}\n`);
    hash.update(chunk);
    chunks.push(chunk);
    bytes += chunk.length;
  };
  line({ meterlabPart: PART_VERSION, kind: base ? 'base' : 'segment' });
  for (const op of ops) {
    if ('keep' in op || op.add.length === 0) line(op);
    else {
      for (let from = 0; from < op.add.length; from += PAGE) {
        line({ k: op.k, add: op.add.slice(from, from + PAGE) });
        yield;
      }
      elements += op.add.length;
    }
  }
  return { chunks, bytes, sha256: hash.digest('hex'), elements };
}

/** Bytes read from a part file at a time. */
const READ_BYTES = 1024 * 1024;
/** Milliseconds of parsing between two yields to the event loop. */
const SLICE_MS = 20;

/**
 * The operations of a part file (`expected`: its size and content id, SHA-256), read a chunk at a
 * time and parsed a line at a time, yielding to the event loop between slices: a large file is
 * never held whole in memory nor parsed in one go. Its kind is checked too (a base or a segment).
 */
export async function readPart(
  path: string,
  expected: { sha256: string; bytes: number },
  base: boolean,
): Promise<unknown[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== expected.bytes) throw new PartError('it has the wrong size');
    const hash = createHash('sha256');
    const ops: unknown[] = [];
    let first = true;
    // The first problem of the content, told once the checksum says the file is as written (a
    // damaged file is told as damaged, whatever its damage broke).
    let problem: string | null = null;
    const line = (text: string) => {
      if (problem !== null) return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        problem = 'a line of it is not JSON';
        return;
      }
      if (!first) {
        ops.push(value);
        return;
      }
      first = false;
      const header = value as { meterlabPart?: unknown; kind?: unknown } | null;
      if (header?.meterlabPart !== PART_VERSION) {
        problem = 'it is not a Meterlab scenario part (bad first line)';
      } else if (header.kind !== (base ? 'base' : 'segment')) {
        problem = `it is a ${String(header.kind)} where a ${base ? 'base' : 'segment'} was expected`;
      }
    };
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    let rest = Buffer.alloc(0);
    let sliceStart = performance.now();
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      hash.update(data);
      const buffer = rest.length > 0 ? Buffer.concat([rest, data]) : data;
      let start = 0;
      for (let end = buffer.indexOf(0x0a, start); end !== -1; end = buffer.indexOf(0x0a, start)) {
        line(buffer.toString('utf8', start, end));
        start = end + 1;
        if (performance.now() - sliceStart >= SLICE_MS) {
          await setImmediate();
          sliceStart = performance.now();
        }
      }
      // The chunk is read into again: keep a copy of the unfinished line.
      rest = Buffer.from(buffer.subarray(start));
    }
    if (hash.digest('hex') !== expected.sha256) {
      throw new PartError(
        'it holds different content than the workspace refers to (it was damaged)',
      );
    }
    if (rest.length > 0) line(rest.toString('utf8'));
    if (problem !== null) throw new PartError(problem);
    if (first) throw new PartError('it is empty');
    return ops;
  } finally {
    await handle.close();
  }
}
