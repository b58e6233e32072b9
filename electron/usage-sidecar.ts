// The binary sidecar that holds a scenario's usage columns beside the workspace JSON, so the JSON
// stays small and saves stay fast. Little-endian; one file per distinct content, named by its
// SHA-256, so a file is never rewritten in place and the JSON refers to it by content.
//
// Version 1 holds whole columns (a base). Version 2 is a segment: each entry also has `from`, and
// replaces its item's columns from that index on (an append is a segment from the old length), so
// a save writes only what changed since the last one; the workspace JSON lists a scenario's base
// and then its segments, applied in order (joinUsage). Versions 3 (base) and 4 (segment) are 1 and
// 2 with each entry's `valueType`: "uint32" (4-byte values, as UsageColumns holds values that fit)
// or "float64"; versions 1 and 2 hold float64 values (read back as Uint32 when they all fit).
//
//   offset  size  field
//   0       8     magic "MLUSAGE\0"
//   8       4     format version (1 base, 2 segment)
//   12      4     number of columns pairs (entries)
//   16      4     byte length of the index
//   20      4     reserved, 0
//   24      32    SHA-256 of every byte from offset 56 to the end
//   56      ...   index: UTF-8 JSON [{ key, count, timestamps, values, from?, valueType }]
//                 (byte offsets)
//   ...           per entry, 8-byte aligned: count Uint32 timestamps, then count values
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { BulkColumns } from '../core/resources/snapshot';
import { narrowed } from '../core/rules/usage/columns';
import type { UsageValues } from '../core/rules/usage/columns';

const MAGIC = Buffer.from('MLUSAGE\0', 'latin1');
/** The versions written (typed values); 1 and 2 (float64 values) are still read. */
const FORMAT_VERSION = 3;
const SEGMENT_VERSION = 4;
const FLOAT64_VERSIONS: Record<number, boolean> = { 1: false, 2: true };
const TYPED_VERSIONS: Record<number, boolean> = {
  [FORMAT_VERSION]: false,
  [SEGMENT_VERSION]: true,
};
const HEADER_BYTES = 56;
/** Bytes hashed in one step of the stepwise encode and decode (a few ms); each copy is a step. */
const STEP_BYTES = 8 * 1024 * 1024;

interface IndexEntry {
  key: string;
  count: number;
  timestamps: number;
  values: number;
  from?: number;
  /** Absent in versions 1 and 2 (float64). */
  valueType?: 'uint32' | 'float64';
}

/** Columns that replace an item's usage from index `from` on (a segment); 0 or none: whole. */
export interface UsagePart extends BulkColumns {
  from?: number;
}

/** One entry of a decoded file. */
export interface DecodedPart {
  key: string;
  from: number;
  timestamps: Uint32Array;
  values: UsageValues;
}

/** Runs stepwise work to its end in one go. */
function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** SHA-256 of `bytes`, a step of STEP_BYTES at a time. */
function* sha256Steps(bytes: Uint8Array): Generator<void, Buffer> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += STEP_BYTES) {
    hash.update(bytes.subarray(offset, offset + STEP_BYTES));
    yield;
  }
  return hash.digest();
}

export interface EncodedUsage {
  bytes: Buffer;
  /** SHA-256 of the file's payload, hex: the content id the workspace JSON refers to. */
  sha256: string;
}

/** Thrown for a sidecar that is damaged or does not match the workspace that refers to it. */
export class SidecarError extends Error {
  override name = 'SidecarError';
}

function assertLittleEndianHost(): void {
  // Typed arrays use the host's byte order; every platform Electron ships on is little-endian.
  if (endianness() !== 'LE') throw new SidecarError('Meterlab needs a little-endian machine.');
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

export function encodeUsage(bulk: Record<string, BulkColumns>): EncodedUsage {
  return drain(encodeUsageSteps(bulk));
}

/**
 * encodeUsage a step at a time (yielding after each few megabytes copied or hashed), so a host can
 * answer between steps. With `segment`, the file is a version 2 segment (entries keep `from`).
 */
export function* encodeUsageSteps(
  bulk: Record<string, UsagePart>,
  segment = false,
): Generator<void, EncodedUsage> {
  assertLittleEndianHost();
  const keys = Object.keys(bulk).sort();
  // Offsets depend on the index length and the index holds offsets: size it with the largest
  // offsets first, then pad the index to that size.
  const draft = (start: number) => {
    let offset = start;
    const entries: IndexEntry[] = keys.map((key) => {
      const { timestamps, values } = bulk[key]!;
      if (timestamps.length !== values.length) {
        throw new SidecarError(
          `Usage of ${key} has ${timestamps.length} timestamps but ${values.length} values.`,
        );
      }
      const entry: IndexEntry = { key, count: timestamps.length, timestamps: offset, values: 0 };
      if (segment) entry.from = bulk[key]!.from ?? 0;
      entry.valueType = values instanceof Uint32Array ? 'uint32' : 'float64';
      offset = align8(offset + timestamps.byteLength);
      entry.values = offset;
      offset += values.byteLength;
      return entry;
    });
    return { entries, end: offset };
  };
  const probe = Buffer.byteLength(JSON.stringify(draft(Number.MAX_SAFE_INTEGER).entries));
  const dataStart = align8(HEADER_BYTES + probe);
  const { entries, end } = draft(dataStart);
  const index = Buffer.from(JSON.stringify(entries));

  const bytes = Buffer.alloc(end);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(segment ? SEGMENT_VERSION : FORMAT_VERSION, 8);
  bytes.writeUInt32LE(entries.length, 12);
  bytes.writeUInt32LE(dataStart - HEADER_BYTES, 16);
  index.copy(bytes, HEADER_BYTES);
  bytes.fill(0x20, HEADER_BYTES + index.length, dataStart); // pad the JSON index with spaces
  for (const entry of entries) {
    const { timestamps, values } = bulk[entry.key]!;
    Buffer.from(timestamps.buffer, timestamps.byteOffset, timestamps.byteLength).copy(
      bytes,
      entry.timestamps,
    );
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(bytes, entry.values);
    yield;
  }
  const sha256 = yield* sha256Steps(bytes.subarray(HEADER_BYTES));
  sha256.copy(bytes, 24);
  return { bytes, sha256: sha256.toString('hex') };
}

/** Reads a base sidecar (version 1), checking it as decodeUsageSteps does. */
export function decodeUsage(bytes: Buffer, expectedSha256: string): Record<string, BulkColumns> {
  const bulk: Record<string, BulkColumns> = Object.create(null) as Record<string, BulkColumns>;
  for (const { key, timestamps, values } of drain(decodeUsageSteps(bytes, expectedSha256, false)))
    bulk[key] = { timestamps, values };
  return bulk;
}

/**
 * Reads a sidecar a step at a time, checking its header, checksum, index bounds and the expected
 * content id; `segment`: whether it must be a segment (version 2) or a base (version 1).
 */
export function* decodeUsageSteps(
  bytes: Buffer,
  expectedSha256: string,
  segment: boolean,
): Generator<void, DecodedPart[]> {
  assertLittleEndianHost();
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) {
    throw new SidecarError('it is not a Meterlab usage file (bad header)');
  }
  const version = bytes.readUInt32LE(8);
  const isSegment = FLOAT64_VERSIONS[version] ?? TYPED_VERSIONS[version];
  if (isSegment === undefined) {
    throw new SidecarError(
      `its format version ${version} is not one this Meterlab reads (1 to ${SEGMENT_VERSION})`,
    );
  }
  const typed = TYPED_VERSIONS[version] !== undefined;
  if (isSegment !== segment) {
    throw new SidecarError(
      segment
        ? 'it holds whole usage where a segment was expected'
        : 'it is a segment, not whole usage',
    );
  }
  const sha256 = (yield* sha256Steps(bytes.subarray(HEADER_BYTES))).toString('hex');
  if (sha256 !== bytes.subarray(24, HEADER_BYTES).toString('hex')) {
    throw new SidecarError('its checksum does not match its content (it was damaged)');
  }
  if (sha256 !== expectedSha256) {
    throw new SidecarError('it holds different usage than the workspace refers to');
  }
  const indexEnd = HEADER_BYTES + bytes.readUInt32LE(16);
  let entries: IndexEntry[];
  try {
    entries = JSON.parse(bytes.toString('utf8', HEADER_BYTES, indexEnd)) as IndexEntry[];
  } catch {
    throw new SidecarError('its index is not readable');
  }
  if (!Array.isArray(entries) || entries.length !== bytes.readUInt32LE(12)) {
    throw new SidecarError('its index does not list the columns its header counts');
  }
  const parts: DecodedPart[] = [];
  const keys = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) {
      throw new SidecarError('its index lists something other than columns');
    }
    const { key, count, timestamps, values } = entry;
    const from = segment ? entry.from : 0;
    const valueType = typed ? entry.valueType : 'float64';
    const valueBytes = valueType === 'uint32' ? 4 : 8;
    const fits = (offset: number, size: number) =>
      Number.isSafeInteger(offset) && offset >= indexEnd && offset + count * size <= bytes.length;
    if (
      typeof key !== 'string' ||
      !Number.isSafeInteger(count) ||
      count < 0 ||
      !fits(timestamps, 4) ||
      (valueType !== 'uint32' && valueType !== 'float64') ||
      !fits(values, valueBytes) ||
      values % 8 !== 0 ||
      !Number.isSafeInteger(from) ||
      from! < 0
    ) {
      throw new SidecarError(`its index entry for ${String(key)} points outside the file`);
    }
    if (keys.has(key)) throw new SidecarError(`its index lists ${key} twice`);
    keys.add(key);
    parts.push({
      key,
      from: from!,
      timestamps: new Uint32Array(copyOut(bytes, timestamps, count * 4)),
      values:
        valueType === 'uint32'
          ? new Uint32Array(copyOut(bytes, values, count * 4))
          : typed
            ? new Float64Array(copyOut(bytes, values, count * 8))
            : narrowed(new Float64Array(copyOut(bytes, values, count * 8))),
    });
    yield;
  }
  return parts;
}

/**
 * Each item's columns from a base and its segments, applied in order: a part replaces its item's
 * columns from its `from` on. A part that starts past its item's end is damage.
 */
export function* joinUsage(files: DecodedPart[][]): Generator<void, Map<string, BulkColumns>> {
  // The final length of each item first, so each column is allocated once, exact.
  const lengths = new Map<string, number>();
  for (const parts of files) {
    for (const { key, from, timestamps } of parts) {
      if (from > (lengths.get(key) ?? 0)) {
        throw new SidecarError(`a segment continues ${key} past its end`);
      }
      lengths.set(key, from + timestamps.length);
    }
  }
  if (files.length === 1) {
    // A base alone: its columns are already exact.
    return new Map(files[0]!.map(({ key, timestamps, values }) => [key, { timestamps, values }]));
  }
  // An item's values are Float64 when any of its parts' are.
  const wide = new Set<string>();
  for (const parts of files) {
    for (const { key, values } of parts) if (values instanceof Float64Array) wide.add(key);
  }
  const joined = new Map<string, BulkColumns>();
  for (const [key, length] of lengths) {
    joined.set(key, {
      timestamps: new Uint32Array(length),
      values: wide.has(key) ? new Float64Array(length) : new Uint32Array(length),
    });
  }
  for (const parts of files) {
    for (const { key, from, timestamps, values } of parts) {
      const into = joined.get(key)!;
      // A later part may cut an item shorter: what lies past its final length is dropped.
      const count = Math.max(0, Math.min(timestamps.length, into.timestamps.length - from));
      into.timestamps.set(timestamps.subarray(0, count), from);
      into.values.set(values.subarray(0, count), from);
      yield;
    }
  }
  return joined;
}

/** An aligned ArrayBuffer holding `length` bytes of `bytes` from `offset`. */
function copyOut(bytes: Buffer, offset: number, length: number): ArrayBuffer {
  const out = new ArrayBuffer(length);
  new Uint8Array(out).set(bytes.subarray(offset, offset + length));
  return out;
}
