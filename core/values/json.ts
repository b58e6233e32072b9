// Plain JSON: what crosses every boundary (contract, snapshot, scenario files), checked and copied.
import { invalidRequest } from './errors';
import type { MeterlabError } from './errors';

/** Engine objects are plain JSON, so a JSON round trip is an exact deep copy. */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

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
  if (Array.isArray(value))
    return value.map((item, i) => plainJson(item, `${path}[${i}]`, depth + 1));
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
