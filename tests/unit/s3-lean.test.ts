// The lean S3 GET and ListObjectsV2 sign their requests themselves (lib/providers/s3-lean.ts): checked here
// against the worked examples of AWS's Signature Version 4 documentation for S3; the provider contract suite
// (tests/integration/providers.test.ts) reads and lists through them from the emulator, odd names included.
import { describe, expect, it } from "vitest";
import { s3EncodeSegment, sigV4Authorization } from "@/lib/providers/s3-lean";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** AWS's example request: its credentials, bucket host, day and empty payload. */
function signExample(path: string, query: string, extra: Record<string, string>): string {
  return sigV4Authorization({
    method: "GET",
    path,
    query,
    headers: { host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": "20130524T000000Z", ...extra },
    payloadHash: EMPTY_SHA256,
    region: "us-east-1",
    service: "s3",
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
}

describe("SigV4 for the lean S3 requests", () => {
  it("reproduces AWS's documented GET Object signature (a Range header)", () => {
    expect(signExample("/test.txt", "", { range: "bytes=0-9" })).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("reproduces AWS's documented GET Bucket (list objects) signature: a canonical query string", () => {
    expect(signExample("/", "max-keys=2&prefix=J", {})).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, " +
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    );
  });

  it("encodes a key segment as S3 does: all but the unreserved characters", () => {
    expect(s3EncodeSegment("a b+c!'()*~._-Z9")).toBe("a%20b%2Bc%21%27%28%29%2A~._-Z9");
    expect(s3EncodeSegment("Hello, 世界 ≠?")).toBe("Hello%2C%20%E4%B8%96%E7%95%8C%20%E2%89%A0%3F");
  });
});

describe("lean S3 requests against a stub server", () => {
  it("sends signed path-style GETs (also to an IPv6 literal), takes 200/206 only and hands anything else back", async () => {
    const http = await import("node:http");
    const { createLeanS3 } = await import("@/lib/providers/s3-lean");
    const seen: { url: string; auth: string; range?: string }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url!, auth: String(req.headers.authorization), range: req.headers.range });
      if (req.url!.includes("missing")) return void res.writeHead(404).end("<Error><Code>NoSuchKey</Code></Error>");
      if (req.url!.startsWith("/b/?")) {
        return void res.writeHead(200).end(
          "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a%20b.mp4</Key><Size>3</Size><ETag>&quot;e&quot;</ETag></Contents><EncodingType>url</EncodingType></ListBucketResult>",
        );
      }
      res.writeHead(req.headers.range ? 206 : 200).end("abc");
    });
    await new Promise<void>((r) => server.listen(0, "::1", r));
    const { port } = server.address() as { port: number };
    const lean = createLeanS3({
      endpoint: `http://[::1]:${port}`, bucket: "b", region: "us-east-1", credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
      connectMs: 2000, requestMs: 2000, socketIdleMs: 2000,
    });
    try {
      const body = await lean.get("dir/a b+c.mp4");
      expect(body).not.toBeNull();
      let text = "";
      for await (const c of body!) text += c;
      expect(text).toBe("abc");
      expect(await lean.get("dir/x.mp4", "bytes=0-1")).not.toBeNull();
      expect(await lean.get("dir/missing.mp4")).toBeNull(); // the SDK asks again and reports it
      const page = await lean.list({ prefix: "dir/", delimiter: "/", maxKeys: 1000, continuationToken: "t o/k" });
      expect(page).toMatchObject({ contents: [{ key: "a%20b.mp4", size: 3, etag: '"e"' }], isTruncated: false, encodingType: "url" });
      expect(seen.map((s) => s.url)).toEqual([
        "/b/dir/a%20b%2Bc.mp4",
        "/b/dir/x.mp4",
        "/b/dir/missing.mp4",
        "/b/?continuation-token=t%20o%2Fk&delimiter=%2F&encoding-type=url&list-type=2&max-keys=1000&prefix=dir%2F",
      ]);
      expect(seen[1].range).toBe("bytes=0-1");
      for (const s of seen) expect(s.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;(range;)?x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
      // nothing listening: null (the SDK's retries and error mapping decide)
      const closed = createLeanS3({ endpoint: "http://127.0.0.1:9", bucket: "b", region: "us-east-1", credentials: { accessKeyId: "AK", secretAccessKey: "SK" }, connectMs: 2000, requestMs: 2000, socketIdleMs: 2000 });
      expect(await closed.get("x")).toBeNull();
      expect(await closed.list({ maxKeys: 1 })).toBeNull();
    } finally {
      server.close();
    }
  });
});
