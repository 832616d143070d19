// The Gateway API Duration format (`1h30m`, `500ms`), read in one place: route timeouts
// and the Service's kupstream.dev traffic annotations use it alike.

/** Gateway API Duration: 1 to 4 groups of up to 5 digits and a unit (`1h30m`, `500ms`). */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** A Gateway API Duration in milliseconds, or undefined when it is not one. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, digits, unit] of value.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(digits) * UNIT_MS[unit!]!;
  return total;
}
