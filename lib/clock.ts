// The clock seam (house rule 7): scheduling code asks this for "now", so tests can drive time forward
// instead of sleeping. Production never sets it.
let override: (() => Date) | null = null;

export function now(): Date {
  return override ? override() : new Date();
}

/** Tests: make now() answer `fn()` (or the real time again with null). */
export function setClock(fn: (() => Date) | null): void {
  override = fn;
}
