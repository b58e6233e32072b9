// A ClickHouse table as the Backtest view sees it before a run: its columns and first rows, and
// the checks of the URL and table the view's fields give, each refusal naming its field
// (`clickhouse.url`, `clickhouse.table`). The run itself is electron/backtest/clickhouse.ts.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseTable } from '../../core/public/backtest';
import { invalidRequest, type MeterlabError } from '../../core/values/errors';

/** A preview waits this long for the server (a run waits longer: it aggregates). */
const PREVIEW_TIMEOUT_MS = 15_000;

/** Node's codes of a server that cannot be reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The URL as messages show it: without a user name or password. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return url.slice(0, 200);
  }
}

/** The view's fields checked: an http(s) URL and a table name ([database.]table). */
export function checkTable(given: unknown): ClickHouseTable {
  const { url, table } = (typeof given === 'object' && given !== null ? given : {}) as Record<
    string,
    unknown
  >;
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' && url.length <= 2048 ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw invalidRequest(
      'parameter_invalid',
      'clickhouse.url',
      "The ClickHouse URL is the server's HTTP address, such as http://127.0.0.1:8123.",
    );
  }
  if (typeof table !== 'string' || !/^[^.\s]+(\.[^.\s]+)?$/.test(table) || table.length > 255) {
    throw invalidRequest(
      'parameter_invalid',
      'clickhouse.table',
      'Name the table as table or database.table, such as analytics.usage.',
    );
  }
  return { url: url as string, table };
}

/** A failure talking to ClickHouse as an error naming the URL or the table. */
function clickHouseFailure(error: unknown, { url, table }: ClickHouseTable): MeterlabError {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const at = shownUrl(url);
  if ((code !== undefined && UNREACHABLE.has(code)) || /timeout/i.test(message)) {
    return invalidRequest(
      'clickhouse_unreachable',
      'clickhouse.url',
      `No ClickHouse server answers at ${at} (${code ?? 'timed out'}): is it running, and is the URL right?`,
    );
  }
  // 60 UNKNOWN_TABLE, 81 UNKNOWN_DATABASE.
  if (/Code: (60|81)\b/.test(message)) {
    return invalidRequest(
      'clickhouse_table_missing',
      'clickhouse.table',
      `ClickHouse at ${at} has no table ${table}: check its name (database.table).`,
    );
  }
  // 192 UNKNOWN_USER, 193 WRONG_PASSWORD, 516 AUTHENTICATION_FAILED.
  if (/Code: (192|193|516)\b/.test(message)) {
    return invalidRequest(
      'clickhouse_unreachable',
      'clickhouse.url',
      `ClickHouse at ${at} refused the login: put the user and password in the URL (http://user:password@host:8123).`,
    );
  }
  return invalidRequest(
    'clickhouse_query_failed',
    'clickhouse.table',
    `ClickHouse at ${at} refused the query on ${table}: ${message.split('\n')[0]}`,
  );
}

const quoted = (name: string) => `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;

/** The table's columns (name, type) and its first `rows` rows, every value as text. */
export async function previewTable(
  source: ClickHouseTable,
  rows: number,
): Promise<{ columns: { name: string; type: string }[]; rows: Record<string, string | null>[] }> {
  const client = createClient({
    url: source.url,
    log: { level: ClickHouseLogLevel.OFF },
    request_timeout: PREVIEW_TIMEOUT_MS,
  });
  const table = source.table.split('.').map(quoted).join('.');
  try {
    const read = async (query: string) =>
      (await (await client.query({ query, format: 'JSONEachRow' })).json()) as Record<
        string,
        unknown
      >[];
    const columns = (await read(`DESCRIBE TABLE ${table}`)).map((row) => ({
      name: String(row.name),
      type: String(row.type),
    }));
    const first = await read(`SELECT * FROM ${table} LIMIT ${rows}`);
    return {
      columns,
      rows: first.map((row) =>
        Object.fromEntries(
          columns.map(({ name }) => [
            name,
            row[name] === null || row[name] === undefined ? null : String(row[name]),
          ]),
        ),
      ),
    };
  } catch (error) {
    throw clickHouseFailure(error, source);
  } finally {
    await client.close();
  }
}
