/**
 * A lean GetObject for S3-compatible endpoints: one SigV4-signed GET on a keep-alive agent, without the
 * SDK's per-command middleware (endpoint rules, retry strategy, serde, flexible checksums, invocation ids).
 * Measured against radosgw, 20 KB objects, 4 at a time: 1.8–2.5 ms of CPU per GetObject through the SDK,
 * 0.4–0.8 ms this way — for small files the SDK was the largest single cost of an import.
 *
 * It is used where it does exactly what the SDK does: a custom endpoint with path-style addressing, where
 * the client runs with `responseChecksumValidation: "WHEN_REQUIRED"` (no checksum mode, nothing validated).
 * AWS itself keeps the SDK (its default validates response checksums, and it follows region redirects).
 *
 * Only a successful answer (200, or 206 for a range) is taken from here. Anything else — an error status,
 * a redirect, a connection that fails before the headers — returns null and the caller asks the SDK,
 * whose retries and error mapping then decide, exactly as before. A body that fails midway fails the
 * stream, as the SDK's body (the same IncomingMessage) would.
 */
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isAscii } from "node:buffer";
import type { Readable } from "node:stream";
import { fastListCounts, parseListObjectsV2, type FastListPage } from "./s3-list-xml";
import type { PlainGet } from "./types";

export interface LeanGetConfig {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  connectMs: number;
  /** Until the response headers. */
  requestMs: number;
  socketIdleMs: number;
}

export type LeanGet = (key: string, range?: string) => Promise<Readable | null>;
export interface LeanListQuery {
  prefix?: string;
  delimiter?: string;
  maxKeys: number;
  continuationToken?: string;
}
export type LeanList = (q: LeanListQuery) => Promise<FastListPage | null>;

/** Requests answered here, and requests handed back to the SDK (tests check which path a request took). */
export const leanGetCounts = { served: 0, declined: 0, lists: 0, listsDeclined: 0 };

/** S3's URI encoding of one path segment: everything but the RFC 3986 unreserved characters. */
export function s3EncodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface SignInput {
  method: string;
  /** Already URI-encoded, as sent. */
  path: string;
  /** The canonical query string (encoded, sorted), "" for none. */
  query?: string;
  /** Lower-case names; all of them are signed. `host` and `x-amz-date` must be among them. */
  headers: Record<string, string>;
  payloadHash: string;
  region: string;
  service: string;
  secretAccessKey: string;
  accessKeyId: string;
}

/** The Authorization header value of a request without a query string (AWS Signature Version 4). */
export function sigV4Authorization(input: SignInput, signingKey = signingKeyFor(input.secretAccessKey, input.headers["x-amz-date"].slice(0, 8), input.region, input.service)): string {
  const amzDate = input.headers["x-amz-date"];
  const names = Object.keys(input.headers).sort();
  const canonical = [input.method, input.path, input.query ?? "", ...names.map((n) => `${n}:${input.headers[n].trim()}`), "", names.join(";"), input.payloadHash].join("\n");
  const scope = `${amzDate.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
}

export function signingKeyFor(secret: string, day: string, region: string, service: string): Buffer {
  let key = createHmac("sha256", `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

/** S3's canonical query string: names and values URI-encoded, sorted by name. */
function canonicalQuery(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => [s3EncodeSegment(k), s3EncodeSegment(v)])
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

export function createLeanS3(cfg: LeanGetConfig): { get: LeanGet; list: LeanList; plainGet: (key: string) => PlainGet } {
  const base = new URL(cfg.endpoint);
  const secure = base.protocol === "https:";
  const mod = secure ? https : http;
  // `timeout` is how long an idle pooled connection is kept (15 s; a request in flight has its own
  // socket-idle limit below): a provider dropped from the factory's cache leaves nothing open for long.
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 64, timeout: Math.min(cfg.socketIdleMs, 15_000) });
  const basePath = base.pathname.replace(/\/+$/, "");
  const bucketPath = `${basePath}/${s3EncodeSegment(cfg.bucket)}`;
  const hostname = base.hostname.replace(/^\[(.*)\]$/, "$1"); // an IPv6 literal without its brackets
  let keyDay = "";
  let signingKey: Buffer = Buffer.alloc(0);

  /** The headers of a signed GET (host, date, payload hash, token, authorization, and `extra`). */
  function signedHeaders(path: string, query: string, extra: Record<string, string>): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    if (day !== keyDay) {
      signingKey = signingKeyFor(cfg.credentials.secretAccessKey, day, cfg.region, "s3");
      keyDay = day;
    }
    const headers: Record<string, string> = { host: base.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amzDate, ...extra };
    if (cfg.credentials.sessionToken) headers["x-amz-security-token"] = cfg.credentials.sessionToken;
    headers.authorization = sigV4Authorization(
      { method: "GET", path, query, headers, payloadHash: "UNSIGNED-PAYLOAD", region: cfg.region, service: "s3", ...cfg.credentials },
      signingKey,
    );
    return headers;
  }

  /** One signed GET; the response when `ok(status)`, else null (drained). Never rejects. */
  function request(path: string, query: string, extra: Record<string, string>, ok: (status: number) => boolean): Promise<http.IncomingMessage | null> {
    const headers = signedHeaders(path, query, extra);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: http.IncomingMessage | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(headersTimer);
        resolve(v);
      };
      const req = mod.request(
        { protocol: base.protocol, hostname, port: base.port || undefined, path: query ? `${path}?${query}` : path, headers, agent },
        (res) => {
          if (!ok(res.statusCode ?? 0)) {
            res.resume(); // drain (the connection stays reusable); the SDK asks again and reports the error
            return settle(null);
          }
          settle(res);
        },
      );
      const headersTimer = setTimeout(() => req.destroy(new Error("headers timeout")), cfg.requestMs);
      req.setTimeout(cfg.socketIdleMs, () => req.destroy(new Error(`socket idle for ${cfg.socketIdleMs} ms`)));
      req.once("socket", (socket) => {
        if (socket.connecting) {
          const connectTimer = setTimeout(() => req.destroy(new Error("connect timeout")), cfg.connectMs);
          socket.once("connect", () => clearTimeout(connectTimer));
          socket.once("close", () => clearTimeout(connectTimer));
        }
      });
      req.on("error", () => settle(null)); // before the headers: the SDK decides (retries, error mapping)
      req.end();
    });
  }

  const objectPath = (key: string) => `${bucketPath}/${key.split("/").map(s3EncodeSegment).join("/")}`;

  /** The whole object as a signed GET for another HTTP client (a copy thread); valid for S3's 15 minutes of clock skew. */
  const plainGet = (key: string): PlainGet => {
    const path = objectPath(key);
    return {
      url: `${base.protocol}//${base.host}${path}`,
      headers: signedHeaders(path, "", {}),
      timeouts: { connectMs: cfg.connectMs, requestMs: cfg.requestMs, socketIdleMs: cfg.socketIdleMs },
    };
  };

  const get: LeanGet = async (key, range) => {
    const path = objectPath(key);
    const res = await request(path, "", range ? { range } : {}, (status) => status === 200 || (range !== undefined && status === 206));
    leanGetCounts[res ? "served" : "declined"]++;
    return res;
  };

  /** ListObjectsV2 (URL-encoded keys), read by the fast reader; null: ask the SDK. */
  const list: LeanList = async (q) => {
    const query = canonicalQuery({
      "list-type": "2",
      prefix: q.prefix || undefined,
      delimiter: q.delimiter,
      "max-keys": String(q.maxKeys),
      "continuation-token": q.continuationToken,
      "encoding-type": "url",
    });
    const res = await request(`${bucketPath}/`, query, {}, (status) => status === 200);
    let page: FastListPage | null = null;
    if (res) {
      try {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const bytes = Buffer.concat(chunks);
        page = parseListObjectsV2(bytes.toString(isAscii(bytes) ? "latin1" : "utf8"));
      } catch {
        page = null; // a body cut short, a document the reader does not understand: the SDK decides
      }
    }
    if (page) fastListCounts.fast++;
    leanGetCounts[page ? "lists" : "listsDeclined"]++;
    return page;
  };

  return { get, list, plainGet };
}
