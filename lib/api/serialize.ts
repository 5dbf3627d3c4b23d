// Timestamps on the wire: ISO-8601 UTC without milliseconds, as the contract shows (2026-01-01T00:00:00Z).
export function iso(d: Date): string;
export function iso(d: Date | null | undefined): string | null;
export function iso(d: Date | null | undefined): string | null {
  if (!d) return null;
  const s = d.toISOString(); // …T08:40:01.123Z; a hot path (1,000 per browse page), so no regex
  return s.length > 5 && s.charCodeAt(s.length - 5) === 46 /* . */ ? `${s.slice(0, -5)}Z` : s;
}
