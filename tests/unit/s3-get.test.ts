// The lean S3 GET signs its requests itself (lib/providers/s3-get.ts): checked here against the worked
// example of AWS's Signature Version 4 documentation for S3 (GET Object with a Range header); the provider
// contract suite (tests/integration/providers.test.ts) reads through it from the emulator, odd names included.
import { describe, expect, it } from "vitest";
import { s3EncodeSegment, sigV4Authorization } from "@/lib/providers/s3-get";

describe("SigV4 for the lean S3 GET", () => {
  it("reproduces AWS's documented GET Object signature", () => {
    const auth = sigV4Authorization({
      method: "GET",
      path: "/test.txt",
      headers: {
        host: "examplebucket.s3.amazonaws.com",
        range: "bytes=0-9",
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "x-amz-date": "20130524T000000Z",
      },
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      region: "us-east-1",
      service: "s3",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    });
    expect(auth).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("encodes a key segment as S3 does: all but the unreserved characters", () => {
    expect(s3EncodeSegment("a b+c!'()*~._-Z9")).toBe("a%20b%2Bc%21%27%28%29%2A~._-Z9");
    expect(s3EncodeSegment("Hello, 世界 ≠?")).toBe("Hello%2C%20%E4%B8%96%E7%95%8C%20%E2%89%A0%3F");
  });
});
