/** A whole-number tunable from the environment, read when called (documented in the README). */
export function intSetting(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}`);
  return n;
}
