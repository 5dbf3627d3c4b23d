/**
 * One contract suite for every storage provider (lib/providers), run against the emulators:
 *
 *   s3             Ceph radosgw or fauxqs (GANTRY_TEST_S3_KIND)
 *   gcs            the project's JSON-API emulator (scripts/emulators/gcs-server.ts)
 *   azure (key)    Azurite over HTTP, shared key
 *   azure (sas)    the same Azurite, an account SAS signed with its key
 *   azure (sp)     Azurite over HTTPS with --oauth basic + the local token service (service principal)
 *   local          a temp directory
 *
 * Same cases, same assertions. Where a backend cannot exercise a case here, the case is skipped and
 * its name says why (GCS credentials: the SDK sends no token to a custom endpoint; fauxqs checks no
 * credentials; the local provider has none).
 *
 * Emulators come from the GANTRY_TEST_* variables when a parent started them, else this file starts
 * what is missing (tests/helpers/emulators.ts) and stops it afterwards.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
} from "@azure/storage-blob";
import { Storage } from "@google-cloud/storage";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidCursorError,
  InvalidPathError,
  StorageError,
  createStorageProvider,
  type ProviderConfig,
  type RemoteObject,
  type StorageErrorCode,
  type StorageProvider,
} from "../../lib/providers";
import { withTestCa } from "../../scripts/emulators/index";
import { expectedS3Kind, useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { azureFastListCounts } from "../../lib/providers/azure-list-xml";
import { fastListCounts } from "../../lib/providers/s3-list-xml";
import { leanGetCounts } from "../../lib/providers/s3-lean";

const RUN = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const BUCKET = `gantry-prov-${RUN}`.toLowerCase();
const MISSING_BUCKET = `gantry-missing-${RUN}`.toLowerCase();
const S3_KIND = expectedS3Kind();
const MiB = 1024 * 1024;

/** Recognisable secrets: they must never show up in an error message or stack. */
const MARK = `GANTRYSECRET${randomBytes(4).toString("hex").toUpperCase()}`;
const FAKE_S3_SECRET = `${MARK}s3secretAccessKey0123456789`;
const FAKE_AZURE_KEY = Buffer.from(`${MARK}-azure-account-key-0123456789abcdef`).toString("base64");
const FAKE_SP_SECRET = `${MARK}~client-secret`;
const FAKE_SAS_SIG = `${MARK}sasSignature0123456789abcdefABCDEF%3D`;
const GCS_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;
const GCS_CLIENT_EMAIL = "gantry-test@gantry-test-project.iam.gserviceaccount.com";

let emu: StorageEmulators;
let localRoot: string;
let closedPort: number;
let azureSas = "";
const timings: Record<string, number> = {};

// --- helpers -------------------------------------------------------------------------------------------

async function freeClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function bufferBody(data: string | Buffer): Readable {
  return Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** A body of `size` random bytes in 1 MiB chunks, generated as it is read; `digest()` after the end. */
function generatedBody(size: number): { body: Readable; digest: () => string } {
  const hash = createHash("sha256");
  async function* gen() {
    let left = size;
    while (left > 0) {
      const n = Math.min(MiB, left);
      const chunk = randomBytes(n);
      hash.update(chunk);
      left -= n;
      yield chunk;
    }
  }
  return { body: Readable.from(gen(), { objectMode: false }), digest: () => hash.digest("hex") };
}

async function sha256Stream(stream: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    bytes += b.length;
    hash.update(b);
  }
  return { hex: hash.digest("hex"), bytes };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code, (err as Error).message).toBe(code);
  return err as StorageError;
}

function expectNoSecrets(texts: Array<string | null | undefined>, secrets: string[]): void {
  for (const text of texts) {
    if (!text) continue;
    for (const s of secrets) expect(text.includes(s), `secret leaked in: ${text.slice(0, 400)}`).toBe(false);
  }
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function inBatches<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
      }
    }),
  );
}

async function listAll(p: StorageProvider, prefix: string, delimiter?: "/", pageSize = 1000) {
  const objects: RemoteObject[] = [];
  const prefixes: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await p.list({ prefix, delimiter, cursor, pageSize });
    objects.push(...page.objects);
    prefixes.push(...page.prefixes);
    pages.push(page.objects.length + page.prefixes.length);
    cursor = page.cursor;
  } while (cursor && pages.length < 100);
  return { objects, prefixes, pages };
}

const utf8Sorted = (xs: string[]) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

// --- subjects ------------------------------------------------------------------------------------------

interface Subject {
  name: string;
  slug: string;
  /** A working provider. */
  make(): StorageProvider;
  /** Same target, wrong credentials (with the secrets that must not leak); or why that cannot run here. */
  wrongCredentials: (() => { provider: StorageProvider; secrets: string[] }) | { skip: string };
  /** Same credentials, a bucket / container that does not exist. */
  missingBucket(): StorageProvider;
  /** Nothing listens at the endpoint; or why the case does not apply. */
  unreachable: (() => { provider: StorageProvider; secrets: string[] }) | { skip: string };
}

function s3Config(over: Partial<Extract<ProviderConfig, { provider: "s3" }>> = {}): ProviderConfig {
  const s3 = emu.env.s3!;
  return {
    provider: "s3",
    bucket: BUCKET,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...over,
  };
}

function gcsConfig(over: Partial<Extract<ProviderConfig, { provider: "gcs" }>> = {}): ProviderConfig {
  return {
    provider: "gcs",
    bucket: BUCKET,
    projectId: "gantry-test-project",
    endpoint: emu.env.gcs!.endpoint,
    credentials: { type: "service_account", client_email: GCS_CLIENT_EMAIL, private_key: GCS_KEY },
    ...over,
  };
}

function azureKeyConfig(over: Partial<Extract<ProviderConfig, { provider: "azure" }>> = {}): ProviderConfig {
  const az = emu.env.azure!;
  return {
    provider: "azure",
    storageAccount: az.accountName,
    container: `${BUCKET}-key`,
    endpoint: az.endpoint,
    auth: { kind: "account_key", accountKey: az.accountKey },
    ...over,
  };
}

function azureSasConfig(over: Partial<Extract<ProviderConfig, { provider: "azure" }>> = {}): ProviderConfig {
  const az = emu.env.azure!;
  return {
    provider: "azure",
    storageAccount: az.accountName,
    container: `${BUCKET}-sas`,
    endpoint: az.endpoint,
    auth: { kind: "sas_token", sasToken: azureSas },
    ...over,
  };
}

function azureSpConfig(over: Partial<Extract<ProviderConfig, { provider: "azure" }>> = {}): ProviderConfig {
  const oa = emu.env.azureOAuth!;
  return {
    provider: "azure",
    storageAccount: "devstoreaccount1",
    container: BUCKET,
    endpoint: oa.endpoint,
    auth: {
      kind: "service_principal",
      tenantId: oa.tenantId,
      clientId: oa.clientId,
      clientSecret: oa.clientSecret,
      authorityHost: oa.authorityHost,
    },
    tlsCa: emu.azureCaPem,
    ...over,
  };
}

const closedEndpoint = (scheme = "http") => `${scheme}://127.0.0.1:${closedPort}`;

const SUBJECTS: Subject[] = [
  {
    name: `s3 (${S3_KIND})`,
    slug: "s3",
    make: () => createStorageProvider(s3Config()),
    wrongCredentials:
      S3_KIND === "fauxqs"
        ? { skip: "fauxqs checks no credentials (GANTRY_TEST_S3_KIND=fauxqs)" }
        : () => ({
            provider: createStorageProvider(
              s3Config({ credentials: { accessKeyId: emu.env.s3!.accessKeyId, secretAccessKey: FAKE_S3_SECRET } }),
            ),
            secrets: [FAKE_S3_SECRET],
          }),
    missingBucket: () => createStorageProvider(s3Config({ bucket: MISSING_BUCKET })),
    unreachable: () => ({
      provider: createStorageProvider(
        s3Config({ endpoint: closedEndpoint(), credentials: { accessKeyId: "AKIAGANTRYTEST", secretAccessKey: FAKE_S3_SECRET } }),
      ),
      secrets: [FAKE_S3_SECRET],
    }),
  },
  {
    // Reads and listings above are lean requests (lib/providers/s3-lean.ts); the same contract through the SDK alone,
    // the path AWS itself and every request the lean path hands back take.
    name: `s3 (${S3_KIND}), reads and listings through the SDK only`,
    slug: "s3-sdk",
    make: () => createStorageProvider(s3Config({ leanRequests: false })),
    wrongCredentials:
      S3_KIND === "fauxqs"
        ? { skip: "fauxqs checks no credentials (GANTRY_TEST_S3_KIND=fauxqs)" }
        : () => ({
            provider: createStorageProvider(
              s3Config({ credentials: { accessKeyId: emu.env.s3!.accessKeyId, secretAccessKey: FAKE_S3_SECRET }, leanRequests: false }),
            ),
            secrets: [FAKE_S3_SECRET],
          }),
    missingBucket: () => createStorageProvider(s3Config({ bucket: MISSING_BUCKET, leanRequests: false })),
    unreachable: () => ({
      provider: createStorageProvider(
        s3Config({ endpoint: closedEndpoint(), credentials: { accessKeyId: "AKIAGANTRYTEST", secretAccessKey: FAKE_S3_SECRET }, leanRequests: false }),
      ),
      secrets: [FAKE_S3_SECRET],
    }),
  },
  {
    name: "gcs (emulator)",
    slug: "gcs",
    make: () => createStorageProvider(gcsConfig()),
    wrongCredentials: {
      skip: "GCS credentials cannot be exercised offline: the SDK sends no token to a custom endpoint, and with auth forced it insists on Google's token host",
    },
    missingBucket: () => createStorageProvider(gcsConfig({ bucket: MISSING_BUCKET })),
    unreachable: () => ({
      provider: createStorageProvider(gcsConfig({ endpoint: closedEndpoint(), maxRetries: 0 })),
      secrets: GCS_KEY.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")),
    }),
  },
  {
    name: "azure (account key)",
    slug: "azure-key",
    make: () => createStorageProvider(azureKeyConfig()),
    wrongCredentials: () => ({
      provider: createStorageProvider(azureKeyConfig({ auth: { kind: "account_key", accountKey: FAKE_AZURE_KEY } })),
      secrets: [FAKE_AZURE_KEY, MARK],
    }),
    missingBucket: () => createStorageProvider(azureKeyConfig({ container: MISSING_BUCKET })),
    unreachable: () => ({
      provider: createStorageProvider(
        azureKeyConfig({ endpoint: `${closedEndpoint()}/devstoreaccount1`, auth: { kind: "account_key", accountKey: FAKE_AZURE_KEY } }),
      ),
      secrets: [FAKE_AZURE_KEY, MARK],
    }),
  },
  {
    name: "azure (sas token)",
    slug: "azure-sas",
    // This subject lists with the SDK's own XML parser (fastList off), the other two with the fast reader.
    make: () => createStorageProvider(azureSasConfig({ fastList: false })),
    wrongCredentials: () => {
      const tampered = azureSas.replace(/sig=[^&]+/, `sig=${FAKE_SAS_SIG}`);
      return {
        provider: createStorageProvider(azureSasConfig({ auth: { kind: "sas_token", sasToken: tampered } })),
        secrets: [FAKE_SAS_SIG, MARK],
      };
    },
    missingBucket: () => createStorageProvider(azureSasConfig({ container: MISSING_BUCKET })),
    unreachable: () => ({
      provider: createStorageProvider(
        azureSasConfig({
          endpoint: `${closedEndpoint()}/devstoreaccount1`,
          auth: { kind: "sas_token", sasToken: azureSas.replace(/sig=[^&]+/, `sig=${FAKE_SAS_SIG}`) },
        }),
      ),
      secrets: [FAKE_SAS_SIG, MARK],
    }),
  },
  {
    name: "azure (service principal, OAuth)",
    slug: "azure-sp",
    make: () => createStorageProvider(azureSpConfig()),
    wrongCredentials: () => {
      const oa = emu.env.azureOAuth!;
      return {
        provider: createStorageProvider(
          azureSpConfig({
            auth: { kind: "service_principal", tenantId: oa.tenantId, clientId: oa.clientId, clientSecret: FAKE_SP_SECRET, authorityHost: oa.authorityHost },
          }),
        ),
        secrets: [FAKE_SP_SECRET, MARK],
      };
    },
    missingBucket: () => createStorageProvider(azureSpConfig({ container: MISSING_BUCKET })),
    unreachable: () => {
      const oa = emu.env.azureOAuth!;
      // The token service answers; the blob endpoint does not.
      return {
        provider: createStorageProvider(
          azureSpConfig({
            endpoint: `${closedEndpoint("https")}/devstoreaccount1`,
            auth: { kind: "service_principal", tenantId: oa.tenantId, clientId: oa.clientId, clientSecret: oa.clientSecret, authorityHost: oa.authorityHost },
          }),
        ),
        secrets: [oa.clientSecret],
      };
    },
  },
  {
    name: "local (directory)",
    slug: "local",
    make: () => createStorageProvider({ provider: "local", root: localRoot }),
    wrongCredentials: { skip: "the local provider has no credentials" },
    missingBucket: () => createStorageProvider({ provider: "local", root: path.join(localRoot, "..", `missing-${RUN}`), create: false }),
    unreachable: { skip: "the local provider has no endpoint" },
  },
];

// --- setup -----------------------------------------------------------------------------------------------

beforeAll(async () => {
  const t0 = Date.now();
  [emu, closedPort] = await Promise.all([useStorageEmulators(), freeClosedPort()]);
  localRoot = mkdtempSync(path.join(os.tmpdir(), "gantry-providers-local-"));
  const env = emu.env;

  const s3 = new S3Client({
    region: env.s3!.region,
    endpoint: env.s3!.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: env.s3!.accessKeyId, secretAccessKey: env.s3!.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const gcs = new Storage({
    apiEndpoint: env.gcs!.endpoint,
    projectId: "gantry-test-project",
    credentials: { client_email: GCS_CLIENT_EMAIL, private_key: GCS_KEY },
  });
  const azKey = new StorageSharedKeyCredential(env.azure!.accountName, env.azure!.accountKey);
  const azPlain = new BlobServiceClient(env.azure!.endpoint, azKey);
  const azOAuth = new BlobServiceClient(
    env.azureOAuth!.endpoint,
    new StorageSharedKeyCredential("devstoreaccount1", env.azure!.accountKey),
    withTestCa({}, emu.azureCaPem ?? []),
  );
  await Promise.all([
    s3.send(new CreateBucketCommand({ Bucket: BUCKET })),
    gcs.createBucket(BUCKET),
    azPlain.getContainerClient(`${BUCKET}-key`).create(),
    azPlain.getContainerClient(`${BUCKET}-sas`).create(),
    azOAuth.getContainerClient(BUCKET).create(),
  ]);
  s3.destroy();
  azureSas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse("rwdlac"),
      resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
      services: AccountSASServices.parse("b").toString(),
      protocol: SASProtocol.HttpsAndHttp,
    },
    azKey,
  ).toString();
  timings.setup = Date.now() - t0;
  console.log(
    `[providers] emulators ready in ${emu.bootMs} ms (started here: ${emu.startedHere.join(", ") || "none"}; s3=${S3_KIND}), ` +
      `bucket ${BUCKET}, setup ${timings.setup} ms`,
  );
}, 180_000);

afterAll(async () => {
  const lines = Object.entries(timings).map(([k, v]) => `  ${k.padEnd(34)} ${(v / 1000).toFixed(1)} s`);
  console.log(`[providers] timings:\n${lines.join("\n")}`);
  if (localRoot) rmSync(localRoot, { recursive: true, force: true });
  await emu?.stop();
}, 60_000);

// --- the contract ------------------------------------------------------------------------------------------

describe.each(SUBJECTS)("storage provider contract: $name", (subject) => {
  const base = `${RUN}/${subject.slug}/`;
  let p: StorageProvider;
  let t0 = 0;

  beforeAll(() => {
    p = subject.make();
    t0 = Date.now();
  });
  afterAll(() => {
    timings[subject.name] = Date.now() - t0;
  });

  it("write + stat + read round trip (known and unknown size, ranges)", async () => {
    const key = `${base}rt/hello.txt`;
    const written = await p.write(key, bufferBody("hello world"), { size: 11, contentType: "text/plain" });
    expect(written).toMatchObject({ path: key, size: 11, contentType: "text/plain" });
    expect(written.version).toBeTruthy();
    expect(written.lastModified).toBeInstanceOf(Date);
    expect(Math.abs(written.lastModified.getTime() - Date.now())).toBeLessThan(5 * 60_000);

    const st = await p.stat(key);
    expect(st).toMatchObject({ path: key, size: 11, contentType: "text/plain", version: written.version });

    expect((await readAll(await p.read(key))).toString()).toBe("hello world");
    expect((await readAll(await p.read(key, { start: 6, end: 10 }))).toString()).toBe("world");
    expect((await readAll(await p.read(key, { start: 6 }))).toString()).toBe("world");
    expect((await readAll(await p.read(key, { start: 0, end: 0 }))).toString()).toBe("h");

    // Unknown size, overwrite: the version changes, listing agrees with stat.
    const again = await p.write(key, bufferBody("hello again, world"), { contentType: "text/plain" });
    expect(again.size).toBe(18);
    expect(again.version).not.toBe(written.version);
    expect((await readAll(await p.read(key))).toString()).toBe("hello again, world");
    const listed = (await p.list({ prefix: `${base}rt/`, pageSize: 10 })).objects;
    expect(listed.map((o) => o.path)).toEqual([key]);
    expect(listed[0]).toMatchObject({ size: 18, version: again.version });
    // A listed entry carries what stat says (a listing does not carry the content type on S3).
    const st2 = (await p.stat(key))!;
    expect(listed[0]).toMatchObject({ path: key, size: 18, version: st2.version, etag: st2.etag });
    expect(Math.abs(listed[0].lastModified.getTime() - st2.lastModified.getTime())).toBeLessThan(1000);
    if (subject.name.startsWith("gcs")) expect(listed[0].contentType).toBe("text/plain");
  });

  it("zero-byte object", async () => {
    const key = `${base}empty/zero.bin`;
    const w = await p.write(key, bufferBody(Buffer.alloc(0)), { size: 0, contentType: "application/octet-stream" });
    expect(w.size).toBe(0);
    expect((await p.stat(key))?.size).toBe(0);
    expect((await readAll(await p.read(key))).length).toBe(0);
    const unknownSize = await p.write(`${base}empty/zero-unknown.bin`, Readable.from([]), {});
    expect(unknownSize.size).toBe(0);
    const listed = await p.list({ prefix: `${base}empty/`, pageSize: 10 });
    expect(listed.objects.map((o) => [o.path, o.size])).toEqual([
      [`${base}empty/zero-unknown.bin`, 0], // "-" sorts before "."
      [key, 0],
    ]);
  });

  it("object larger than one multipart part (20 MiB streamed, unknown size) keeps its sha256", async () => {
    const key = `${base}big/twenty.bin`;
    const size = 20 * MiB + 12_345;
    const { body, digest } = generatedBody(size);
    const w = await p.write(key, body, { contentType: "application/octet-stream" });
    const want = digest();
    expect(w.size).toBe(size);
    expect((await p.stat(key))?.size).toBe(size);
    const got = await sha256Stream(await p.read(key));
    expect(got.bytes).toBe(size);
    expect(got.hex).toBe(want);
    // A range that straddles the 8 MiB part boundary.
    const slice = await readAll(await p.read(key, { start: 8 * MiB - 10, end: 8 * MiB + 9 }));
    expect(slice.length).toBe(20);
    await p.remove(key);
  }, 60_000);

  it("a body that does not match the declared size fails the write and leaves no object", async () => {
    const key = `${base}mismatch/short.bin`;
    await expectStorageError(p.write(key, bufferBody("12345"), { size: 10 }), "unknown");
    expect(await p.stat(key)).toBeNull();
    await expectStorageError(p.write(key, bufferBody("123456789012"), { size: 10 }), "unknown");
    expect(await p.stat(key)).toBeNull();
  });

  it("names with unicode, spaces and punctuation", async () => {
    const dir = `${base}hello? sausage/`;
    const key = `${dir}êé/Hello, 世界/ " ' @ < > & ? + ≠/z.txt`;
    const readerBefore = { ...fastListCounts };
    const azureReaderBefore = { ...azureFastListCounts };
    const w = await p.write(key, bufferBody("unicode!"), { size: 8, contentType: "text/plain" });
    expect(w.path).toBe(key);
    expect((await p.stat(key))?.size).toBe(8);
    const getsBefore = { ...leanGetCounts };
    expect((await readAll(await p.read(key))).toString()).toBe("unicode!");
    expect((await readAll(await p.read(key, { start: 2, end: 4 }))).toString()).toBe("ico");
    // S3 reads from a custom endpoint take the lean GET (lib/providers/s3-lean.ts), signed for this odd key;
    // the SDK-only subject never does. A missing key is handed back to the SDK, which reports it.
    expect(leanGetCounts.served - getsBefore.served).toBe(subject.slug === "s3" ? 2 : 0);
    expect(leanGetCounts.lists - getsBefore.lists).toBe(0);
    await expectStorageError(p.read(`${key}.missing`), "not_found");
    expect(leanGetCounts.declined - getsBefore.declined).toBe(subject.slug === "s3" ? 1 : 0);
    const flat = await p.list({ prefix: dir, pageSize: 100 });
    expect(flat.objects.map((o) => o.path)).toEqual([key]);
    const level1 = await p.list({ prefix: dir, delimiter: "/", pageSize: 100 });
    expect(level1.objects).toEqual([]);
    expect(level1.prefixes).toEqual([`${dir}êé/`]);
    const level3 = await p.list({ prefix: `${dir}êé/Hello, 世界/`, delimiter: "/", pageSize: 100 });
    expect(level3.prefixes).toEqual([`${dir}êé/Hello, 世界/ " ' @ < > & ? + ≠/`]);
    await p.remove(key);
    expect(await p.stat(key)).toBeNull();
    expect((await p.list({ prefix: dir, pageSize: 100 })).objects).toEqual([]);
    if (p.provider === "s3") {
      // These listings went through the fast ListObjectsV2 reader (lib/providers/s3-list-xml.ts), not the SDK's,
      // and (custom endpoint) as lean requests, not SDK commands — except for the SDK-only subject.
      expect(fastListCounts.fast - readerBefore.fast).toBe(4);
      expect(fastListCounts.sdk).toBe(readerBefore.sdk);
      expect(leanGetCounts.lists - getsBefore.lists).toBe(subject.slug === "s3" ? 4 : 0);
      expect(leanGetCounts.listsDeclined).toBe(getsBefore.listsDeclined);
    }
    if (p.provider === "azure") {
      // The same four listings through the fast List Blobs reader (lib/providers/azure-list-xml.ts), except
      // for the subject that keeps the SDK's parser; none was handed back.
      expect(azureFastListCounts.fast - azureReaderBefore.fast).toBe(subject.slug === "azure-sas" ? 0 : 4);
      expect(azureFastListCounts.sdk).toBe(azureReaderBefore.sdk);
    }
  });

  it("paging across the 1,000-key boundary, and delimiter listings", async () => {
    const root = `${base}page/`;
    const flatKeys = Array.from({ length: 1050 }, (_, i) => `${root}flat/o-${String(i).padStart(4, "0")}`);
    const otherKeys = [`${root}sub-a/x.txt`, `${root}sub-b/x.txt`, `${root}sub-b/y/z.txt`, `${root}top.txt`];
    const ts = Date.now();
    await inBatches([...flatKeys, ...otherKeys], 24, (k) => p.write(k, bufferBody("x"), { size: 1, contentType: "text/plain" }));
    timings[`${subject.name}: seed 1,054 objects`] = Date.now() - ts;

    const first = await p.list({ prefix: `${root}flat/`, pageSize: 1000 });
    expect(first.objects.length).toBe(1000);
    expect(first.prefixes).toEqual([]);
    expect(first.cursor).toBeTruthy();
    const second = await p.list({ prefix: `${root}flat/`, pageSize: 1000, cursor: first.cursor });
    expect(second.objects.length).toBe(50);
    expect(second.cursor).toBeUndefined();
    const keys = [...first.objects, ...second.objects].map((o) => o.path);
    expect(keys).toEqual(flatKeys);

    // pageSize above the cap is clamped; small pages walk the same keys.
    const capped = await p.list({ prefix: `${root}flat/`, pageSize: 5000 });
    expect(capped.objects.length).toBe(1000);
    const small = await listAll(p, `${root}flat/o-10`, undefined, 7);
    expect(small.objects.map((o) => o.path)).toEqual(flatKeys.filter((k) => k.startsWith(`${root}flat/o-10`)));
    expect(Math.max(...small.pages)).toBeLessThanOrEqual(7);

    // Cursors are tied to their prefix and delimiter.
    await expect(p.list({ prefix: `${root}sub-a/`, pageSize: 10, cursor: first.cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(p.list({ prefix: `${root}flat/`, delimiter: "/", pageSize: 10, cursor: first.cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(p.list({ prefix: `${root}flat/`, pageSize: 10, cursor: "not-a-cursor!" })).rejects.toBeInstanceOf(InvalidCursorError);

    const level = await p.list({ prefix: root, delimiter: "/", pageSize: 1000 });
    expect(level.prefixes).toEqual([`${root}flat/`, `${root}sub-a/`, `${root}sub-b/`]);
    expect(level.objects.map((o) => o.path)).toEqual([`${root}top.txt`]);
    expect(level.cursor).toBeUndefined();

    // Delimiter listing in pages of 2: the same entries, in order, across pages.
    const paged = await listAll(p, root, "/", 2);
    expect(paged.prefixes).toEqual(level.prefixes);
    expect(paged.objects.map((o) => o.path)).toEqual([`${root}top.txt`]);
    expect(Math.max(...paged.pages)).toBeLessThanOrEqual(2);

    // Partial-name prefix with a delimiter.
    const partial = await p.list({ prefix: `${root}sub-`, delimiter: "/", pageSize: 100 });
    expect(partial.prefixes).toEqual([`${root}sub-a/`, `${root}sub-b/`]);
    const deep = await p.list({ prefix: `${root}sub-b/`, delimiter: "/", pageSize: 100 });
    expect(deep.objects.map((o) => o.path)).toEqual([`${root}sub-b/x.txt`]);
    expect(deep.prefixes).toEqual([`${root}sub-b/y/`]);

    // Lexicographic (UTF-8 byte) order over the whole subtree.
    const all = await listAll(p, root);
    const paths = all.objects.map((o) => o.path);
    expect(paths).toEqual(utf8Sorted([...flatKeys, ...otherKeys]));
  }, 60_000);

  it("missing object: stat → null, read → not_found, remove is a no-op", async () => {
    const key = `${base}nope/absent.txt`;
    expect(await p.stat(key)).toBeNull();
    const err = await expectStorageError(p.read(key), "not_found");
    expect(err.retryable).toBe(false);
    await expect(p.remove(key)).resolves.toBeUndefined();
  });

  it("remove", async () => {
    const key = `${base}rm/gone.txt`;
    await p.write(key, bufferBody("bye"), { size: 3 });
    expect(await p.stat(key)).not.toBeNull();
    await p.remove(key);
    expect(await p.stat(key)).toBeNull();
    expect((await p.list({ prefix: `${base}rm/`, pageSize: 10 })).objects).toEqual([]);
    await expectStorageError(p.read(key), "not_found");
  });

  it("import and export checks (the export probe is written, read and deleted)", async () => {
    const imp = await p.check("import", { probePrefix: `${base}probe` });
    expect(imp).toMatchObject({ success: true, error_code: null, error_message: null });
    expect(imp.checks.map((c) => [c.name, c.ok])).toEqual([["list", true]]);
    expect(imp.latency_ms).toBeGreaterThanOrEqual(0);

    const exp = await p.check("export", { probePrefix: `${base}probe/` });
    expect(exp).toMatchObject({ success: true, error_code: null, error_message: null });
    expect(exp.checks).toEqual([
      { name: "list", ok: true, error_message: null },
      { name: "write", ok: true, error_message: null },
      { name: "read", ok: true, error_message: null },
    ]);
    expect((await p.list({ prefix: `${base}probe/`, pageSize: 10 })).objects).toEqual([]);
  });

  const wrong = subject.wrongCredentials;
  it.skipIf(typeof wrong !== "function")(
    `wrong credentials → auth_failed, secrets absent from messages${typeof wrong === "function" ? "" : ` (skipped: ${wrong.skip})`}`,
    async () => {
      if (typeof wrong !== "function") return;
      const w = wrong();
      const check = await w.provider.check("export", { probePrefix: `${base}probe` });
      expect(check.success).toBe(false);
      expect(check.error_code, check.error_message ?? "").toBe("auth_failed");
      expect(check.checks.map((c) => [c.name, c.ok])).toEqual([
        ["list", false],
        ["write", false],
      ]);
      const err = await expectStorageError(w.provider.list({ prefix: base, pageSize: 1 }), "auth_failed");
      expect(err.retryable).toBe(false);
      const writeErr = await expectStorageError(w.provider.write(`${base}never.txt`, bufferBody("x"), { size: 1 }), "auth_failed");
      const readErr = await expectStorageError(w.provider.read(`${base}never.txt`), "auth_failed");
      expectNoSecrets(
        [
          check.error_message,
          ...check.checks.map((c) => c.error_message),
          err.message,
          err.stack,
          writeErr.message,
          writeErr.stack,
          readErr.message,
          JSON.stringify(err),
        ],
        w.secrets,
      );
    },
    30_000,
  );

  it("missing bucket → bucket_not_found", async () => {
    const m = subject.missingBucket();
    const check = await m.check("import");
    expect(check.success).toBe(false);
    expect(check.error_code, check.error_message ?? "").toBe("bucket_not_found");
    const exp = await m.check("export", { probePrefix: "x" });
    expect(exp.error_code).toBe("bucket_not_found");
    expect(exp.checks.map((c) => [c.name, c.ok])).toEqual([
      ["list", false],
      ["write", false],
    ]);
    await expectStorageError(m.list({ prefix: "", pageSize: 10 }), "bucket_not_found");
    await expectStorageError(m.read("a.txt"), "bucket_not_found");
    await expectStorageError(m.write("a.txt", bufferBody("x"), { size: 1 }), "bucket_not_found");
  });

  const unreachable = subject.unreachable;
  it.skipIf(typeof unreachable !== "function")(
    `unreachable endpoint → network_error (retryable), secrets absent${typeof unreachable === "function" ? "" : ` (skipped: ${unreachable.skip})`}`,
    async () => {
      if (typeof unreachable !== "function") return;
      const u = unreachable();
      const check = await u.provider.check("import");
      expect(check.success).toBe(false);
      expect(check.error_code, check.error_message ?? "").toBe("network_error");
      const err = await expectStorageError(u.provider.stat(`${base}x.txt`), "network_error");
      expect(err.retryable).toBe(true);
      expectNoSecrets([check.error_message, err.message, err.stack, JSON.stringify(err)], u.secrets);
    },
    30_000,
  );
});

// --- provider-specific -------------------------------------------------------------------------------------

describe("local provider specifics", () => {
  it("refuses paths that escape the root or are not relative POSIX keys", async () => {
    const p = createStorageProvider({ provider: "local", root: localRoot });
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a/", "", ".gantry-tmp/x", "a\0b"]) {
      await expect(p.stat(bad), bad).rejects.toBeInstanceOf(InvalidPathError);
      await expect(p.write(bad, bufferBody("x"), {}), bad).rejects.toBeInstanceOf(InvalidPathError);
    }
    await expect(p.list({ prefix: "../", pageSize: 10 })).rejects.toBeInstanceOf(InvalidPathError);
  });

  it("writes atomically: nothing appears until the body is complete; temp files are not listed", async () => {
    const p = createStorageProvider({ provider: "local", root: localRoot });
    const key = `${RUN}/local-atomic/file.bin`;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* body() {
      yield Buffer.alloc(1024, 1);
      await gate;
      yield Buffer.alloc(1024, 2);
    }
    const pending = p.write(key, Readable.from(body()), {});
    await new Promise((r) => setTimeout(r, 50));
    expect(await p.stat(key)).toBeNull();
    expect((await listAll(p, "")).objects.some((o) => o.path.includes(".gantry-tmp"))).toBe(false);
    release();
    expect((await pending).size).toBe(2048);
    expect((await p.stat(key))?.size).toBe(2048);
  });
});
