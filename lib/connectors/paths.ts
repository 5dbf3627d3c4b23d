import { ApiError } from "@/lib/api/errors";

/**
 * Normalises a relative storage path (export_base_path, destination_subpath): collapses repeated
 * slashes, drops a trailing slash, and refuses anything that could escape its base: `..` or `.`
 * segments, a leading `/`, backslashes, percent-encoded separators, control characters, and
 * unicode look-alikes of `/`, `\` and `.` (NFKC folds e.g. U+FF0F to `/`, U+2024 to `.`).
 */
export function normaliseRelativePath(raw: string, field: string): string {
  const fail = (message: string): never => {
    throw ApiError.validation([{ field, message }]);
  };
  if (raw === "") return "";
  if (raw.normalize("NFKC") !== raw.normalize("NFC")) fail("must not contain compatibility characters (e.g. full-width '/')");
  const s = raw.normalize("NFC");
  if (/[\u0000-\u001f\u007f]/.test(s)) fail("must not contain control characters");
  if (s.includes("\\")) fail("must use '/' as the separator");
  if (/%2f|%5c|%2e/i.test(s)) fail("must not contain percent-encoded separators or dots");
  if (s.startsWith("/")) fail("must be relative (no leading '/')");
  const segments = s.split("/").filter((seg) => seg !== "");
  if (segments.some((seg) => seg === "." || seg === "..")) fail("must not contain '.' or '..' segments");
  const out = segments.join("/");
  if (out.length > 512) fail("must be at most 512 characters");
  return out;
}

/** Joins normalised relative segments; empty parts vanish. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}
