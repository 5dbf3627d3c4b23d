/**
 * S3 and S3-compatible storage (@aws-sdk/client-s3 + @aws-sdk/lib-storage).
 *
 * - Custom endpoints (MinIO, Ceph RGW, R2, Wasabi, B2, emulators) get
 *   `requestChecksumCalculation/responseChecksumValidation: "WHEN_REQUIRED"`: the SDK's default sends
 *   streaming bodies `aws-chunked` with trailing checksums, which several S3-compatible servers reject
 *   (RGW: 411) or store verbatim. They also default to path-style addressing (override with
 *   `forcePathStyle: false`).
 * - Writes always go through lib-storage `Upload` (8 MiB parts, 4 in flight): one PutObject when the
 *   body fits in one part, multipart otherwise, so no single request exceeds 8 MiB whatever the size.
 * - `version` is the ETag without quotes, in listings and stat alike (ListObjectsV2 returns no VersionId).
 * - stat() of a key in a bucket that does not exist returns null: HeadObject's 404 carries no body that
 *   could tell NoSuchBucket from NoSuchKey (list / read / write do report bucket_not_found).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import {
  ByteCounter,
  checkRange,
  clampPageSize,
  decodeCursor,
  encodeCursor,
  mappedReadable,
  runConnectionCheck,
  sizeMismatch,
  stripQuotes,
} from "./common";
import { mapS3Error, type ErrorContext } from "./errors";
import { createLeanS3 } from "./s3-lean";
import { fastListPlugin, type FastListEntry, type FastListPage } from "./s3-list-xml";
import type { ByteRange, CheckOptions, ListPage, ListQuery, RemoteObject, StorageProvider, WriteInfo } from "./types";

export interface S3ProviderConfig {
  bucket: string;
  region: string;
  /** S3-compatible endpoint URL (already checked by the outbound guard). */
  endpoint?: string;
  /** Path-style addressing; default true when `endpoint` is set, false for AWS. */
  forcePathStyle?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Total attempts per request including retries (default 3). */
  maxAttempts?: number;
  /** Milliseconds: TCP/TLS connect (10 s), request until response headers (120 s), socket idle (300 s). */
  timeouts?: { connectMs?: number; requestMs?: number; socketIdleMs?: number };
  /** Reads and listings from a custom endpoint with path-style addressing skip the SDK's middleware (s3-lean.ts); default true. */
  leanRequests?: boolean;
}

export const S3_PART_SIZE = 8 * 1024 * 1024;
export const S3_QUEUE_SIZE = 4;
/** S3's smallest part (all but the last). */
export const S3_MIN_PART_SIZE = 5 * 1024 * 1024;

export function createS3Provider(cfg: S3ProviderConfig): StorageProvider {
  const custom = Boolean(cfg.endpoint);
  const clientConfig: S3ClientConfig = {
    region: cfg.region,
    credentials: {
      accessKeyId: cfg.credentials.accessKeyId,
      secretAccessKey: cfg.credentials.secretAccessKey,
      ...(cfg.credentials.sessionToken ? { sessionToken: cfg.credentials.sessionToken } : {}),
    },
    maxAttempts: cfg.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: cfg.timeouts?.connectMs ?? 10_000,
      requestTimeout: cfg.timeouts?.requestMs ?? 120_000,
      throwOnRequestTimeout: true,
      socketTimeout: cfg.timeouts?.socketIdleMs ?? 300_000,
    },
  };
  if (custom) {
    clientConfig.endpoint = cfg.endpoint;
    clientConfig.forcePathStyle = cfg.forcePathStyle ?? true;
    clientConfig.requestChecksumCalculation = "WHEN_REQUIRED";
    clientConfig.responseChecksumValidation = "WHEN_REQUIRED";
  } else {
    clientConfig.forcePathStyle = cfg.forcePathStyle ?? false;
    clientConfig.followRegionRedirects = true;
  }
  const client = new S3Client(clientConfig);
  const lean =
    custom && clientConfig.forcePathStyle && cfg.leanRequests !== false
      ? createLeanS3({
          endpoint: cfg.endpoint!,
          bucket: cfg.bucket,
          region: cfg.region,
          credentials: cfg.credentials,
          connectMs: cfg.timeouts?.connectMs ?? 10_000,
          requestMs: cfg.timeouts?.requestMs ?? 120_000,
          socketIdleMs: cfg.timeouts?.socketIdleMs ?? 300_000,
        })
      : null;
  const Bucket = cfg.bucket;
  const secrets = [cfg.credentials.secretAccessKey, cfg.credentials.sessionToken];
  const ctx = (op: string, path?: string): ErrorContext => ({ op, path, bucket: Bucket, secrets });

  const toRemote = (o: FastListEntry, key: string): RemoteObject => {
    const etag = stripQuotes(o.etag);
    return {
      path: key,
      size: o.size,
      lastModified: o.lastModified ?? new Date(0),
      contentType: null,
      version: etag ?? "",
      etag,
    };
  };

  async function stat(path: string): Promise<RemoteObject | null> {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket, Key: path }));
      const etag = stripQuotes(out.ETag);
      return {
        path,
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified ?? new Date(0),
        contentType: out.ContentType ?? null,
        version: etag ?? "",
        etag,
      };
    } catch (err) {
      const mapped = mapS3Error(err, ctx("stat", path));
      if (mapped.code === "not_found") return null;
      throw mapped;
    }
  }

  async function remove(path: string): Promise<void> {
    try {
      await client.send(new DeleteObjectCommand({ Bucket, Key: path }));
    } catch (err) {
      const mapped = mapS3Error(err, ctx("remove", path));
      if (mapped.code !== "not_found") throw mapped;
    }
  }

  async function listThroughSdk(q: ListQuery, token: string | undefined): Promise<FastListPage> {
    const command = new ListObjectsV2Command({
      Bucket,
      Prefix: q.prefix || undefined,
      Delimiter: q.delimiter,
      MaxKeys: clampPageSize(q.pageSize),
      ContinuationToken: token,
      // Keys may hold characters XML 1.0 cannot carry; ask for URL-encoded keys and decode them
      // when the server says it did (some S3-compatible servers ignore the parameter).
      EncodingType: "url",
    });
    let fast: FastListPage | undefined;
    command.middlewareStack.use(fastListPlugin((p) => (fast = p)));
    const out = await client.send(command);
    return fast ?? {
      contents: (out.Contents ?? []).filter((o) => o.Key !== undefined).map((o) => ({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified })),
      prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix).filter((p): p is string => p !== undefined),
      isTruncated: !!out.IsTruncated,
      nextContinuationToken: out.NextContinuationToken,
      encodingType: out.EncodingType,
    };
  }

  const provider: StorageProvider = {
    provider: "s3",

    check: (scope: "import" | "export", opts?: CheckOptions) => runConnectionCheck(provider, scope, opts),

    async list(q: ListQuery): Promise<ListPage> {
      const token = decodeCursor(q.cursor, q.prefix, q.delimiter);
      try {
        // The lean request first (a page, or null: the SDK's command then decides, as before).
        const page: FastListPage =
          (lean && (await lean.list({ prefix: q.prefix || undefined, delimiter: q.delimiter, maxKeys: clampPageSize(q.pageSize), continuationToken: token }))) ||
          (await listThroughSdk(q, token));
        const encoded = page.encodingType === "url";
        const decode = (s: string) => (encoded && (s.includes("%") || s.includes("+")) ? decodeURIComponent(s.replace(/\+/g, "%20")) : s);
        return {
          objects: page.contents.map((o) => toRemote(o, decode(o.key))),
          prefixes: page.prefixes.filter((p) => !!p).map(decode),
          cursor:
            page.isTruncated && page.nextContinuationToken
              ? encodeCursor(page.nextContinuationToken, q.prefix, q.delimiter)
              : undefined,
        };
      } catch (err) {
        throw mapS3Error(err, ctx("list", q.prefix));
      }
    },

    stat,

    async read(path: string, range?: ByteRange): Promise<Readable> {
      checkRange(range);
      const Range = range ? `bytes=${range.start}-${range.end ?? ""}` : undefined;
      // A success from the lean GET is taken as is; anything else is asked again through the SDK below.
      const body = lean && (await lean.get(path, Range));
      if (body) return mappedReadable(body, (err) => mapS3Error(err, ctx("read", path)));
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: path, Range }));
        const body = out.Body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== "function") {
          throw new Error("GetObject returned no stream body");
        }
        return mappedReadable(body, (err) => mapS3Error(err, ctx("read", path)));
      } catch (err) {
        throw mapS3Error(err, ctx("read", path));
      }
    },

    plainGet: lean ? async (path: string) => lean.plainGet(path) : undefined,

    async write(path: string, body: Readable, info: WriteInfo): Promise<RemoteObject> {
      const counter = new ByteCounter(info.size);
      body.on("error", (err) => counter.destroy(err));
      body.pipe(counter);
      // A buffering bound trades parallel parts (and part size, down to S3's 5 MiB minimum) for memory.
      const partSize = info.maxBufferedBytes ? Math.max(S3_MIN_PART_SIZE, Math.min(S3_PART_SIZE, Math.floor(info.maxBufferedBytes / 2))) : S3_PART_SIZE;
      const queueSize = info.maxBufferedBytes ? Math.max(1, Math.min(S3_QUEUE_SIZE, Math.floor(info.maxBufferedBytes / partSize))) : S3_QUEUE_SIZE;
      const upload = new Upload({
        client,
        params: { Bucket, Key: path, Body: counter, ContentType: info.contentType },
        // S3 allows 10,000 parts: grow the parts for very large known sizes (unknown sizes: 80 GB max).
        partSize: info.size !== undefined ? Math.max(partSize, Math.ceil(info.size / 9_000)) : partSize,
        queueSize,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        body.unpipe(counter);
        if (!body.destroyed) body.destroy();
        throw mapS3Error(err, ctx("write", path));
      }
      if (info.size !== undefined && counter.bytes !== info.size) {
        await remove(path).catch(() => {});
        throw sizeMismatch(info.size, counter.bytes);
      }
      const st = await stat(path);
      if (!st) throw mapS3Error({ name: "NotFound", $metadata: { httpStatusCode: 404 } }, ctx("write", path));
      return st;
    },

    remove,
  };
  return provider;
}
