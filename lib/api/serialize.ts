const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const MIN_FAST_MS = Date.UTC(1000, 0, 1);
const MAX_FAST_MS = Date.UTC(10000, 0, 1);

// Timestamps on the wire: ISO-8601 UTC without milliseconds, as the contract shows (2026-01-01T00:00:00Z).
export function iso(d: Date): string;
export function iso(d: Date | null | undefined): string | null;
export function iso(d: Date | null | undefined): string | null {
  if (!d) return null;
  // A hot path (1,000 per browse page). Only getTime(): inside the Next.js server every Date is built by
  // Next's Date wrapper (Reflect.construct with another new.target), and on such objects V8's getUTC*
  // methods cost ~1.5 µs each against ~0.15 µs for getTime(); the calendar date is computed from the
  // day number instead (H. Hinnant's civil_from_days). Outside years 1000–9999: toISOString.
  const ms = d.getTime();
  if (!(ms >= MIN_FAST_MS && ms < MAX_FAST_MS)) return d.toISOString().replace(/\.\d{3}Z$/, "Z"); // throws for an invalid date
  const days = Math.floor(ms / 86_400_000);
  const secondOfDay = Math.floor((ms - days * 86_400_000) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor(secondOfDay / 60) % 60;
  return `${year}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(secondOfDay % 60)}Z`;
}
