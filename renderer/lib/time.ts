// Simulated times are unix seconds in UTC; the UI shows and reads them in UTC as well.

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** 1748390400 -> '2025-05-28'. */
export function formatDate(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** 1748390400 -> '2025-05-28 00:00 UTC' (seconds shown only when not zero). */
export function formatTime(unix: number): string {
  const d = new Date(unix * 1000);
  const seconds = d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : '';
  return `${formatDate(unix)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds} UTC`;
}

/** An axis label: the date, or month-day and time when the axis spans three days or less. */
export function formatAxisTime(unix: number, spanSeconds: number): string {
  if (spanSeconds > 3 * 86_400) return formatDate(unix);
  const d = new Date(unix * 1000);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** A value for <input type="datetime-local">, read as UTC. */
export function toDateTimeInput(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 19);
}

/** The unix seconds of a datetime-local value read as UTC, or null when it is not a time. */
export function fromDateTimeInput(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = Date.parse(`${value}Z`);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** '[2025-05-01 → 2025-06-01)', the half-open period the rules bill. */
export function formatPeriod(period: { start: number; end: number }): string {
  return `${formatDate(period.start)} → ${formatDate(period.end)}`;
}

/** Wall-clock milliseconds (the workspace's own timestamps) in the user's locale. */
export function formatWallClock(ms: number): string {
  return new Date(ms).toLocaleString();
}
