// Builds the shipped backtest sample: electron/backtest/sample/usage-sample.csv.gz, 200 customers
// × 12 months (2025) of daily API calls plus seat counts, drawn from a fixed seed so the file is
// the same on every run. Run: npm run sample-usage.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { nextRandom } from '../../core/values/ids';

const DAY = 86_400;
const START = Date.UTC(2025, 0, 1) / 1000;
const DAYS = 365;
const CUSTOMERS = 200;

/** The sample's rows, as CSV text: customer, meter, timestamp (ISO date), quantity, action. */
export function sampleUsageCsv(seed = 2025): string {
  let state = seed;
  const random = () => {
    const next = nextRandom(state);
    state = next.state;
    return next.value;
  };
  const lines = ['customer,meter,timestamp,quantity,action'];
  for (let index = 0; index < CUSTOMERS; index++) {
    const customer = `cust_${String(index + 1).padStart(3, '0')}`;
    // Daily calls spread over three orders of magnitude, a yearly trend, and quiet weekends.
    const base = 10 ** (1 + random() * 3);
    const growth = 0.5 + random() * 1.5;
    const first = random() < 0.2 ? Math.floor(random() * 200) : 0;
    const last =
      random() < 0.1 ? first + 30 + Math.floor(random() * (DAYS - first - 30)) : DAYS - 1;
    let seats = 1 + Math.floor(random() * 20);
    for (let day = first; day <= last; day++) {
      const date = new Date((START + day * DAY) * 1000).toISOString().slice(0, 10);
      const weekday = (day + 3) % 7 < 5; // 2025-01-01 was a Wednesday
      const trend = 1 + ((growth - 1) * day) / DAYS;
      const calls = Math.round(base * trend * (weekday ? 1 : 0.3) * (0.7 + random() * 0.6));
      lines.push(`${customer},api_calls,${date},${calls},`);
      // Seats change now and then; the count is reported as a set on the first day and on changes.
      if (day === first || random() < 0.02) {
        seats = Math.max(1, seats + Math.floor(random() * 5) - 2);
        lines.push(`${customer},seats,${date},${seats},set`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL('../backtest/sample/usage-sample.csv.gz', import.meta.url));
  const gzipped = gzipSync(sampleUsageCsv(), { level: 9 });
  await writeFile(path, gzipped);
  console.log(`${path}: ${gzipped.length} bytes`);
}
