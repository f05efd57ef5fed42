/** The median of a list of measurements (the upper middle value for an even count). */
export function median(v: readonly number[]): number {
  return [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
}
