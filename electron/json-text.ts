// JSON text made piece by piece, so a large workspace is written without one long
// JSON.stringify holding the event loop (and without one string of the whole file).

/** Containers this deep or deeper are stringified whole (an invoice, an event): small enough. */
const WALK_DEPTH = 5;

const skipped = (value: unknown) =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

/**
 * The text of JSON.stringify(value, null, 2), in pieces that join to exactly that text: arrays
 * and shallow objects are walked, each element written on its own.
 */
export function* jsonPieces(value: unknown, depth = 0): Generator<string, void> {
  const indent = '  '.repeat(depth);
  const walk =
    value !== null &&
    typeof value === 'object' &&
    !('toJSON' in value) &&
    (Array.isArray(value) || depth < WALK_DEPTH);
  if (!walk) {
    // JSON strings hold no raw line breaks, so every break is the layout's: indent it.
    yield (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '[' : ','}\n${inner}`;
      yield* jsonPieces(skipped(value[i]) ? null : value[i], depth + 1);
    }
    return yield `\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, field]) => !skipped(field));
  if (entries.length === 0) return yield '{}';
  for (const [i, [key, field]] of entries.entries()) {
    yield `${i === 0 ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    yield* jsonPieces(field, depth + 1);
  }
  yield `\n${indent}}`;
}

/** Array elements written as one piece by compactJsonPieces. */
const BATCH = 4096;

/**
 * The text of JSON.stringify(value), in pieces that join to exactly that text: objects are
 * walked, long arrays written BATCH elements at a time (a scenario's usage columns hold millions
 * of numbers); anything else is written whole. Fast enough to send a large answer a piece at a
 * time, where jsonPieces' generator per element would be too slow for millions of them.
 */
export function* compactJsonPieces(value: unknown): Generator<string, void> {
  if (Array.isArray(value) && value.length > BATCH) {
    for (let from = 0; from < value.length; from += BATCH) {
      const batch = JSON.stringify(value.slice(from, from + BATCH));
      yield `${from === 0 ? '[' : ','}${batch.slice(1, -1)}`;
    }
    return yield ']';
  }
  const walk =
    value !== null && typeof value === 'object' && !Array.isArray(value) && !('toJSON' in value);
  if (!walk) return yield JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value).filter(([, field]) => !skipped(field));
  if (entries.length === 0) return yield '{}';
  for (const [i, [key, field]] of entries.entries()) {
    yield `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`;
    yield* compactJsonPieces(field);
  }
  yield '}';
}
