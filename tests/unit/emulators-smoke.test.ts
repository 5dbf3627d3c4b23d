/**
 * Smoke test of the storage emulators with the real SDKs. Uses the emulators named by the GANTRY_TEST_*
 * variables (scripts/emulators/index.ts toEnv: set by the test runner's global setup or by
 * `npm run emulators -- --write-env FILE`); for any group that is not set it starts that emulator
 * itself in beforeAll, so nothing is skipped for lack of configuration.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { ClientSecretCredential } from "@azure/identity";
import {
  readEmulatorEnv,
  startAzurite,
  startAzuriteOAuth,
  startS3Emulator,
  withTestCa,
  type EmulatorEnv,
} from "../../scripts/emulators/index";

const BOOT_TIMEOUT = 120_000;
const env = readEmulatorEnv();
const started: Array<{ stop(): Promise<void> }> = [];
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

afterAll(async () => {
  await Promise.all(started.map((h) => h.stop()));
}, 30_000);

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("S3 emulator", () => {
  let cfg: NonNullable<EmulatorEnv["s3"]>;
  let s3: S3Client;
  const bucket = `smoke-${runId}`;

  const client = (overrides: Partial<S3ClientConfig> = {}) =>
    new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region,
      credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1,
      ...overrides,
    });

  beforeAll(async () => {
    if (env.s3) {
      cfg = env.s3;
    } else {
      const h = await startS3Emulator(); // radosgw when installed (GANTRY_TEST_S3_EMULATOR overrides)
      started.push(h);
      cfg = { endpoint: h.endpoint, accessKeyId: h.accessKeyId, secretAccessKey: h.secretAccessKey, kind: h.kind, region: h.region };
    }
    s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }, BOOT_TIMEOUT);

  afterAll(async () => {
    if (!s3) return;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  }, 30_000);

  it("puts, gets and lists objects", async () => {
    const bodies: Record<string, string> = {
      "a/one.txt": "first",
      "a/two.txt": "second",
      "a/sub/three.txt": "third",
      "b.txt": "top",
    };
    for (const [Key, Body] of Object.entries(bodies)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType: "text/plain" }));
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/two.txt" }));
    expect(await got.Body!.transformToString()).toBe("second");
    expect(got.ContentLength).toBe(6);

    const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/one.txt", Range: "bytes=1-3" }));
    expect(await ranged.Body!.transformToString()).toBe("irs");

    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "a/", Delimiter: "/" }));
    expect((page.Contents ?? []).map((o) => o.Key).sort()).toEqual(["a/one.txt", "a/two.txt"]);
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["a/sub/"]);

    const paged = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }));
    expect(paged.Contents).toHaveLength(2);
    expect(paged.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 10, ContinuationToken: paged.NextContinuationToken }),
    );
    expect([...paged.Contents!, ...rest.Contents!].map((o) => o.Key).sort()).toEqual(Object.keys(bodies).sort());
  });

  it("uploads 12 MB with lib-storage multipart and reads it back intact", async () => {
    const data = randomBytes(12 * 1024 * 1024);
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: "big/blob.bin", Body: data, ContentType: "application/octet-stream" },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const done = await upload.done();

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big/blob.bin" }));
    expect(head.ContentLength).toBe(data.length);
    // Multipart ETags are "<md5 of the part md5s>-<part count>".
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    // radosgw 16.2 (Debian bookworm) answers CompleteMultipartUpload with an EMPTY <ETag/> (a known RGW
    // bug, also in some deployed versions): code must fall back to HeadObject when it is empty.
    expect([head.ETag, ""]).toContain(done.ETag ?? "");
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big/blob.bin" }));
    const bytes = await got.Body!.transformToByteArray();
    expect(bytes.length).toBe(data.length);
    expect(sha256(bytes)).toBe(sha256(data));
  }, 60_000);

  // fauxqs checks no credentials at all; only radosgw can prove that a bad signature is refused.
  it.skipIf(env.s3 ? env.s3.kind !== "radosgw" : false)(
    "refuses a wrong secret and an unknown access key with 403 (radosgw only: fauxqs checks no credentials)",
    async (ctx) => {
      if (cfg.kind !== "radosgw") ctx.skip();
      const wrongSecret = client({
        credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey + "x" },
      });
      const unknownKey = client({ credentials: { accessKeyId: "NOSUCHKEY0000000000", secretAccessKey: "whatever" } });
      for (const [c, codes] of [
        [wrongSecret, ["SignatureDoesNotMatch"]],
        [unknownKey, ["InvalidAccessKeyId"]],
      ] as const) {
        const err = await c.send(new GetObjectCommand({ Bucket: bucket, Key: "b.txt" })).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(S3ServiceException);
        const e = err as S3ServiceException;
        expect(e.$metadata.httpStatusCode).toBe(403);
        expect(codes).toContain(e.name);
        c.destroy();
      }
    },
  );
});

describe("Azure Blob emulator (account key)", () => {
  let container: ContainerClient;

  beforeAll(async () => {
    let cfg = env.azure;
    if (!cfg) {
      const h = await startAzurite();
      started.push(h);
      cfg = { endpoint: h.endpoint, accountName: h.accountName, accountKey: h.accountKey };
    }
    const service = new BlobServiceClient(cfg.endpoint, new StorageSharedKeyCredential(cfg.accountName, cfg.accountKey));
    container = service.getContainerClient(`smoke-${runId}`);
    await container.create();
  }, BOOT_TIMEOUT);

  afterAll(async () => {
    await container?.deleteIfExists();
  });

  it("puts, gets and lists blobs", async () => {
    for (const name of ["dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "top.txt"]) {
      const body = `body of ${name}`;
      await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "text/plain" },
      });
    }
    const buf = await container.getBlockBlobClient("dir/b.txt").downloadToBuffer();
    expect(buf.toString()).toBe("body of dir/b.txt");

    const props = await container.getBlockBlobClient("dir/b.txt").getProperties();
    expect(props.contentLength).toBe(Buffer.byteLength("body of dir/b.txt"));
    expect(props.contentType).toBe("text/plain");

    const flat: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: "dir/" })) flat.push(b.name);
    expect(flat.sort()).toEqual(["dir/a.txt", "dir/b.txt", "dir/sub/c.txt"]);

    const blobs: string[] = [];
    const prefixes: string[] = [];
    for await (const item of container.listBlobsByHierarchy("/", { prefix: "dir/" })) {
      if (item.kind === "prefix") prefixes.push(item.name);
      else blobs.push(item.name);
    }
    expect(blobs.sort()).toEqual(["dir/a.txt", "dir/b.txt"]);
    expect(prefixes).toEqual(["dir/sub/"]);
  });

  it("refuses a wrong account key with 403", async () => {
    const url = container.url.replace(/\/[^/]+$/, "");
    const bad = new BlobServiceClient(
      url,
      new StorageSharedKeyCredential(container.accountName, Buffer.from("not-the-key").toString("base64")),
      { retryOptions: { maxTries: 1 } },
    );
    const err = await bad.getContainerClient(container.containerName).getProperties().then(
      () => null,
      (e: unknown) => e as { statusCode?: number; code?: string },
    );
    expect(err?.statusCode).toBe(403);
    expect(err?.code).toBe("AuthorizationFailure");
  });
});

describe("Azure Blob emulator (service principal over OAuth)", () => {
  let cfg: NonNullable<EmulatorEnv["azureOAuth"]>;
  let caPem: string;

  const credential = (secret: string) =>
    new ClientSecretCredential(
      cfg.tenantId,
      cfg.clientId,
      secret,
      withTestCa({ authorityHost: cfg.authorityHost, disableInstanceDiscovery: true }, caPem),
    );

  beforeAll(async () => {
    if (env.azureOAuth) {
      cfg = env.azureOAuth;
      if (!cfg.caCertPath) throw new Error("GANTRY_TEST_AZURE_CA_CERT must be set with GANTRY_TEST_AZURE_OAUTH_ENDPOINT");
      caPem = readFileSync(cfg.caCertPath, "utf8");
    } else {
      const h = await startAzuriteOAuth();
      started.push(h);
      cfg = h;
      caPem = h.caPem;
    }
  }, BOOT_TIMEOUT);

  it("puts and gets a blob with ClientSecretCredential", async () => {
    const service = new BlobServiceClient(cfg.endpoint, credential(cfg.clientSecret), withTestCa({}, caPem));
    const container = service.getContainerClient(`oauth-${runId}`);
    await container.create();
    try {
      const blob = container.getBlockBlobClient("hello/world.txt");
      await blob.upload("via service principal", 21);
      expect((await blob.downloadToBuffer()).toString()).toBe("via service principal");
      const names: string[] = [];
      for await (const b of container.listBlobsFlat()) names.push(b.name);
      expect(names).toEqual(["hello/world.txt"]);
    } finally {
      await container.deleteIfExists();
    }
  });

  it("fails with an authentication error for a wrong client secret", async () => {
    const service = new BlobServiceClient(cfg.endpoint, credential("wrong-secret"), withTestCa({}, caPem));
    const err = await service.getContainerClient(`oauth-${runId}-x`).exists().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).not.toBeNull();
    expect(err!.name).toBe("AuthenticationRequiredError");
    expect(err!.message).toContain("invalid_client");
  });

  it("rejects a request without a token-derived authorization", async () => {
    // Anonymous access to a private container on the OAuth instance: must not succeed.
    const anon = new BlobServiceClient(cfg.endpoint, undefined, withTestCa({}, caPem));
    const err = await anon.getContainerClient(`oauth-${runId}-y`).create().then(
      () => null,
      (e: unknown) => e as { statusCode?: number },
    );
    expect(err?.statusCode).toBeGreaterThanOrEqual(400);
    expect(err?.statusCode).toBeLessThan(500);
  });
});
