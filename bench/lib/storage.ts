// Raw-SDK side of the browse bench: seeding the emulators and the providers' own listing loops
// (the baseline the API is compared with). Nothing here goes through Gantry.
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { Storage } from "@google-cloud/storage";
import type { EmulatorEnv } from "../../scripts/emulators/index";

export type ProviderName = "s3" | "azure" | "gcs";
export const ALL_PROVIDERS: ProviderName[] = ["s3", "azure", "gcs"];

export interface Target {
  provider: ProviderName;
  /** Bucket (S3, GCS) or container (Azure). */
  bucket: string;
  prefix: string;
}

export interface RawLister {
  /** Lists every object under the target's prefix in pages of `pageSize`; returns the count and per-page ms. */
  listAll(pageSize: number): Promise<{ count: number; pages: number[] }>;
}

export interface RawStorage extends RawLister {
  ensureBucket(): Promise<void>;
  put(key: string, body: Buffer): Promise<void>;
}

export function objectKey(prefix: string, i: number): string {
  return `${prefix}dir-${String(i % 20).padStart(2, "0")}/file-${String(i).padStart(6, "0")}.mp4`;
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight; reports progress. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>, onProgress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await fn(i);
      done++;
      if (onProgress && done % 1000 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

async function retrying<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let a = 1; ; a++) {
    try {
      return await fn();
    } catch (err) {
      if (a >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * a));
    }
  }
}

export function rawStorage(target: Target, env: EmulatorEnv): RawStorage {
  const { bucket, prefix } = target;
  switch (target.provider) {
    case "s3": {
      const e = env.s3!;
      const client = new S3Client({
        endpoint: e.endpoint,
        region: e.region,
        forcePathStyle: true,
        credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      return {
        async ensureBucket() {
          await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err) => {
            if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(String(err?.name))) throw err;
          });
        },
        async put(key, body) {
          await retrying(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
        },
        async listAll(pageSize) {
          let count = 0;
          const pages: number[] = [];
          let token: string | undefined;
          do {
            const t = performance.now();
            const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: token }));
            count += out.Contents?.length ?? 0;
            token = out.IsTruncated ? out.NextContinuationToken : undefined;
            pages.push(performance.now() - t);
          } while (token);
          return { count, pages };
        },
      };
    }
    case "azure": {
      const e = env.azure!;
      const svc = new BlobServiceClient(e.endpoint, new StorageSharedKeyCredential(e.accountName, e.accountKey));
      const container = svc.getContainerClient(bucket);
      return {
        async ensureBucket() {
          await container.createIfNotExists();
        },
        async put(key, body) {
          await retrying(() => container.getBlockBlobClient(key).upload(body, body.length));
        },
        async listAll(pageSize) {
          let count = 0;
          const pages: number[] = [];
          const iter = container.listBlobsFlat({ prefix }).byPage({ maxPageSize: pageSize });
          for (;;) {
            const t = performance.now();
            const r = await iter.next();
            if (r.done) break;
            count += r.value.segment.blobItems.length;
            pages.push(performance.now() - t);
          }
          return { count, pages };
        },
      };
    }
    case "gcs": {
      const e = env.gcs!;
      const storage = new Storage({ apiEndpoint: e.endpoint, projectId: "gantry-bench" });
      const b = storage.bucket(bucket);
      return {
        async ensureBucket() {
          const [exists] = await b.exists();
          if (!exists) await storage.createBucket(bucket);
        },
        async put(key, body) {
          // Plain media upload over HTTP: the SDK's save() costs more client CPU than the emulator itself.
          const url = `${e.endpoint.replace(/\/+$/, "")}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media&name=${encodeURIComponent(key)}`;
          await retrying(async () => {
            const res = await fetch(url, { method: "POST", headers: { "content-type": "video/mp4" }, body: new Uint8Array(body) });
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`GCS upload ${key}: HTTP ${res.status}`);
          });
        },
        async listAll(pageSize) {
          let count = 0;
          const pages: number[] = [];
          let query: { prefix: string; maxResults: number; autoPaginate: false; pageToken?: string } | null = {
            prefix,
            maxResults: pageSize,
            autoPaginate: false,
          };
          while (query) {
            const t = performance.now();
            const res: [unknown[], unknown?, ...unknown[]] = await b.getFiles(query);
            const [files, next] = res;
            count += files.length;
            const token: string | undefined = (next as { pageToken?: string } | null | undefined)?.pageToken;
            query = token ? { prefix, maxResults: pageSize, autoPaginate: false, pageToken: token } : null;
            pages.push(performance.now() - t);
          }
          return { count, pages };
        },
      };
    }
  }
}
