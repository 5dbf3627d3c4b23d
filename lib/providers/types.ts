/**
 * The storage provider interface (modelled on rclone's backend interface): one small surface, one
 * implementation per backend (S3, GCS, Azure Blob, local directory). Providers take plain, already
 * unsealed configuration; building that configuration from a connector (secrets, outbound-address
 * guard) is the caller's job.
 *
 * Every method rejects with a `StorageError` (./errors) for storage-side failures, already mapped
 * from the SDK's error once, inside the provider, with a `code` and a `retryable` flag and a message
 * that never contains credentials. Argument mistakes raise `InvalidCursorError` / `InvalidPathError`.
 */
import type { Readable } from "node:stream";
import type { StorageErrorCode } from "./errors";

export type ProviderKind = "s3" | "gcs" | "azure" | "local";

export interface RemoteObject {
  /** Object key / blob name, exactly as stored (relative POSIX path for the local provider). */
  path: string;
  size: number;
  lastModified: Date;
  /** null when the backend does not report one (S3 listings, local files without a known extension). */
  contentType: string | null;
  /**
   * Changes whenever the object's content changes; compare it for equality only.
   * S3: the ETag without quotes (ListObjectsV2 carries no VersionId, so the ETag is used everywhere to
   * keep list and stat comparable); GCS: the generation; Azure: the ETag without quotes;
   * local: `${mtimeMs}-${size}`.
   */
  version: string;
  /** The backend's entity tag without quotes (GCS: the resource etag, else md5Hash; local: null). */
  etag: string | null;
}

export interface ListQuery {
  /** Plain string prefix ("" = everything); not necessarily a "directory". */
  prefix: string;
  /** "/" → group keys below the next "/" after the prefix into `prefixes` (a one-level listing). */
  delimiter?: "/";
  /** From a previous page of the same prefix (and delimiter); opaque. */
  cursor?: string;
  /**
   * Upper bound for objects + prefixes on this page, clamped to 1..MAX_PAGE_SIZE. A page may hold
   * fewer entries (even none) and still carry a cursor: keep going until `cursor` is undefined.
   */
  pageSize: number;
}

export interface ListPage {
  /** Objects on this page, in the backend's (lexicographic) order. */
  objects: RemoteObject[];
  /** With a delimiter: the common prefixes ("sub/dir/"), each ending with the delimiter. */
  prefixes: string[];
  /** Present when there is another page. */
  cursor?: string;
}

/** Inclusive byte range (HTTP `Range: bytes=start-end`); `end` omitted = to the end of the object. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface WriteInfo {
  /** Known size in bytes; a mismatch with the streamed body fails the write (the object is removed). */
  size?: number;
  contentType?: string;
  /**
   * Upper bound on the body bytes the provider buffers for this upload (parts in flight). Default: the
   * provider's throughput-oriented setting. Exports pass a small bound to keep the worker's memory low.
   */
  maxBufferedBytes?: number;
}

export type CheckName = "list" | "read" | "write";

export interface ConnectionCheckItem {
  name: CheckName;
  ok: boolean;
  error_message: string | null;
}

export interface ConnectionCheck {
  success: boolean;
  /** Code of the first failing check, null on success. */
  error_code: StorageErrorCode | null;
  error_message: string | null;
  checks: ConnectionCheckItem[];
  latency_ms: number;
}

export interface CheckOptions {
  /**
   * import: the prefix that is listed; export: where the probe object goes
   * (`<probePrefix>/.gantry-probe-<random>`). Default "" (bucket root).
   */
  probePrefix?: string;
}

/** A signed plain HTTP GET of a whole object, with the provider's timeouts (see StorageProvider.plainGet). */
export type PlainGet = {
  url: string;
  headers: Record<string, string>;
  /** Connecting; until the response headers; the socket idle. */
  timeouts: { connectMs: number; requestMs: number; socketIdleMs: number };
};

export interface StorageProvider {
  readonly provider: ProviderKind;
  /**
   * Set by the provider factory: the connector and the version of its settings this instance was built from.
   * Providers with the same scope list the same storage with the same credentials, whichever module copy built
   * them (the listing read-ahead shares pages between them); without one, the instance is its own scope.
   */
  listScope?: string;
  /**
   * import: list one key under the prefix. export: also write, read back and delete a small probe
   * object. Never rejects for storage errors: a failed check is `success: false` with an `error_code`.
   */
  check(scope: "import" | "export", opts?: CheckOptions): Promise<ConnectionCheck>;
  /** One page of a listing. */
  list(q: ListQuery): Promise<ListPage>;
  /** Metadata, or null when the object does not exist. */
  stat(path: string): Promise<RemoteObject | null>;
  /**
   * Streams the object (never buffered whole). Rejects with a `not_found` StorageError when the object
   * is absent: the promise settles only once the backend has answered. Errors after that are emitted on
   * the stream, already mapped to StorageError. Destroying the stream releases the connection.
   */
  read(path: string, range?: ByteRange): Promise<Readable>;
  /**
   * The whole object as one plain HTTP GET, signed, that any HTTP client may send within the next few
   * minutes (imports copy with it in a worker thread, lib/imports/copy-thread.ts). Absent, or null, where a
   * provider cannot offer one; a request that does not answer 200 is read again through `read`.
   */
  plainGet?(path: string): Promise<PlainGet | null>;
  /** Uploads the stream (multipart / resumable / block upload when large or of unknown size). */
  write(path: string, body: Readable, info: WriteInfo): Promise<RemoteObject>;
  /** Deletes the object; deleting an absent object is not an error. */
  remove(path: string): Promise<void>;
}

/** The most entries one list() page returns (S3 and GCS cap a page at 1,000). */
export const MAX_PAGE_SIZE = 1000;
