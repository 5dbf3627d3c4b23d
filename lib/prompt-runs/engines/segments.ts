/** At most this many segments per video: longer media get proportionally longer segments. */
export const MAX_SEGMENTS_PER_VIDEO = 5000;

/**
 * Fixed segments of `segmentSeconds` covering [0, duration]. Media without a duration (images) or of
 * zero length get one segment [0, 0]. Times are rounded to milliseconds.
 */
export function fixedSegments(durationSeconds: number | null, segmentSeconds: number): { start: number; end: number }[] {
  if (!durationSeconds || !(durationSeconds > 0)) return [{ start: 0, end: 0 }];
  const step = Math.max(segmentSeconds, durationSeconds / MAX_SEGMENTS_PER_VIDEO);
  const out: { start: number; end: number }[] = [];
  for (let start = 0; start < durationSeconds - 1e-9; start += step) {
    out.push({ start: round(start), end: round(Math.min(start + step, durationSeconds)) });
  }
  return out;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
