/**
 * The SDK error mappers and the redaction in lib/providers/errors.ts, on synthetic SDK-shaped errors:
 * throttling, permission and server errors cannot be provoked on the emulators, so their mapping is
 * pinned here (the contract suite in providers.test.ts covers what the emulators can produce).
 */
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../lib/providers/common";
import {
  InvalidCursorError,
  StorageError,
  mapAzureError,
  mapGcsError,
  mapLocalError,
  mapS3Error,
  redact,
} from "../../lib/providers/errors";

const s3err = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? "server" : "client" });
const restError = (code: string, status: number, message = code) =>
  Object.assign(new Error(message), { name: "RestError", code, statusCode: status, details: { errorCode: code } });
const apiError = (code: number, message: string, reason?: string) =>
  Object.assign(new Error(message), { name: "ApiError", code, errors: reason ? [{ reason, message }] : [] });
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, errno: -111, syscall: "connect" });

describe("mapS3Error", () => {
  const ctx = { op: "stat", path: "a/b.txt", bucket: "bkt" };
  it.each([
    ["SignatureDoesNotMatch", 403, "auth_failed", false],
    ["InvalidAccessKeyId", 403, "auth_failed", false],
    ["AccessDenied", 403, "permission_denied", false],
    ["NoSuchBucket", 404, "bucket_not_found", false],
    ["NoSuchKey", 404, "not_found", false],
    ["NotFound", 404, "not_found", false],
    ["SlowDown", 503, "throttled", true],
    ["TooManyRequests", 429, "throttled", true],
    ["InternalError", 500, "unknown", true],
    ["Forbidden", 403, "permission_denied", false],
  ] as const)("%s (HTTP %i) → %s", (name, status, code, retryable) => {
    const e = mapS3Error(s3err(name, status), ctx);
    expect(e).toBeInstanceOf(StorageError);
    expect([e.code, e.retryable, e.status]).toEqual([code, retryable, status]);
    expect(e.message).toContain('bucket "bkt"');
  });
  it("a body-less 404 while listing means the bucket is missing", () => {
    expect(mapS3Error(s3err("UnknownError", 404), { op: "list" }).code).toBe("bucket_not_found");
  });
  it.each([
    ["ECONNREFUSED", "network_error"],
    ["ENOTFOUND", "network_error"],
    ["ECONNRESET", "network_error"],
    ["ETIMEDOUT", "timeout"],
  ] as const)("transport %s → %s (retryable)", (code, want) => {
    const e = mapS3Error(netError(code), { op: "list" });
    expect([e.code, e.retryable]).toEqual([want, true]);
  });
  it("smithy TimeoutError and AggregateError(ECONNREFUSED) are classified", () => {
    const t = Object.assign(new Error("socket did not establish a connection"), { name: "TimeoutError" });
    expect(mapS3Error(t, { op: "read" }).code).toBe("timeout");
    const agg = new AggregateError([netError("ECONNREFUSED"), netError("ECONNREFUSED")], "");
    expect(mapS3Error(agg, { op: "read" }).code).toBe("network_error");
  });
  it("passes StorageError through unchanged", () => {
    const e = new StorageError("throttled", "x");
    expect(mapS3Error(e, { op: "x" })).toBe(e);
  });
});

describe("mapAzureError", () => {
  it.each([
    ["AuthenticationFailed", 403, "auth_failed"],
    ["AuthorizationPermissionMismatch", 403, "permission_denied"],
    ["AuthorizationFailure", 403, "permission_denied"],
    ["ContainerNotFound", 404, "bucket_not_found"],
    ["BlobNotFound", 404, "not_found"],
    ["ServerBusy", 503, "throttled"],
    ["InternalError", 500, "unknown"],
  ] as const)("%s (HTTP %i) → %s", (code, status, want) => {
    expect(mapAzureError(restError(code, status, "This request is not authorized."), { op: "read" }).code).toBe(want);
  });
  it("a bad shared-key / SAS signature (Azurite: AuthorizationFailure) is auth_failed", () => {
    const e = restError("AuthorizationFailure", 403, "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.");
    expect(mapAzureError(e, { op: "list" }).code).toBe("auth_failed");
  });
  it.each(["AuthenticationRequiredError", "CredentialUnavailableError", "AuthenticationError"])("%s → auth_failed", (name) => {
    const e = Object.assign(new Error("AADSTS7000215: Invalid client secret provided."), { name });
    const m = mapAzureError(e, { op: "list" });
    expect([m.code, m.retryable]).toEqual(["auth_failed", false]);
  });
  it("transport errors and our AbortSignal.timeout deadline", () => {
    expect(mapAzureError(Object.assign(new Error("connect ECONNREFUSED"), { name: "RestError", code: "ECONNREFUSED" }), { op: "list" }).code).toBe(
      "network_error",
    );
    expect(mapAzureError(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }), { op: "list" }).code).toBe("timeout");
  });
});

describe("mapGcsError", () => {
  it.each([
    [401, "Invalid Credentials", "stat", "auth_failed"],
    [403, "gantry@x.iam.gserviceaccount.com does not have storage.objects.get access", "stat", "permission_denied"],
    [404, "The specified bucket does not exist.", "stat", "bucket_not_found"],
    [404, "No such object: bkt/a.txt", "stat", "not_found"],
    [404, "Not Found", "list", "bucket_not_found"],
    [429, "rate limit", "write", "throttled"],
    [503, "backend", "read", "throttled"],
    [500, "backend", "read", "unknown"],
  ] as const)("%i %s (%s) → %s", (status, message, op, want) => {
    expect(mapGcsError(apiError(status, message), { op }).code).toBe(want);
  });
  it("429 and 5xx are retryable, 4xx are not", () => {
    expect(mapGcsError(apiError(429, "x"), { op: "read" }).retryable).toBe(true);
    expect(mapGcsError(apiError(500, "x"), { op: "read" }).retryable).toBe(true);
    expect(mapGcsError(apiError(403, "x"), { op: "read" }).retryable).toBe(false);
  });
  it("reads the JSON body createReadStream puts in the message", () => {
    const body = JSON.stringify({ error: { code: 404, message: "The specified bucket does not exist.", errors: [] } });
    const e = mapGcsError(apiError(404, body), { op: "read", path: "a" });
    expect(e.code).toBe("bucket_not_found");
    expect(e.message).not.toContain("{");
  });
  it("token errors and transport errors", () => {
    expect(mapGcsError(new Error("invalid_grant: Invalid JWT Signature."), { op: "list" }).code).toBe("auth_failed");
    expect(mapGcsError(Object.assign(new Error("request failed"), { code: "ECONNREFUSED" }), { op: "list" }).code).toBe("network_error");
  });
});

describe("mapLocalError", () => {
  it.each([
    ["ENOENT", "not_found"],
    ["EACCES", "permission_denied"],
    ["ENOSPC", "unknown"],
  ] as const)("%s → %s, without the absolute path", (code, want) => {
    const e = mapLocalError(Object.assign(new Error(`${code}: open '/srv/secret/place/x'`), { code }), { op: "read", path: "x" });
    expect(e.code).toBe(want);
    expect(e.message).not.toContain("/srv/secret");
  });
});

describe("redact", () => {
  it("removes given secrets (and URL-encoded forms) and generic credential patterns", () => {
    const secret = "abc/DEF+ghi==secret";
    const text = [
      `key ${secret} and ${encodeURIComponent(secret)}`,
      "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=SIGNATUREVALUE%3D&se=2030",
      "X-Amz-Signature=0123456789abcdef0123456789abcdef",
      "Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig",
      "AccountKey=Zm9vYmFyYmF6;EndpointSuffix=core.windows.net",
      "SharedKey devstoreaccount1:c2lnbmF0dXJl",
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
      '{"client_secret":"hunter2hunter2"}',
    ].join("\n");
    const out = redact(text, [secret]);
    for (const leaked of [secret, encodeURIComponent(secret), "SIGNATUREVALUE", "0123456789abcdef0123", "eyJhbGciOi", "Zm9vYmFy", "c2lnbmF0dXJl", "MIIEvQIBADAN", "hunter2"]) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain("sv=2022-11-02");
  });
});

describe("cursors", () => {
  it("round-trip and are tied to prefix and delimiter", () => {
    const c = encodeCursor("token/with+chars", "p/", "/");
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, "p/", "/")).toBe("token/with+chars");
    expect(() => decodeCursor(c, "q/", "/")).toThrow(InvalidCursorError);
    expect(() => decodeCursor(c, "p/")).toThrow(InvalidCursorError);
    expect(() => decodeCursor("%%%", "p/")).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('{"t":1}').toString("base64url"), "p/")).toThrow(InvalidCursorError);
    expect(decodeCursor(undefined, "p/")).toBeUndefined();
  });
});
