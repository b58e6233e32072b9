// A generator spec is plain JSON attached to a subscription item. Rate patterns (constant,
// poisson) give an expected number of units per hour; modifiers (growth, seasonality, bursts)
// multiply the expected rate of everything under them; seats is a count, not a rate; sum adds.
import { z } from 'zod';
import type { GeneratorSpec, PatternKind, PatternSpec } from '../../public/types';
import type { UsageAction } from '../../public/types';
import { parseArgs } from '../../values/validation';

export const DEFAULT_REPEAT_SECONDS = 86_400;

export const DEFAULT_RESOLUTION_SECONDS = 3600;
/** Generated timestamps are stored as uint32 unix seconds. */
export const MAX_GENERATED_TIMESTAMP = 0xffffffff;
/** Keeps one spec cheap to run and to store. */
export const MAX_PATTERN_NODES = 64;

const rate = z.number().nonnegative().max(1e9);
const probability = z.number().min(0).max(1);
const count = z.number().int().nonnegative().max(1e9);
const timestamp = z.number().int().nonnegative().max(MAX_GENERATED_TIMESTAMP);

export const patternKinds = [
  'constant',
  'poisson',
  'growth',
  'seasonality',
  'bursts',
  'seats',
  'sum',
] as const satisfies readonly PatternKind[];

const constantSchema = z.strictObject({ kind: z.literal('constant'), perHour: rate });

const poissonSchema = z.strictObject({ kind: z.literal('poisson'), meanPerHour: rate });

const growthSchema = z.strictObject({
  kind: z.literal('growth'),
  get base(): z.ZodType<PatternSpec> {
    return patternSchema;
  },
  mode: z.enum(['linear', 'exponential']),
  // Above -1 so an exponential base stays positive; a linear decline stops at 0.
  ratePerDay: z.number().gt(-1).max(10),
});

const seasonalitySchema = z
  .strictObject({
    kind: z.literal('seasonality'),
    get base(): z.ZodType<PatternSpec> {
      return patternSchema;
    },
    daily: z
      .strictObject({
        peakHourUtc: z.number().int().min(0).max(23),
        amplitude: z.number().min(0).max(1),
      })
      .optional(),
    weekly: z
      .strictObject({
        weights: z
          .array(z.number().nonnegative().max(1e6))
          .length(7)
          .refine(
            (weights) => weights.some((w) => w > 0),
            'give at least one weekday a weight above 0',
          ),
      })
      .optional(),
  })
  .refine((spec) => spec.daily !== undefined || spec.weekly !== undefined, {
    message: 'give daily, weekly or both',
    path: ['daily'],
  });

const burstsSchema = z.strictObject({
  kind: z.literal('bursts'),
  get base(): z.ZodType<PatternSpec> {
    return patternSchema;
  },
  probabilityPerHour: probability,
  multiplier: z.number().nonnegative().max(1e6),
  durationHours: z.number().positive().max(8760),
});

const seatsSchema = z
  .strictObject({
    kind: z.literal('seats'),
    initial: count,
    min: count.optional(),
    max: count.optional(),
    stepProbabilityPerHour: probability,
    maxStep: z.number().int().min(1).max(1e6),
  })
  .superRefine((seats, ctx) => {
    const min = seats.min ?? 0;
    if (seats.max !== undefined && seats.max < min) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `raise it to min (${min}) or more` });
    } else if (seats.initial < min) {
      ctx.addIssue({ code: 'custom', path: ['initial'], message: `raise it to min (${min})` });
    } else if (seats.max !== undefined && seats.initial > seats.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['initial'],
        message: `lower it to max (${seats.max})`,
      });
    }
  });

const sumSchema = z.strictObject({
  kind: z.literal('sum'),
  get components(): z.ZodArray<z.ZodType<PatternSpec>> {
    return z.array(patternSchema).min(1).max(16);
  },
});

// The kind is checked first so an unknown kind is answered with the list of kinds.
export const patternSchema: z.ZodType<PatternSpec> = z
  .looseObject({ kind: z.enum(patternKinds) })
  .pipe(
    z.discriminatedUnion('kind', [
      constantSchema,
      poissonSchema,
      growthSchema,
      seasonalitySchema,
      burstsSchema,
      seatsSchema,
      sumSchema,
    ]),
  );

export const generatorSpecSchema = z
  .strictObject({
    pattern: patternSchema,
    seed: z.number().int().min(0).max(0xffffffff),
    action: z.enum(['increment', 'set']),
    start: timestamp.optional(),
    end: timestamp.optional(),
    // Whole slots per day keep the daily and weekly cycles exact and cheap.
    resolutionSeconds: z
      .number()
      .int()
      .min(60)
      .max(86400)
      .refine(
        (seconds) => 86400 % seconds === 0,
        'use a length that divides a day, e.g. 60, 300, 900, 3600 or 86400',
      )
      .optional(),
    repeatEverySeconds: z
      .number()
      .int()
      .min(0)
      .max(366 * 86400)
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.start !== undefined && spec.end !== undefined && spec.end <= spec.start) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'make it later than start' });
    }
    const repeat = spec.repeatEverySeconds;
    if (repeat !== undefined && repeat > 0) {
      const resolution = spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
      if (spec.action !== 'set') {
        ctx.addIssue({
          code: 'custom',
          path: ['repeatEverySeconds'],
          message: "only set specs repeat a value: remove it, or use action 'set'",
        });
      } else if (repeat % resolution !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['repeatEverySeconds'],
          message: `use a multiple of resolutionSeconds (${resolution})`,
        });
      }
    }
    const problem = findStructureProblem(spec.pattern, spec.action);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });

interface StructureProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Rules the shape alone cannot state: seats is a count, so no rate modifier may sit above it,
 * and a count is reported with `set`; and the tree stays small.
 */
function findStructureProblem(root: PatternSpec, action: UsageAction): StructureProblem | null {
  let nodes = 0;
  const visit = (
    pattern: PatternSpec,
    path: (string | number)[],
    scaled: boolean,
  ): StructureProblem | null => {
    nodes += 1;
    if (nodes > MAX_PATTERN_NODES) {
      return {
        path: ['pattern'],
        message: `use at most ${MAX_PATTERN_NODES} patterns in one spec`,
      };
    }
    switch (pattern.kind) {
      case 'seats':
        if (scaled) {
          return {
            path,
            message:
              'a seat count cannot be scaled by growth, seasonality or bursts: put it beside them in a sum',
          };
        }
        if (action !== 'set') {
          return { path: ['action'], message: "a seat count is reported with action 'set'" };
        }
        return null;
      case 'growth':
      case 'seasonality':
      case 'bursts':
        return visit(pattern.base, [...path, 'base'], true);
      case 'sum':
        for (const [index, component] of pattern.components.entries()) {
          const problem = visit(component, [...path, 'components', index], scaled);
          if (problem) return problem;
        }
        return null;
      default:
        return null;
    }
  };
  return visit(root, ['pattern'], false);
}

/** Validates untrusted JSON as a spec; errors name the field, e.g. `pattern.components[1].meanPerHour`. */
export function parseGeneratorSpec(value: unknown, prefix = ''): GeneratorSpec {
  return parseArgs(generatorSpecSchema, value, prefix);
}

/** At most how many records a spec reports from `from` (a slot time) up to `until`, exclusive. */
export function slotsBetween(
  spec: Pick<GeneratorSpec, 'end' | 'resolutionSeconds'>,
  from: number,
  until: number,
): number {
  const resolution = spec.resolutionSeconds ?? DEFAULT_RESOLUTION_SECONDS;
  const end = Math.min(until, spec.end ?? Infinity);
  return Math.max(0, Math.ceil((end - from) / resolution));
}
