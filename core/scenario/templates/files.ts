// The shipped templates, scenario files built by electron/scripts/make-templates.ts, by id.
import apiCalls from './api-calls.json' with { type: 'json' };
import graduatedFreeAllowance from './graduated-free-allowance.json' with { type: 'json' };
import peakConnectionsMax from './peak-connections-max.json' with { type: 'json' };
import seatsLastDuringPeriod from './seats-last-during-period.json' with { type: 'json' };
import teachStrategies from './teach-strategies.json' with { type: 'json' };

/** In the order the UI lists them; parsed JSON, read with parseScenarioFile. */
const templates: Readonly<Record<string, unknown>> = {
  'api-calls': apiCalls,
  'seats-last-during-period': seatsLastDuringPeriod,
  'peak-connections-max': peakConnectionsMax,
  'graduated-free-allowance': graduatedFreeAllowance,
  'teach-strategies': teachStrategies,
};

export default templates;
