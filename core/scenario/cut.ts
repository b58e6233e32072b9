// Time travel: a scenario file cut at an earlier time. Replaying the cut file rebuilds the
// scenario as it stood then, so whatever happened later (invoices included) is recomputed away.
import { invalidRequest } from '../values/errors';
import { isoInstant } from '../values/time';
import { parseArgs, unixSeconds } from '../values/validation';
import type { ScenarioFile } from './format';

/**
 * The file as it stood at `at` (Unix seconds): the calls made at or before it, each item's usage
 * stamped at or before it, and the clock at `at`. The file must be valid (as export writes it).
 * NOTE: usage is kept by its timestamp, as a file replays it; a record reported after `at` but
 * stamped before it (late usage in a draft's grace) is kept too.
 */
export function cutScenario(file: ScenarioFile, at: number): ScenarioFile {
  const time = parseArgs(unixSeconds, at, 'at');
  if (time < file.startTime || time > file.clock.frozenTime) {
    throw invalidRequest(
      'time_out_of_range',
      'at',
      `at ${time} (${isoInstant(time)}) is outside the scenario: pick a time from its start ${file.startTime} (${isoInstant(file.startTime)}) to its clock ${file.clock.frozenTime} (${isoInstant(file.clock.frozenTime)}).`,
    );
  }
  const usage: ScenarioFile['usage'] = {};
  for (const [item, { timestamps, values }] of Object.entries(file.usage)) {
    // Timestamps ascend, so the kept records are a prefix of both columns.
    let kept = 0;
    while (kept < timestamps.length && timestamps[kept]! <= time) kept++;
    if (kept > 0)
      usage[item] = { timestamps: timestamps.slice(0, kept), values: values.slice(0, kept) };
  }
  return {
    ...file,
    calls: file.calls.filter((call) => call.at <= time),
    usage,
    clock: { frozenTime: time },
  };
}
