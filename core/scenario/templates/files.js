// The shipped templates, scenario files built by electron/scripts/make-templates.ts, by id.
// A .js module (typed by files.d.ts) because the TypeScript project build only takes JSON files
// its tsconfig lists; tsx, Vite and esbuild read JSON imports as they are.
import apiCalls from './api-calls.json' with { type: 'json' };
import graduatedFreeAllowance from './graduated-free-allowance.json' with { type: 'json' };
import peakConnectionsMax from './peak-connections-max.json' with { type: 'json' };
import seatsLastDuringPeriod from './seats-last-during-period.json' with { type: 'json' };
import teachStrategies from './teach-strategies.json' with { type: 'json' };

/** In the order the UI lists them. */
export default {
  'api-calls': apiCalls,
  'seats-last-during-period': seatsLastDuringPeriod,
  'peak-connections-max': peakConnectionsMax,
  'graduated-free-allowance': graduatedFreeAllowance,
  'teach-strategies': teachStrategies,
};
