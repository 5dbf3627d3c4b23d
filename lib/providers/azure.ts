/**
 * Azure Blob Storage (@azure/storage-blob + @azure/identity).
 *
 * Auth: a service principal (ClientSecretCredential; with `authorityHost` for sovereign clouds or a
 * test token service, then also `disableInstanceDiscovery`), the storage account key
 * (StorageSharedKeyCredential) or a SAS token (appended to the service URL).
 * Writes: one Put Blob for small known sizes (≤ 4 MiB), otherwise `uploadStream` (block upload, 4 MiB
 * blocks, 4 in flight).
 * `version` and `etag` are the blob ETag without quotes.
 */
import type { Pipeline } from "@azure/core-rest-pipeline";
import { ClientSecretCredential, type ClientSecretCredentialOptions } from "@azure/identity";
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type BlobItem,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import tls from "node:tls";
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
import { fastAzureListPolicy, withFastAzureList, type AzureListEntry } from "./azure-list-xml";
import { mapAzureError, type ErrorContext } from "./errors";
import type { ByteRange, CheckOptions, ListPage, ListQuery, RemoteObject, StorageProvider, WriteInfo } from "./types";

export type AzureAuth =
  | { kind: "service_principal"; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { kind: "account_key"; accountKey: string }
  | { kind: "sas_token"; sasToken: string };

export interface AzureProviderConfig {
  storageAccount: string;
  container: string;
  /** Blob service URL (default https://<account>.blob.core.windows.net); already checked by the outbound guard. */
  endpoint?: string;
  auth: AzureAuth;
  /**
   * Extra CA certificates (PEM) to trust for the blob endpoint and the authority host, on top of the
   * system roots: private clouds with an internal CA, and the tests' HTTPS Azurite. Prefer
   * NODE_EXTRA_CA_CERTS where the process environment can be set.
   */
  tlsCa?: string | string[];
  /** Attempts per request including the first (default 3). */
  maxTries?: number;
  /** Client-side deadline for list / stat / remove calls, in ms (default 60 s). */
  timeoutMs?: number;
  /** Read listing answers with the fast reader (azure-list-xml.ts; default true); false: the SDK's parser. */
  fastList?: boolean;
}

export const AZURE_BLOCK_SIZE = 4 * 1024 * 1024;
export const AZURE_CONCURRENCY = 4;
/** Known sizes up to this go up in one Put Blob request (buffered); larger or unknown: block upload. */
export const AZURE_SINGLE_PUT_MAX = 4 * 1024 * 1024;

async function collectBody(body: Readable, counter: ByteCounter): Promise<Buffer> {
  const chunks: Buffer[] = [];
  body.on("error", (err) => counter.destroy(err));
  body.pipe(counter);
  for await (const chunk of counter) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function createAzureProvider(cfg: AzureProviderConfig): StorageProvider {
  const endpoint = (cfg.endpoint ?? `https://${cfg.storageAccount}.blob.core.windows.net`).replace(/\/+$/, "");
  const tlsOptions = cfg.tlsCa
    ? { ca: [...tls.rootCertificates, ...(Array.isArray(cfg.tlsCa) ? cfg.tlsCa : [cfg.tlsCa])] }
    : undefined;
  // `tlsOptions.ca` reaches the Node https.Agent through core-rest-pipeline's tlsPolicy; it is not in
  // the declared option types (hence the casts).
  const pipelineOptions = {
    retryOptions: { maxTries: cfg.maxTries ?? 3, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
    userAgentOptions: { userAgentPrefix: "gantry" },
    ...(tlsOptions ? { tlsOptions } : {}),
  } as StoragePipelineOptions;

  let service: BlobServiceClient;
  let secrets: string[];
  const auth = cfg.auth;
  switch (auth.kind) {
    case "service_principal": {
      const credOptions = {
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost, disableInstanceDiscovery: true } : {}),
        retryOptions: { maxRetries: 2 },
        ...(tlsOptions ? { tlsOptions } : {}),
      } as ClientSecretCredentialOptions;
      const credential = new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, credOptions);
      service = new BlobServiceClient(endpoint, credential, pipelineOptions);
      secrets = [auth.clientSecret];
      break;
    }
    case "account_key": {
      const credential = new StorageSharedKeyCredential(cfg.storageAccount, auth.accountKey);
      service = new BlobServiceClient(endpoint, credential, pipelineOptions);
      secrets = [auth.accountKey];
      break;
    }
    case "sas_token": {
      const sas = auth.sasToken.replace(/^\?/, "");
      const url = `${endpoint}${endpoint.includes("?") ? "&" : "?"}${sas}`;
      service = new BlobServiceClient(url, new AnonymousCredential(), pipelineOptions);
      const sig = new URLSearchParams(sas).get("sig") ?? undefined;
      secrets = [auth.sasToken, sas, ...(sig ? [sig, encodeURIComponent(sig)] : [])];
      break;
    }
    default: {
      const never: never = auth;
      throw new Error(`unknown Azure auth kind ${JSON.stringify((never as { kind?: unknown }).kind)}`);
    }
  }
  const container = service.getContainerClient(cfg.container);
  // The fast listing reader joins the pipeline the container client shares with the service client
  // (`storageClientContext` is the SDK's generated client; without it, listings keep the SDK's parser).
  const corePipeline = (container as unknown as { storageClientContext?: { pipeline?: Pipeline } }).storageClientContext?.pipeline;
  const fastList = (cfg.fastList ?? true) && corePipeline !== undefined;
  if (fastList) corePipeline!.addPolicy(fastAzureListPolicy(), { afterPhase: "Retry" });
  const ctx = (op: string, path?: string): ErrorContext => ({ op, path, bucket: cfg.container, secrets });
  const deadline = () => AbortSignal.timeout(cfg.timeoutMs ?? 60_000);

  const fromEntry = (b: AzureListEntry): RemoteObject => {
    const etag = stripQuotes(b.etag);
    return { path: b.name, size: b.size, lastModified: b.lastModified, contentType: b.contentType || null, version: etag ?? "", etag };
  };
  const fromItem = (b: BlobItem): RemoteObject =>
    fromEntry({ name: b.name, size: b.properties.contentLength ?? 0, lastModified: b.properties.lastModified, etag: b.properties.etag, contentType: b.properties.contentType });

  async function stat(path: string): Promise<RemoteObject | null> {
    try {
      const p = await container.getBlobClient(path).getProperties({ abortSignal: deadline() });
      const etag = stripQuotes(p.etag);
      return {
        path,
        size: p.contentLength ?? 0,
        lastModified: p.lastModified ?? new Date(0),
        contentType: p.contentType || null,
        version: etag ?? "",
        etag,
      };
    } catch (err) {
      const mapped = mapAzureError(err, ctx("stat", path));
      if (mapped.code === "not_found") return null;
      throw mapped;
    }
  }

  async function remove(path: string): Promise<void> {
    try {
      await container.getBlobClient(path).delete({ abortSignal: deadline() });
    } catch (err) {
      const mapped = mapAzureError(err, ctx("remove", path));
      if (mapped.code !== "not_found") throw mapped;
    }
  }

  const provider: StorageProvider = {
    provider: "azure",

    check: (scope: "import" | "export", opts?: CheckOptions) => runConnectionCheck(provider, scope, opts),

    async list(q: ListQuery): Promise<ListPage> {
      const token = decodeCursor(q.cursor, q.prefix, q.delimiter);
      const settings = { continuationToken: token, maxPageSize: clampPageSize(q.pageSize) };
      const options = { prefix: q.prefix || undefined, abortSignal: deadline() };
      try {
        const call = async () => {
          if (q.delimiter) {
            const res = await container.listBlobsByHierarchy(q.delimiter, options).byPage(settings).next();
            const page = res.done ? undefined : res.value;
            return {
              objects: (page?.segment.blobItems ?? []).map(fromItem),
              prefixes: (page?.segment.blobPrefixes ?? []).map((p) => p.name),
              next: page?.continuationToken,
            };
          }
          const res = await container.listBlobsFlat(options).byPage(settings).next();
          const page = res.done ? undefined : res.value;
          return { objects: (page?.segment.blobItems ?? []).map(fromItem), prefixes: [], next: page?.continuationToken };
        };
        const { result, page } = fastList ? await withFastAzureList(call) : { result: await call(), page: null };
        const listed = page
          ? { objects: page.blobs.map(fromEntry), prefixes: page.prefixes, next: page.nextMarker }
          : result;
        return {
          objects: listed.objects,
          prefixes: listed.prefixes,
          cursor: listed.next ? encodeCursor(listed.next, q.prefix, q.delimiter) : undefined,
        };
      } catch (err) {
        throw mapAzureError(err, ctx("list", q.prefix));
      }
    },

    stat,

    async read(path: string, range?: ByteRange): Promise<Readable> {
      checkRange(range);
      try {
        const offset = range?.start ?? 0;
        const count = range?.end !== undefined ? range.end - range.start + 1 : undefined;
        const res = await container.getBlobClient(path).download(offset, count, { maxRetryRequests: 3 });
        const body = res.readableStreamBody as Readable | undefined;
        if (!body) throw new Error("download returned no stream body");
        return mappedReadable(body, (err) => mapAzureError(err, ctx("read", path)));
      } catch (err) {
        throw mapAzureError(err, ctx("read", path));
      }
    },

    async write(path: string, body: Readable, info: WriteInfo): Promise<RemoteObject> {
      const blob = container.getBlockBlobClient(path);
      const blobHTTPHeaders = info.contentType ? { blobContentType: info.contentType } : undefined;
      const counter = new ByteCounter(info.size);
      let res: { etag?: string; lastModified?: Date };
      if (info.size !== undefined && info.size <= AZURE_SINGLE_PUT_MAX) {
        // Small and of known size: one Put Blob instead of Put Block + Put Block List.
        let data: Buffer;
        try {
          data = await collectBody(body, counter);
        } catch (err) {
          throw mapAzureError(err, ctx("write", path));
        }
        if (data.length !== info.size) throw sizeMismatch(info.size, data.length);
        try {
          res = await blob.upload(data, data.length, { blobHTTPHeaders });
        } catch (err) {
          throw mapAzureError(err, ctx("write", path));
        }
      } else {
        body.on("error", (err) => counter.destroy(err));
        body.pipe(counter);
        try {
          res = await blob.uploadStream(counter, AZURE_BLOCK_SIZE, AZURE_CONCURRENCY, { blobHTTPHeaders });
        } catch (err) {
          body.unpipe(counter);
          if (!body.destroyed) body.destroy();
          throw mapAzureError(err, ctx("write", path));
        }
      }
      if (info.size !== undefined && counter.bytes !== info.size) {
        await remove(path).catch(() => {});
        throw sizeMismatch(info.size, counter.bytes);
      }
      const etag = stripQuotes(res.etag);
      return {
        path,
        size: counter.bytes,
        lastModified: res.lastModified ?? new Date(),
        contentType: info.contentType ?? "application/octet-stream",
        version: etag ?? "",
        etag,
      };
    },

    remove,
  };
  return provider;
}
