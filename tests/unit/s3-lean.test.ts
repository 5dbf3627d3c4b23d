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
