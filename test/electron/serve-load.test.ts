// A bounded load on meterlab serve (200 clients × 10 s, loopback): every usage record counts once,
// no 5xx, and the API still answers. It prints its figures; `npm run bench -- --serve-load` runs
// the 1,000 clients × 60 s.
import { expect, it } from 'vitest';
import { describeLoad, runServeLoad } from '../../bench/serve-load';

it('counts every record once under 200 concurrent clients for 10 s', async () => {
  const result = await runServeLoad(200, 10);
  console.log(describeLoad(result));
  expect(result.requests).toBeGreaterThan(1000);
  expect(result.counted).toBe(result.sent);
  expect(Object.keys(result.statuses).filter((s) => s === 'error' || s >= '500')).toEqual([]);
  expect(result.statuses['200']).toBe(result.requests - (result.statuses['429'] ?? 0));
}, 120_000);
