/**
 * Pieces every provider shares: opaque list cursors, page-size clamping, error-mapping stream
 * wrappers, byte counting for uploads, and the connection check (list / write / read / delete probe).
 */
import { randomBytes } from "node:crypto";
import { PassThrough, Transform, type Readable, type TransformCallback } from "node:stream";
import { InvalidCursorError, StorageError, redact, type StorageErrorCode } from "./errors";
import {
  MAX_PAGE_SIZE,
  type CheckOptions,
  type ConnectionCheck,
  type ConnectionCheckItem,
  type StorageProvider,
} from "./types";

// --- cursors -----------------------------------------------------------------------------------------

interface CursorBody {
  /** Provider continuation token (S3 ContinuationToken, GCS pageToken, Azure continuationToken, local last key). */
  t: string;
  /** Prefix the listing was for. */
  p: string;
  /** Delimiter ("/"), absent for flat listings. */
  d?: string;
}

/** Opaque cursor: base64url JSON `{ t, p, d? }`. */
export function encodeCursor(token: string, prefix: string, delimiter?: string): string {
  const body: CursorBody = { t: token, p: prefix };
  if (delimiter) body.d = delimiter;
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/**
 * Returns the provider token inside `cursor` (undefined when there is no cursor). Throws
 * InvalidCursorError for a malformed cursor or one from a listing with another prefix / delimiter.
 */
export function decodeCursor(cursor: string | undefined, prefix: string, delimiter?: string): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  let body: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("invalid cursor");
  }
  const b = body as Partial<CursorBody> | null;
  if (!b || typeof b !== "object" || typeof b.t !== "string" || b.t === "" || typeof b.p !== "string")
    throw new InvalidCursorError("invalid cursor");
  if (b.p !== prefix) throw new InvalidCursorError("cursor belongs to a listing of another prefix");
  if ((b.d ?? "") !== (delimiter ?? "")) throw new InvalidCursorError("cursor belongs to a listing with another delimiter");
  return b.t;
}

export function clampPageSize(n: number): number {
  if (!Number.isFinite(n)) return MAX_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(n)));
}

// --- streams -----------------------------------------------------------------------------------------

/**
 * Pipes `src` into a new PassThrough whose errors are mapped (so consumers only see StorageError),
 * and destroys `src` (releasing its connection) when the consumer destroys the result early.
 */
export function mappedReadable(src: Readable, mapErr: (err: unknown) => Error): Readable {
  // A large buffer: a 16 KiB default makes a multi-MB download many small back-pressure round trips.
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  src.on("error", (err) => out.destroy(mapErr(err)));
  out.on("close", () => {
    if (!src.destroyed) src.destroy();
  });
  src.pipe(out);
  return out;
}

/** Counts the bytes flowing through; fails as soon as more than `limit` bytes arrive (when given). */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly limit?: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.limit !== undefined && this.bytes > this.limit) {
      cb(sizeMismatch(this.limit, this.bytes, true));
      return;
    }
    cb(null, chunk);
  }
}

export function sizeMismatch(expected: number, actual: number, more = false): StorageError {
  return new StorageError(
    "unknown",
    `upload body ${more ? "exceeded" : "did not match"} the declared size (${expected} bytes declared, ${more ? "more than " : ""}${actual} ${more ? "" : "received"})`.replace(/ +\)/, ")"),
    { retryable: false, providerCode: "SIZE_MISMATCH" },
  );
}

export function stripQuotes(etag: string | undefined | null): string | null {
  if (!etag) return null;
  // Per listed object, so plain index checks rather than two regular expressions.
  const start = etag.startsWith("W/") ? 2 : 0;
  const quoted = etag.length - start >= 2 && etag.charCodeAt(start) === 34 && etag.charCodeAt(etag.length - 1) === 34;
  return quoted ? etag.slice(start + 1, -1) : start ? etag.slice(start) : etag;
}

/** Validates a caller-supplied byte range (inclusive end). */
export function checkRange(range: { start: number; end?: number } | undefined): void {
  if (!range) return;
  const okInt = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!okInt(range.start) || (range.end !== undefined && (!okInt(range.end) || range.end < range.start)))
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
}

// --- connection check ------------------------------------------------------------------------------------

function normaliseBase(prefix: string | undefined): string {
  return (prefix ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
}

export function probeKey(probePrefix: string | undefined): string {
  const base = normaliseBase(probePrefix);
  const name = `.gantry-probe-${randomBytes(8).toString("hex")}`;
  return base ? `${base}/${name}` : name;
}

function failure(err: unknown): { code: StorageErrorCode; message: string } {
  if (err instanceof StorageError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: "unknown", message: redact(message) };
}

async function drain(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > limit) {
      stream.destroy();
      break;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * The connection check every provider exposes. import: list one key under the prefix. export: list,
 * then write a small probe object, read it back and compare, then delete it. Never throws: failures are
 * reported per check; the overall error is the first failing check's. A probe that was written but could
 * not be deleted does not fail the check (exporting needs no delete permission) but is reported in the
 * write check's error_message.
 */
export async function runConnectionCheck(
  provider: Pick<StorageProvider, "list" | "write" | "read" | "remove">,
  scope: "import" | "export",
  opts: CheckOptions = {},
): Promise<ConnectionCheck> {
  const t0 = performance.now();
  const checks: ConnectionCheckItem[] = [];
  let first: { code: StorageErrorCode; message: string } | null = null;
  const fail = (name: ConnectionCheckItem["name"], err: unknown) => {
    const f = failure(err);
    checks.push({ name, ok: false, error_message: f.message });
    first ??= f;
  };

  const base = normaliseBase(opts.probePrefix);
  try {
    await provider.list({ prefix: base ? `${base}/` : "", pageSize: 1 });
    checks.push({ name: "list", ok: true, error_message: null });
  } catch (err) {
    fail("list", err);
  }

  if (scope === "export") {
    const key = probeKey(base);
    const payload = Buffer.from(`gantry connection probe ${new Date().toISOString()}\n`, "utf8");
    let written = false;
    try {
      await provider.write(key, bufferStream(payload), { size: payload.length, contentType: "text/plain" });
      written = true;
    } catch (err) {
      fail("write", err);
    }
    if (written) {
      const writeItem: ConnectionCheckItem = { name: "write", ok: true, error_message: null };
      checks.push(writeItem);
      try {
        const got = await drain(await provider.read(key), payload.length + 1024);
        if (!got.equals(payload)) {
          throw new StorageError("unknown", `read back ${got.length} bytes that differ from the ${payload.length}-byte probe written to "${key}"`);
        }
        checks.push({ name: "read", ok: true, error_message: null });
      } catch (err) {
        fail("read", err);
      }
      try {
        await provider.remove(key);
      } catch (err) {
        writeItem.error_message = `the probe object "${key}" was written but could not be deleted: ${failure(err).message}`;
      }
    }
  }

  const f = first as { code: StorageErrorCode; message: string } | null;
  return {
    success: f === null,
    error_code: f ? f.code : null,
    error_message: f ? f.message : null,
    checks,
    latency_ms: Math.round(performance.now() - t0),
  };
}

/** A Readable over one buffer (for small probe payloads). */
export function bufferStream(buf: Buffer): Readable {
  const s = new PassThrough();
  s.end(buf);
  return s;
}
