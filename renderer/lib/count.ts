// Counts of units and records, grouped for reading: 1000000 -> '1,000,000'.
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
