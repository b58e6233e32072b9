// A long choice (a thousand subscriptions) offered a few options at a time: a select of a
// thousand options was half the page's elements, took tens of milliseconds to build, and each
// dialog or re-render restyled them all. More are reached by typing part of the label.

/** Options a select shows at once. */
export const shownChoices = 50;

export interface Choice {
  id: string;
  label: string;
}

/**
 * At most `shownChoices` of the choices whose label holds `find` (in any case), and always the
 * one chosen (first, when the others leave it out).
 */
export function narrowChoices<C extends Choice>(
  all: C[],
  find: string,
  chosen: string | null,
): C[] {
  const needle = find.trim().toLowerCase();
  const matching = needle ? all.filter((c) => c.label.toLowerCase().includes(needle)) : all;
  const shown = matching.slice(0, shownChoices);
  const picked = all.find((c) => c.id === chosen);
  return picked && !shown.includes(picked) ? [picked, ...shown] : shown;
}
