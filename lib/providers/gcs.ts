/**
 * Google Cloud Storage (@google-cloud/storage).
 *
 * - `endpoint` sets the SDK's `apiEndpoint` (an emulator, or a private endpoint). To an endpoint that
 *   is not under googleapis.com the SDK sends no Authorization header unless `useAuthWithCustomEndpoint`
 *   is true; we turn it on only for *.googleapis.com endpoints (e.g. Private Service Connect
 *   `storage-xyz.p.googleapis.com`), so an emulator needs no token service. (The SDK also honours the
 *   `STORAGE_EMULATOR_HOST` environment variable, which overrides every endpoint: never set it in
 *   production.)
 * - Writes: a simple (multipart/related) upload for small known sizes, a resumable upload in 8 MiB
 *   chunks for large or unknown sizes. CRC32C is validated on upload and on full reads.
 * - `version` is the object generation; `etag` the object resource's etag (falls back to md5Hash).
 * - Reads return the stored bytes (`decompress: false`), so lengths match `size`.
 */
import { Storage, type FileMetadata, type StorageOptions } from "@google-cloud/storage";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ByteCounter,
  checkRange,
  clampPageSize,
  decodeCursor,
  encodeCursor,
  mappedReadable,
  runConnectionCheck,
  sizeMismatch,
} from "./common";
import { mapGcsError, type ErrorContext } from "./errors";
import type { ByteRange, CheckOptions, ListPage, ListQuery, RemoteObject, StorageProvider, WriteInfo } from "./types";

export interface GcsServiceAccountKey {
  client_email: string;
  private_key: string;
  [key: string]: unknown;
}

export interface GcsProviderConfig {
  bucket: string;
  projectId: string;
  /** API endpoint (already checked by the outbound guard), e.g. an emulator's http://host:port. */
  endpoint?: string;
  credentials: GcsServiceAccountKey;
  /** Send OAuth tokens to `endpoint` too (default: only when it is a *.googleapis.com host). */
  authWithCustomEndpoint?: boolean;
  /** Per HTTP request, until response headers (default 120 s). */
  timeoutMs?: number;
  /** Retries after the first attempt for idempotent calls (default 2; 0 = no retries). */
  maxRetries?: number;
}

/** Bodies larger than this (or of unknown size) use a resumable upload, in chunks of this size. */
export const GCS_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
export const GCS_CHUNK_SIZE = 8 * 1024 * 1024;

/** A listing's partial response: every member toRemote reads, the prefixes and the next page's token. */
const LIST_FIELDS = "items(name,size,updated,timeCreated,contentType,generation,etag,md5Hash),prefixes,nextPageToken";

function isGoogleHost(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.toLowerCase();
    return host === "googleapis.com" || host.endsWith(".googleapis.com");
  } catch {
    return false;
  }
}

export function createGcsProvider(cfg: GcsProviderConfig): StorageProvider {
  const options: StorageOptions = {
    projectId: cfg.projectId,
    credentials: { client_email: cfg.credentials.client_email, private_key: cfg.credentials.private_key },
    timeout: cfg.timeoutMs ?? 120_000,
    // (The SDK treats maxRetries 0 as "default": turn retries off instead.)
    retryOptions:
      cfg.maxRetries === 0
        ? { autoRetry: false }
        : { autoRetry: true, maxRetries: cfg.maxRetries ?? 2, maxRetryDelay: 8, totalTimeout: 300 },
  };
  if (cfg.endpoint) {
    options.apiEndpoint = cfg.endpoint.replace(/\/+$/, "");
    options.useAuthWithCustomEndpoint = cfg.authWithCustomEndpoint ?? isGoogleHost(cfg.endpoint);
  }
  const storage = new Storage(options);
  const bucket = storage.bucket(cfg.bucket);
  const secrets = [cfg.credentials.private_key];
  const ctx = (op: string, path?: string): ErrorContext => ({ op, path, bucket: cfg.bucket, secrets });

  const toRemote = (m: FileMetadata, fallbackName: string): RemoteObject => {
    const generation = m.generation !== undefined && m.generation !== null ? String(m.generation) : "";
    return {
      path: m.name ?? fallbackName,
      size: Number(m.size ?? 0),
      lastModified: new Date(String(m.updated ?? m.timeCreated ?? 0)),
      contentType: m.contentType ?? null,
      version: generation,
      etag: m.etag ?? m.md5Hash ?? null,
    };
  };

  async function stat(path: string): Promise<RemoteObject | null> {
    try {
      const [m] = await bucket.file(path).getMetadata();
      return toRemote(m, path);
    } catch (err) {
      const mapped = mapGcsError(err, ctx("stat", path));
      if (mapped.code === "not_found") return null;
      throw mapped;
    }
  }

  async function remove(path: string): Promise<void> {
    try {
      await bucket.file(path).delete();
    } catch (err) {
      const mapped = mapGcsError(err, ctx("remove", path));
      if (mapped.code !== "not_found") throw mapped;
    }
  }

  const provider: StorageProvider = {
    provider: "gcs",

    check: (scope: "import" | "export", opts?: CheckOptions) => runConnectionCheck(provider, scope, opts),

    async list(q: ListQuery): Promise<ListPage> {
      const token = decodeCursor(q.cursor, q.prefix, q.delimiter);
      try {
        // With `fields` the SDK hands back the objects' metadata as parsed, not a File (with its ACL
        // accessors) per object, which was most of the server's CPU in a listing; the service sends
        // only what toRemote reads.
        const [items, nextQuery, apiResponse] = (await bucket.getFiles({
          prefix: q.prefix || undefined,
          delimiter: q.delimiter,
          maxResults: clampPageSize(q.pageSize),
          pageToken: token,
          autoPaginate: false,
          fields: LIST_FIELDS,
        })) as unknown as [FileMetadata[], { pageToken?: string } | null | undefined, { prefixes?: string[] } | undefined];
        const next = nextQuery?.pageToken;
        const prefixes = apiResponse?.prefixes ?? [];
        return {
          objects: items.map((m) => toRemote(m, "")),
          prefixes,
          cursor: next ? encodeCursor(next, q.prefix, q.delimiter) : undefined,
        };
      } catch (err) {
        throw mapGcsError(err, ctx("list", q.prefix));
      }
    },

    stat,

    async read(path: string, range?: ByteRange): Promise<Readable> {
      checkRange(range);
      const src = bucket.file(path).createReadStream(
        range ? { start: range.start, end: range.end, decompress: false, validation: false } : { decompress: false },
      );
      // The SDK requests lazily and reports HTTP errors on the stream: wait for the first data (or the
      // end, or an error) so a missing object rejects here rather than later on the stream.
      try {
        await new Promise<void>((resolve, reject) => {
          const done = (err?: unknown) => {
            src.off("error", onError);
            src.off("readable", onReady);
            src.off("end", onReady);
            if (err) reject(err);
            else resolve();
          };
          const onError = (err: unknown) => done(err ?? new Error("read failed"));
          const onReady = () => done();
          src.once("error", onError);
          src.once("readable", onReady);
          src.once("end", onReady);
        });
      } catch (err) {
        src.destroy();
        throw mapGcsError(err, ctx("read", path));
      }
      return mappedReadable(src, (err) => mapGcsError(err, ctx("read", path)));
    },

    async write(path: string, body: Readable, info: WriteInfo): Promise<RemoteObject> {
      const file = bucket.file(path);
      const resumable = info.size === undefined || info.size > GCS_RESUMABLE_THRESHOLD;
      const counter = new ByteCounter(info.size);
      const sink = file.createWriteStream({
        resumable,
        ...(resumable ? { chunkSize: GCS_CHUNK_SIZE } : {}),
        contentType: info.contentType,
        metadata: info.contentType ? { contentType: info.contentType } : {},
      });
      try {
        await pipeline(body, counter, sink);
      } catch (err) {
        throw mapGcsError(err, ctx("write", path));
      }
      if (info.size !== undefined && counter.bytes !== info.size) {
        await remove(path).catch(() => {});
        throw sizeMismatch(info.size, counter.bytes);
      }
      if (file.metadata?.generation !== undefined && file.metadata.size !== undefined) return toRemote(file.metadata, path);
      const st = await stat(path);
      if (!st) throw mapGcsError({ code: 404, message: `No such object: ${cfg.bucket}/${path}` }, ctx("write", path));
      return st;
    },

    remove,
  };
  return provider;
}
