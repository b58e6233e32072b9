// Plain JSON: what crosses every boundary (contract, snapshot, scenario files), checked and copied.
import { invalidRequest } from './errors';
import type { MeterlabError } from './errors';

/**
 * A deep copy, exactly as a JSON round trip makes it (undefined fields dropped, undefined array
 * items, NaN and Infinity as null, -0 as 0), made by walking plain objects and arrays: several
 * times faster for the many small objects calls return. Anything else inside (a class instance,
 * a toJSON method, a bigint, a cycle) takes the JSON round trip itself.
 */
export function copy<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    try {
      return copyAsJson(value, 0) as T;
    } catch (error) {
      if (error !== notPlain) throw error;
    }
  }
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Thrown by copyAsJson where only JSON itself knows the answer. */
const notPlain = new Error('not plain JSON');

/** Deeper than this, copy leaves it to JSON (which also names a cycle). */
const maxCopyDepth = 100;

/** A JSON field or array item as JSON.parse(JSON.stringify()) gives it; undefined: left out. */
function copyAsJson(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      throw notPlain;
  }
  if (value === null) return null;
  if (depth > maxCopyDepth || 'toJSON' in value) throw notPlain;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw notPlain;
    const items: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) items[i] = copyAsJson(value[i], depth + 1) ?? null;
    return items;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw notPlain;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = copyAsJson((value as Record<string, unknown>)[key], depth + 1);
    if (field === undefined) continue;
    // Defined as data, so a key named __proto__ stays a key.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: field,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = field;
  }
  return out;
}

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
