export const SCOPES = ["admin", "write", "read", "search"] as const;
export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = { search: 1, read: 2, write: 3, admin: 4 };

/** Scopes are ranked admin > write > read > search: holding a higher scope grants the lower ones. */
export function hasScope(held: readonly string[], required: Scope): boolean {
  const best = Math.max(0, ...held.map((s) => RANK[s as Scope] ?? 0));
  return best >= RANK[required];
}
