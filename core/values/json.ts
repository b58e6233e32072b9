// Plain JSON: what crosses every boundary (contract, snapshot, scenario files), checked and copied.
import { invalidRequest } from './errors';
import type { MeterlabError } from './errors';

/** Engine objects are plain JSON, so a JSON round trip is an exact deep copy. */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A deep copy of plain data (objects, arrays, primitives), by walking it: several times faster
 * than a JSON round trip or structuredClone for the many small objects a checkpoint copies.
 * Unlike `copy`, undefined fields stay.
 */
export function copyPlain<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      items[i] = item === null || typeof item !== 'object' ? item : copyPlain(item);
    }
    return items as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    const copied = field === null || typeof field !== 'object' ? field : copyPlain(field);
    // Defined as data, so a key named __proto__ stays a key.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = copied;
  }
  return out as T;
}

/** The value as canonical JSON: the same values in any key order give the same text. */
export function canonicalJson(value: unknown): string {
  const canonical = (inner: unknown): unknown =>
    Array.isArray(inner)
      ? inner.map(canonical)
      : inner !== null && typeof inner === 'object'
        ? Object.fromEntries(
            Object.keys(inner)
              .sort()
              .map((key) => [key, canonical((inner as Record<string, unknown>)[key])]),
          )
        : inner;
  return JSON.stringify(canonical(value));
}

const isPlainLeaf = (item: unknown) =>
  typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item));

/** Nesting deeper than this is refused: no API argument comes close. */
const maxDepth = 64;

/**
 * A copy of `value` holding plain JSON only (objects, arrays, strings, finite numbers, booleans,
 * null); `undefined` object fields are dropped. Anything else throws, naming where it is.
 */
export function plainJson(value: unknown, path: string, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw notJson(path, `${String(value)} is not a finite number`);
  }
  if (typeof value !== 'object') throw notJson(path, `a ${typeof value} is not JSON`);
  if (depth >= maxDepth) throw notJson(path, `it nests deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    // An array of plain numbers and strings (a scenario's usage: millions of them) is copied
    // whole, not item by item with a path made for each.
    if (value.every(isPlainLeaf)) return value.slice();
    return value.map((item, i) => plainJson(item, `${path}[${i}]`, depth + 1));
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    throw notJson(path, 'only plain objects and arrays cross the contract');
  }
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    // Defined as data, so a key named __proto__ stays a key.
    Object.defineProperty(copy, key, {
      value: plainJson(field, `${path}.${key}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function notJson(path: string, reason: string): MeterlabError {
  return invalidRequest(
    'parameter_invalid',
    path,
    `Invalid ${path}: ${reason}. Pass plain JSON values.`,
  );
}
