// Arguments arrive as untrusted JSON. One place turns schema failures into MeterlabErrors that
// name the field (`tiers[2].upTo`) and say how to fix it.
import { z } from 'zod';
import { invalidRequest } from './errors';
import type { ErrorCode } from './errors';

/** `['tiers', 2, 'upTo']` -> `tiers[2].upTo`; a prefix names the argument the path is inside. */
export function paramPath(path: readonly PropertyKey[], prefix = ''): string | null {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || null;
}

const typeNames: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function describeIssue(issue: z.core.$ZodIssue, param: string | null): string {
  const field = param ?? 'the argument';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeNames[issue.expected] ?? issue.expected;
      return issue.input === undefined
        ? `Missing required param ${field}: pass ${expected}.`
        : `Invalid ${field}: pass ${expected} (got ${JSON.stringify(issue.input) ?? typeof issue.input}).`;
    }
    case 'unrecognized_keys':
      return `Unknown param ${field}: remove it (params are camelCase, as in the guide).`;
    case 'invalid_union':
      return `Invalid ${field}: it has the wrong type or form.`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `Invalid ${field}: needs at least ${issue.minimum} ${issue.origin === 'array' ? 'entries' : 'characters'}.`
        : `Invalid ${field}: must be at least ${issue.minimum} (got ${JSON.stringify(issue.input)}).`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `Invalid ${field}: allows at most ${issue.maximum} ${issue.origin === 'array' ? 'entries' : 'characters'}.`
        : `Invalid ${field}: must be at most ${issue.maximum} (got ${JSON.stringify(issue.input)}).`;
    case 'invalid_value':
      if (issue.input === undefined) {
        return `Missing required param ${field}: use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
      }
      return `Invalid ${field}: use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    default:
      return `Invalid ${field}: ${issue.message}.`;
  }
}

/** Parses `value` with `schema`, or throws an invalid_request_error naming the first bad field. */
export function parseArgs<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): z.output<S> {
  // Without reportInput first: zod parses two to three times faster so, and a failure is parsed
  // again with it, for the message (the same issue, now with its input).
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const param = paramPath(path, prefix);
  const code = issue.input === undefined ? 'parameter_missing' : 'parameter_invalid';
  return failWith(code, param, describeIssue(issue, param));
}

/** Every problem `schema` finds in `value`, each with its path and reason (up to `limit`). */
export function schemaProblems(
  schema: z.ZodType,
  value: unknown,
  prefix = '',
  limit = 20,
): { path: string; message: string }[] {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return result.error.issues.slice(0, limit).map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const param = paramPath(path, prefix);
    return { path: param ?? prefix, message: describeIssue(issue, param) };
  });
}

function failWith(code: ErrorCode, param: string | null, message: string): never {
  throw invalidRequest(code, param, message);
}

/** Schemas shared across the API. */
/** Unix seconds up to 2106-02-07, the range usage columns store (uint32). */
export const unixSeconds = z.number().int().nonnegative().max(0xffffffff);
export const safeQuantity = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const objectId = z.string().min(1).max(255);
