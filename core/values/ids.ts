// Ids and randomness come from the scenario's seed, never from Math.random: a scenario run twice
// with the same seed produces the same ids. Ids are `prefix_` plus a counter passed through an
// invertible 32-bit mix (so they look random, yet never collide within a scenario).

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_CODES = Array.from(BASE62, (char) => char.charCodeAt(0));

/** murmur3's 32-bit finalizer: a bijection on uint32. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Writes `value` as 6 base62 digits (char codes) into `codes` from `at`, most significant first. */
function base62Into(codes: number[], at: number, value: number): void {
  let rest = value;
  for (let i = at + 5; i >= at; i--) {
    codes[i] = BASE62_CODES[rest % 62]!;
    rest = Math.floor(rest / 62);
  }
}

/** Prefix -> the char codes of an id with it, its 12 digits rewritten by each makeId. */
const idCodes = new Map<string, number[]>();

/** The `n`th id of a scenario: 6 chars unique per counter (62^6 > 2^32), 6 more for looks. */
export function makeId(prefix: string, seed: number, counter: number): string {
  const unique = mix32((counter + mix32(seed)) >>> 0);
  const decoration = mix32(unique ^ 0x9e3779b9);
  let codes = idCodes.get(prefix);
  if (codes === undefined) {
    codes = [...Array.from(prefix, (char) => char.charCodeAt(0)), '_'.charCodeAt(0)];
    codes.length += 12;
    idCodes.set(prefix, codes);
  }
  base62Into(codes, prefix.length + 1, unique);
  base62Into(codes, prefix.length + 7, decoration);
  // One flat string from the codes (a concatenation would be a rope, flattened again at each
  // first use as a map key).
  return String.fromCharCode(...codes);
}

/** mulberry32: one uint32 of state, so the state fits in the snapshot as a plain number. */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/** A random string of base62 characters drawn from the seeded state. */
export function randomToken(state: number, length: number): { token: string; state: number } {
  let token = '';
  let current = state;
  for (let i = 0; i < length; i++) {
    const draw = nextRandom(current);
    current = draw.state;
    token += BASE62[Math.floor(draw.value * 62)]!;
  }
  return { token, state: current };
}

/** The inverse of mix32. */
function unmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7ed1b41d);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, 0xa5cb9243);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The counter makeId(prefix, seed, counter) was made from, or null when `id` is not such an id. */
export function idCounter(prefix: string, seed: number, id: string): number | null {
  if (id.length !== prefix.length + 13 || !id.startsWith(`${prefix}_`)) return null;
  let unique = 0;
  for (let i = prefix.length + 1; i < prefix.length + 7; i++) {
    const digit = BASE62.indexOf(id[i]!);
    if (digit === -1) return null;
    unique = unique * 62 + digit;
  }
  if (unique > 0xffffffff) return null;
  const counter = (unmix32(unique) - mix32(seed)) >>> 0;
  return makeId(prefix, seed, counter) === id ? counter : null;
}
