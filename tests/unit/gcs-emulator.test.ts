/**
 * Drives the in-repo GCS emulator (scripts/emulators/gcs-server.ts) with the real
 * `@google-cloud/storage` SDK, so the wire protocol it speaks is the one production code relies on.
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { CRC32C, Storage, type Bucket } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crc32c, crc32cBase64 } from "../../scripts/emulators/gcs-crc32c";
import { selectFields, startGcsEmulator, type GcsEmulator } from "../../scripts/emulators/gcs-server";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const CLIENT_EMAIL = "gantry-test@test-project.iam.gserviceaccount.com";

const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
let emu: GcsEmulator;
let storage: Storage;
let bucket: Bucket;

function md5b64(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The HTTP status of a rejected SDK call. JSON calls reject with an ApiError carrying `code`; a
 * failed resumable-session initiation rejects with the raw GaxiosError, which has `status` (and
 * `response.status`) but no `code`.
 */
async function errorCode(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: unknown; status?: unknown };
    return err.code ?? err.status;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  emu = await startGcsEmulator({
    port: 0,
    signedUrlKeys: { [CLIENT_EMAIL]: publicKey },
    onRequest: (r) => seen.push(r),
  });
  storage = new Storage({
    apiEndpoint: emu.endpoint,
    projectId: "test",
    credentials: { client_email: CLIENT_EMAIL, private_key: privateKey },
  });
  [bucket] = await storage.createBucket("gantry-test-bucket");
}, 30_000);

afterAll(async () => {
  await emu?.stop();
});

describe("gcs emulator CRC32C", () => {
  it("matches known vectors and the SDK's own implementation", () => {
    // RFC 3720 B.4 test vectors
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32cBase64(Buffer.alloc(0))).toBe("AAAAAA==");
    for (const len of [1, 7, 8, 9, 63, 1000, 65_537]) {
      const data = randomBytes(len);
      const sdk = new CRC32C();
      sdk.update(data);
      expect(crc32cBase64(data)).toBe(sdk.toString());
    }
  });
});

describe("gcs emulator driven by @google-cloud/storage", () => {
  it("needs no token for a custom endpoint: requests arrive without Authorization", async () => {
    const before = seen.length;
    const [exists] = await bucket.exists();
    expect(exists).toBe(true);
    const got = seen.slice(before);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0].url.replace(/\?$/, "")).toBe("/storage/v1/b/gantry-test-bucket");
    for (const r of got) expect(r.headers.authorization).toBeUndefined();
  });

  it("creates buckets, reports absent ones as 404, refuses duplicates", async () => {
    const [meta] = await bucket.getMetadata();
    expect(meta.name).toBe("gantry-test-bucket");
    expect(meta.kind).toBe("storage#bucket");

    const [absent] = await storage.bucket("no-such-bucket-here").exists();
    expect(absent).toBe(false);
    expect(await errorCode(storage.bucket("no-such-bucket-here").getMetadata())).toBe(404);
    expect(await errorCode(storage.createBucket("gantry-test-bucket"))).toBe(409);

    const [other] = await storage.createBucket("gantry-scratch-bucket");
    const [buckets] = await storage.getBuckets();
    expect(buckets.map((b) => b.name)).toEqual(["gantry-scratch-bucket", "gantry-test-bucket"]);
    await other.delete();
    const [after] = await storage.getBuckets();
    expect(after.map((b) => b.name)).toEqual(["gantry-test-bucket"]);
  });

  it("saves a small object (multipart) and returns exact metadata and content", async () => {
    const body = Buffer.from("hello gantry\n");
    const file = bucket.file("small/hello.txt");
    await file.save(body, {
      resumable: false,
      contentType: "text/plain",
      metadata: { metadata: { origin: "unit-test", n: "1" } },
    });
    const [meta] = await file.getMetadata();
    expect(meta.name).toBe("small/hello.txt");
    expect(meta.bucket).toBe("gantry-test-bucket");
    expect(meta.size).toBe(String(body.length));
    expect(meta.contentType).toBe("text/plain");
    expect(meta.md5Hash).toBe(md5b64(body));
    expect(meta.crc32c).toBe(crc32cBase64(body));
    expect(meta.metadata).toEqual({ origin: "unit-test", n: "1" });
    expect(meta.metageneration).toBe("1");
    expect(typeof meta.generation).toBe("string");
    expect(new Date(meta.updated!).toISOString()).toBe(meta.updated);
    expect(meta.timeCreated).toBe(meta.updated);
    const [content] = await file.download();
    expect(content.equals(body)).toBe(true);

    // overwrite: new, larger generation; metadata patch bumps metageneration
    const body2 = Buffer.from("second version");
    await file.save(body2, { resumable: false });
    const [meta2] = await file.getMetadata();
    expect(BigInt(meta2.generation!)).toBeGreaterThan(BigInt(meta.generation!));
    expect(meta2.size).toBe(String(body2.length));
    const [patched] = await file.setMetadata({ metadata: { tag: "x" } });
    expect(patched.metageneration).toBe("2");
    expect(patched.metadata).toEqual({ tag: "x" });
    expect((await file.download())[0].toString()).toBe("second version");
  });

  it("uploads 12 MB resumably in 1 MiB chunks and reads it back byte-identical", async () => {
    const size = 12 * 1024 * 1024 + 12_345; // not a multiple of the chunk size
    const data = randomBytes(size);
    const file = bucket.file("big/blob.bin");
    const before = seen.length;
    await file.save(data, { resumable: true, chunkSize: 256 * 1024 * 4, contentType: "application/octet-stream" });
    const uploadCalls = seen.slice(before);
    const puts = uploadCalls.filter((r) => r.method === "PUT");
    expect(uploadCalls[0].method).toBe("POST");
    expect(uploadCalls[0].url).toContain("uploadType=resumable");
    expect(puts.length).toBe(13);
    expect(puts[0].headers["content-range"]).toBe("bytes 0-1048575/*");
    expect(puts[12].headers["content-range"]).toBe(`bytes ${12 * 1024 * 1024}-${size - 1}/${size}`);

    const [meta] = await file.getMetadata();
    expect(meta.size).toBe(String(size));
    expect(meta.md5Hash).toBe(md5b64(data));
    expect(meta.crc32c).toBe(crc32cBase64(data));

    // download() validates the body against x-goog-hash (crc32c by default; md5 on request)
    const [back] = await file.download();
    expect(back.length).toBe(size);
    expect(back.equals(data)).toBe(true);
    const [backMd5] = await file.download({ validation: "md5" });
    expect(backMd5.equals(data)).toBe(true);
  });

  it("uploads a multi-MB binary body through multipart/related intact", async () => {
    // random bytes will contain CR/LF and dashes; the boundary parser must not trip over them
    const data = Buffer.concat([randomBytes(5 * 1024 * 1024), Buffer.from("\r\n--\r\n\r\n")]);
    const file = bucket.file("big/multipart.bin");
    const before = seen.length;
    await file.save(data, { resumable: false, contentType: "application/x-test" });
    const call = seen.slice(before).find((r) => r.method === "POST");
    expect(call?.url).toContain("uploadType=multipart");
    expect(call?.headers["content-type"]).toMatch(/^multipart\/related; boundary=/);
    const [meta] = await file.getMetadata();
    expect(meta.size).toBe(String(data.length));
    expect(meta.contentType).toBe("application/x-test");
    expect(meta.crc32c).toBe(crc32cBase64(data));
    expect((await file.download())[0].equals(data)).toBe(true);
  });

  it("rejects uploads whose declared x-goog-hash does not match the body", async () => {
    const url = `${emu.endpoint}/upload/storage/v1/b/gantry-test-bucket/o?uploadType=media&name=bad-hash.txt`;
    const good = crc32cBase64(Buffer.from("payload"));
    const bad = await fetch(url, { method: "POST", body: "payload!", headers: { "x-goog-hash": `crc32c=${good}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("CRC32C");
    expect((await bucket.file("bad-hash.txt").exists())[0]).toBe(false);
    const ok = await fetch(url, { method: "POST", body: "payload", headers: { "x-goog-hash": `crc32c=${good}` } });
    expect(ok.status).toBe(200);
    expect((await bucket.file("bad-hash.txt").download())[0].toString()).toBe("payload");
  });

  it("uploads resumably in a single request (no chunkSize)", async () => {
    const data = randomBytes(300_000);
    const file = bucket.file("big/single-request.bin");
    await file.save(data, { resumable: true });
    expect((await file.download())[0].equals(data)).toBe(true);
  });

  it("handles zero-byte objects on every upload path", async () => {
    for (const [name, resumable] of [
      ["empty/multipart", false],
      ["empty/resumable", true],
    ] as const) {
      const file = bucket.file(name);
      await file.save(Buffer.alloc(0), { resumable });
      const [meta] = await file.getMetadata();
      expect(meta.size).toBe("0");
      expect(meta.md5Hash).toBe("1B2M2Y8AsgTpgAmY7PhCfg==");
      expect(meta.crc32c).toBe("AAAAAA==");
      const [content] = await file.download();
      expect(content.length).toBe(0);
    }
    const file = bucket.file("empty/chunked");
    await file.save(Buffer.alloc(0), { resumable: true, chunkSize: 256 * 1024 });
    expect((await file.getMetadata())[0].size).toBe("0");
  });

  it("round-trips unicode and punctuation names", async () => {
    const name = `hello? sausage/êé/Hello, 世界/ " ' @ < > & ? + ≠/z.txt`;
    const body = Buffer.from("ünïcödé body ✓");
    const file = bucket.file(name);
    await file.save(body, { resumable: false, contentType: "text/plain; charset=utf-8" });
    const [meta] = await file.getMetadata();
    expect(meta.name).toBe(name);
    expect(meta.size).toBe(String(body.length));
    expect((await file.download())[0].equals(body)).toBe(true);
    const [files] = await bucket.getFiles({ prefix: "hello? sausage/" });
    expect(files.map((f) => f.name)).toEqual([name]);
    const [, , resp] = await bucket.getFiles({ prefix: "hello? sausage/êé/", delimiter: "/", autoPaginate: false });
    expect((resp as { prefixes?: string[] }).prefixes).toEqual(["hello? sausage/êé/Hello, 世界/"]);

    // resumable path with the same name, and a copy of it, keep the name intact too
    const name2 = `${name}.resumable`;
    await bucket.file(name2).save(body, { resumable: true });
    expect((await bucket.file(name2).download())[0].equals(body)).toBe(true);
    await bucket.file(name2).delete();
  });

  it("lists in UTF-8 byte order, not UTF-16 order", async () => {
    // U+FFFD sorts before U+1F600 by code point/UTF-8, but after it by UTF-16 code unit
    const names = ["order/a", "order/\uFFFD", "order/\u{1F600}", "order/Z", "order/é"];
    for (const n of names) await bucket.file(n).save(n, { resumable: false });
    const [files] = await bucket.getFiles({ prefix: "order/" });
    expect(files.map((f) => f.name)).toEqual(["order/Z", "order/a", "order/é", "order/\uFFFD", "order/\u{1F600}"]);
    const sortedBytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(files.map((f) => f.name)).toEqual(sortedBytes);
  });

  describe("listing 2,500 objects", () => {
    const N = 2500;
    const expected: string[] = [];

    beforeAll(async () => {
      const names = Array.from({ length: N }, (_, i) => `many/d${i % 5}/f-${String(i).padStart(5, "0")}.txt`);
      names.push("many/top-1.txt", "many/top-2.txt");
      for (let i = 0; i < names.length; i += 100) {
        await Promise.all(names.slice(i, i + 100).map((n) => bucket.file(n).save(n, { resumable: false })));
      }
      expected.push(...names.sort());
    }, 120_000);

    it("pages across the 1,000 boundary with autoPaginate: false", async () => {
      const got: string[] = [];
      const pageSizes: number[] = [];
      let query: Record<string, unknown> | null = { prefix: "many/", autoPaginate: false };
      while (query) {
        const [files, next]: [{ name: string }[], Record<string, unknown> | null, unknown] = (await bucket.getFiles(
          query,
        )) as never;
        pageSizes.push(files.length);
        got.push(...files.map((f) => f.name));
        // the SDK's nextQuery drops autoPaginate: without re-adding it, the next call would auto-page
        query = next ? { ...next, autoPaginate: false } : null;
      }
      expect(pageSizes).toEqual([1000, 1000, 502]);
      expect(got).toEqual(expected);

      // maxResults above 1000 is capped
      const [capped, next] = await bucket.getFiles({ prefix: "many/", autoPaginate: false, maxResults: 5000 });
      expect(capped.length).toBe(1000);
      expect(next).toBeTruthy();

      // smaller explicit pages
      const [page1, next1] = await bucket.getFiles({ prefix: "many/", autoPaginate: false, maxResults: 7 });
      expect(page1.map((f) => f.name)).toEqual(expected.slice(0, 7));
      const [page2] = await bucket.getFiles({ ...(next1 as object), autoPaginate: false });
      expect(page2.map((f) => f.name)).toEqual(expected.slice(7, 14));
    });

    it("answers a partial response (fields): only the members asked for, inside every item", async () => {
      const fields = "items(name,size,generation),nextPageToken";
      const [items, next, resp] = (await bucket.getFiles({ prefix: "many/", autoPaginate: false, maxResults: 3, fields })) as unknown as [
        Record<string, unknown>[],
        { pageToken?: string } | null,
        Record<string, unknown>,
      ];
      expect(items.map((m) => m.name)).toEqual(expected.slice(0, 3));
      for (const m of items) expect(Object.keys(m).sort()).toEqual(["generation", "name", "size"]);
      expect(Object.keys(resp).sort()).toEqual(["items", "nextPageToken"]);
      expect(next?.pageToken).toBeTruthy();
      // a/b selects b inside a; a malformed selection is a 400
      expect(selectFields({ a: { b: 1, c: 2 }, d: [{ e: 1, f: 2 }] }, "a/b,d(f)")).toEqual({ a: { b: 1 }, d: [{ f: 2 }] });
      await expect(bucket.getFiles({ prefix: "many/", autoPaginate: false, fields: "items(name" })).rejects.toMatchObject({ code: 400 });
    });

    it("autoPaginates to all objects", async () => {
      const [files] = await bucket.getFiles({ prefix: "many/" });
      expect(files.length).toBe(N + 2);
      expect(files.map((f) => f.name)).toEqual(expected);
      const [d3] = await bucket.getFiles({ prefix: "many/d3/" });
      expect(d3.length).toBe(N / 5);
      expect(d3.every((f) => f.name.startsWith("many/d3/"))).toBe(true);
    });

    it("returns prefixes for a delimiter, and pages through them", async () => {
      const [files, , resp] = await bucket.getFiles({ prefix: "many/", delimiter: "/", autoPaginate: false });
      expect(files.map((f) => f.name)).toEqual(["many/top-1.txt", "many/top-2.txt"]);
      expect((resp as { prefixes?: string[] }).prefixes).toEqual(["many/d0/", "many/d1/", "many/d2/", "many/d3/", "many/d4/"]);

      // items + prefixes count together against maxResults; tokens resume after a prefix
      const seenPrefixes: string[] = [];
      const seenItems: string[] = [];
      let query: Record<string, unknown> | null = { prefix: "many/", delimiter: "/", autoPaginate: false, maxResults: 2 };
      let pages = 0;
      while (query) {
        const [page, next, r] = (await bucket.getFiles(query)) as unknown as [
          { name: string }[],
          Record<string, unknown> | null,
          { prefixes?: string[] },
        ];
        seenItems.push(...page.map((f) => f.name));
        seenPrefixes.push(...(r.prefixes ?? []));
        pages++;
        query = next ? { ...next, autoPaginate: false } : null;
      }
      expect(pages).toBe(4); // 2 + 2 + 2 + 1 entries
      expect(seenPrefixes).toEqual(["many/d0/", "many/d1/", "many/d2/", "many/d3/", "many/d4/"]);
      expect(seenItems).toEqual(["many/top-1.txt", "many/top-2.txt"]);

      // the root level of the bucket
      const [, , root] = await bucket.getFiles({ delimiter: "/", autoPaginate: false });
      expect((root as { prefixes?: string[] }).prefixes).toContain("many/");
    });

    it("honours startOffset / endOffset and matchGlob", async () => {
      const [files] = await bucket.getFiles({
        prefix: "many/d1/",
        startOffset: "many/d1/f-00100",
        endOffset: "many/d1/f-00121",
      });
      expect(files.map((f) => f.name)).toEqual(["many/d1/f-00101.txt", "many/d1/f-00106.txt", "many/d1/f-00111.txt", "many/d1/f-00116.txt"]);
      const [globbed] = await bucket.getFiles({ matchGlob: "many/*/f-0000?.txt" });
      expect(globbed.map((f) => f.name)).toEqual(expected.filter((n) => /^many\/d\d\/f-0000\d\.txt$/.test(n)));
    });
  });

  it("reports missing objects: exists() false, download 404, delete 404", async () => {
    const missing = bucket.file("does/not/exist.txt");
    const [exists] = await missing.exists();
    expect(exists).toBe(false);
    expect(await errorCode(missing.download())).toBe(404);
    expect(await errorCode(missing.getMetadata())).toBe(404);
    expect(await errorCode(missing.delete())).toBe(404);
  });

  it("deletes objects", async () => {
    const file = bucket.file("to-delete.txt");
    await file.save("bye", { resumable: false });
    expect((await file.exists())[0]).toBe(true);
    await file.delete();
    expect((await file.exists())[0]).toBe(false);
    const [files] = await bucket.getFiles({ prefix: "to-delete" });
    expect(files).toEqual([]);
    // deleting a non-empty bucket is refused
    expect(await errorCode(bucket.delete())).toBe(409);
  });

  it("enforces ifGenerationMatch preconditions (412)", async () => {
    const file = bucket.file("precondition.txt");
    await file.save("v1", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    expect(await errorCode(file.save("v2", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }))).toBe(412);
    expect(await errorCode(file.save("v2", { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }))).toBe(412);
    expect((await file.download())[0].toString()).toBe("v1");

    const [meta] = await file.getMetadata();
    await file.save("v2", { resumable: true, preconditionOpts: { ifGenerationMatch: Number(meta.generation) } });
    expect((await file.download())[0].toString()).toBe("v2");
    expect(await errorCode(file.delete({ ifGenerationMatch: Number(meta.generation) }))).toBe(412);
  });

  it("serves ranged reads (206) with exact bytes", async () => {
    const data = randomBytes(100_000);
    const file = bucket.file("ranged.bin");
    await file.save(data, { resumable: false });
    expect((await readStream(file.createReadStream({ start: 1000, end: 1999 }))).equals(data.subarray(1000, 2000))).toBe(true);
    expect((await readStream(file.createReadStream({ start: 99_990 }))).equals(data.subarray(99_990))).toBe(true);
    expect((await readStream(file.createReadStream({ start: 0, end: 0 }))).equals(data.subarray(0, 1))).toBe(true);
    const [viaDownload] = await file.download({ start: 5, end: 9 });
    expect(viaDownload.equals(data.subarray(5, 10))).toBe(true);
    // end beyond the object is clamped
    expect((await readStream(file.createReadStream({ start: 99_999, end: 200_000 }))).equals(data.subarray(99_999))).toBe(true);
  });

  it("copies objects within and across buckets (rewrite)", async () => {
    const data = Buffer.from("copy me " + "x".repeat(5000));
    const src = bucket.file("copy/src.txt");
    await src.save(data, { resumable: false, contentType: "text/plain", metadata: { metadata: { a: "1" } } });
    const [srcMeta] = await src.getMetadata();

    const before = seen.length;
    const [dst] = await src.copy("copy/dst ü.txt");
    expect(seen.slice(before).some((r) => r.url.includes("/rewriteTo/b/gantry-test-bucket/o/copy%2Fdst%20%C3%BC.txt"))).toBe(true);
    const [dstMeta] = await dst.getMetadata();
    expect(dst.name).toBe("copy/dst ü.txt");
    expect(dstMeta.contentType).toBe("text/plain");
    expect(dstMeta.metadata).toEqual({ a: "1" });
    expect(dstMeta.md5Hash).toBe(srcMeta.md5Hash);
    expect(dstMeta.generation).not.toBe(srcMeta.generation);
    expect((await dst.download())[0].equals(data)).toBe(true);

    const [other] = await storage.createBucket("gantry-copy-target");
    const [crossed] = await src.copy(other.file("elsewhere.txt"));
    expect((await crossed.download())[0].equals(data)).toBe(true);
    expect((await src.exists())[0]).toBe(true);

    // move = copy + delete of the source
    await dst.move("copy/moved.txt");
    expect((await bucket.file("copy/moved.txt").download())[0].equals(data)).toBe(true);
    expect((await dst.exists())[0]).toBe(false);
  });

  it("composes objects", async () => {
    const parts = [randomBytes(1000), randomBytes(2000), randomBytes(3)];
    const files = parts.map((_, i) => bucket.file(`compose/part-${i}`));
    await Promise.all(files.map((f, i) => f.save(parts[i], { resumable: false })));
    const [combined] = await bucket.combine(files, "compose/all.bin");
    const [meta] = await combined.getMetadata();
    const all = Buffer.concat(parts);
    expect(meta.size).toBe(String(all.length));
    expect(meta.crc32c).toBe(crc32cBase64(all));
    expect((await combined.download())[0].equals(all)).toBe(true);
  });

  it("serves V4 signed URLs and rejects tampered or unsigned ones", async () => {
    const data = Buffer.from("signed content");
    const file = bucket.file("signed/ü file.txt");
    await file.save(data, { resumable: false });
    const [url] = await file.getSignedUrl({ version: "v4", action: "read", expires: Date.now() + 60_000 });
    expect(url.startsWith(`${emu.endpoint}/gantry-test-bucket/signed/%C3%BC%20file.txt?`)).toBe(true);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(data)).toBe(true);

    const tampered = new URL(url);
    tampered.searchParams.set("X-Goog-Expires", "3600");
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(`${emu.endpoint}/gantry-test-bucket/signed/%C3%BC%20file.txt`)).status).toBe(403);
    const otherObject = new URL(url);
    otherObject.pathname = "/gantry-test-bucket/signed/put.txt";
    expect((await fetch(otherObject)).status).toBe(403);

    // signed upload
    const [putUrl] = await bucket.file("signed/put.txt").getSignedUrl({
      version: "v4",
      action: "write",
      expires: Date.now() + 60_000,
      contentType: "text/plain",
    });
    const put = await fetch(putUrl, { method: "PUT", body: "uploaded via signed url", headers: { "Content-Type": "text/plain" } });
    expect(put.status).toBe(200);
    expect((await bucket.file("signed/put.txt").download())[0].toString()).toBe("uploaded via signed url");
  });

  it("works in STORAGE_EMULATOR_HOST mode (JSON calls without /storage/v1)", async () => {
    const previous = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = emu.endpoint;
    let envStorage: Storage;
    try {
      envStorage = new Storage({ projectId: "test", credentials: { client_email: CLIENT_EMAIL, private_key: privateKey } });
    } finally {
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
    }
    const before = seen.length;
    const b = envStorage.bucket("gantry-test-bucket");
    const data = randomBytes(3 * 1024 * 1024);
    await b.file("env-mode/a.bin").save(data, { resumable: true, chunkSize: 1024 * 1024 });
    await b.file("env-mode/b.txt").save("b", { resumable: false });
    const [files] = await b.getFiles({ prefix: "env-mode/" });
    expect(files.map((f) => f.name)).toEqual(["env-mode/a.bin", "env-mode/b.txt"]);
    expect((await b.file("env-mode/a.bin").download())[0].equals(data)).toBe(true);
    const urls = seen.slice(before).map((r) => r.url);
    expect(urls.some((u) => u.startsWith("/b/gantry-test-bucket/o?"))).toBe(true);
    expect(urls.some((u) => u.startsWith("/upload/storage/v1/b/gantry-test-bucket/o?"))).toBe(true);
  });

  it("answers unknown routes with a JSON 404", async () => {
    for (const route of ["/storage/v1/nonsense/route", "/nothing/here", "/", "/b/gantry-test-bucket/acl-or-whatever"]) {
      const res = await fetch(`${emu.endpoint}${route}`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: number; errors: { reason: string }[] } };
      expect(body.error.code).toBe(404);
      expect(body.error.errors[0].reason).toBe("notFound");
    }
  });
});
