// Timestamps on the wire: ISO-8601 UTC without milliseconds, as the contract shows (2026-01-01T00:00:00Z).
export function iso(d: Date): string;
export function iso(d: Date | null | undefined): string | null;
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}
