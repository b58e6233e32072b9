// The scenario's settings: finalization delay, retry schedule and what follows it, idempotency
// key TTL, event retention.
import { copy } from '../values/json';
import { method, param } from './entry';
import { settingsUpdateArgs } from './schemas';

export const settings = {
  retrieve: method({
    params: [],
    mutates: false,
    run: (state) => copy(state.data.settings),
  }),
  update: method({
    params: [param('', settingsUpdateArgs)],
    mutates: true,
    journal: 'arguments',
    run: (state, [changes]) => {
      Object.assign(state.data.settings, changes);
      return copy(state.data.settings);
    },
  }),
};
