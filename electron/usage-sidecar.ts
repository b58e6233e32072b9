// The binary sidecar that holds a scenario's usage columns beside the workspace JSON, so the JSON
// stays small and saves stay fast. Little-endian; one file per distinct content, named by its
// SHA-256, so a file is never rewritten in place and the JSON refers to it by content.
//
//   offset  size  field
//   0       8     magic "MLUSAGE\0"
//   8       4     format version (1)
//   12      4     number of columns pairs (entries)
//   16      4     byte length of the index
//   20      4     reserved, 0
//   24      32    SHA-256 of every byte from offset 56 to the end
//   56      ...   index: UTF-8 JSON [{ key, count, timestamps, values }] (byte offsets in the file)
//   ...           per entry, 8-byte aligned: count Uint32 timestamps, then count Float64 values
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { BulkColumns } from '../core/resources/snapshot';

const MAGIC = Buffer.from('MLUSAGE\0', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 56;

interface IndexEntry {
  key: string;
  count: number;
  timestamps: number;
  values: number;
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
      const entry = { key, count: timestamps.length, timestamps: offset, values: 0 };
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
  bytes.writeUInt32LE(FORMAT_VERSION, 8);
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
  }
  const sha256 = createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest();
  sha256.copy(bytes, 24);
  return { bytes, sha256: sha256.toString('hex') };
}

/** Reads a sidecar, checking its header, checksum, index bounds and the expected content id. */
export function decodeUsage(bytes: Buffer, expectedSha256: string): Record<string, BulkColumns> {
  assertLittleEndianHost();
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) {
    throw new SidecarError('it is not a Meterlab usage file (bad header)');
  }
  const version = bytes.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw new SidecarError(
      `its format version ${version} is not one this Meterlab reads (${FORMAT_VERSION})`,
    );
  }
  const sha256 = createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest('hex');
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
  // No prototype: a key such as "__proto__" in a damaged or hostile index stays a plain key.
  const bulk: Record<string, BulkColumns> = Object.create(null) as Record<string, BulkColumns>;
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) {
      throw new SidecarError('its index lists something other than columns');
    }
    const { key, count, timestamps, values } = entry;
    const fits = (offset: number, size: number) =>
      Number.isSafeInteger(offset) && offset >= indexEnd && offset + count * size <= bytes.length;
    if (
      typeof key !== 'string' ||
      !Number.isSafeInteger(count) ||
      count < 0 ||
      !fits(timestamps, 4) ||
      !fits(values, 8) ||
      values % 8 !== 0
    ) {
      throw new SidecarError(`its index entry for ${String(key)} points outside the file`);
    }
    if (key in bulk) throw new SidecarError(`its index lists ${key} twice`);
    bulk[key] = {
      timestamps: new Uint32Array(copyOut(bytes, timestamps, count * 4)),
      values: new Float64Array(copyOut(bytes, values, count * 8)),
    };
  }
  return bulk;
}

/** An aligned ArrayBuffer holding `length` bytes of `bytes` from `offset`. */
function copyOut(bytes: Buffer, offset: number, length: number): ArrayBuffer {
  const out = new ArrayBuffer(length);
  new Uint8Array(out).set(bytes.subarray(offset, offset + length));
  return out;
}
