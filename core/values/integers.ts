// Whole numbers kept compact in memory. V8 holds a number that came out of a division, a Date
// or a float array as a separate 16-byte box, even when it is a small whole number; and a field
// that ever held such a box holds every later value of objects of its shape in a box of its own.
// Timestamps and amounts that invoices keep are passed through `compactInteger` first.

/** The same number; a whole one within ±2^31 as V8's immediate small integer. */
export function compactInteger(value: number): number {
  // `| 0` yields the small-integer form; 0 is left as it is (it may be -0).
  return value !== 0 && value >= -0x80000000 && value <= 0x7fffffff && value % 1 === 0
    ? value | 0
    : value;
}
