// Unix seconds written for people and files, always in UTC: the engine has no time zone.

/** 2025-03-01T00:00:00Z: files, exports and scenario messages. */
export function isoInstant(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** 2025-03-04 10:00:00 UTC: explanations that name a record's timestamp. */
export function utcSeconds(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

// Every invoice of a period names the same few instants (its start and end): the last texts are
// kept, one slot per instant's minute, so those invoices share each text instead of each holding
// its own copy.
const minuteSlots = 256;
const minuteTimes = new Float64Array(minuteSlots).fill(NaN);
const minuteTexts: string[] = new Array<string>(minuteSlots).fill('');

/** 2025-03-04 10:00 UTC: invoice line descriptions and period spans. */
export function utcMinutes(seconds: number): string {
  const slot = Math.floor(seconds / 60) & (minuteSlots - 1);
  if (minuteTimes[slot] === seconds) return minuteTexts[slot]!;
  const text = utcSeconds(seconds).slice(0, 16) + ' UTC';
  minuteTimes[slot] = seconds;
  minuteTexts[slot] = text;
  return text;
}
