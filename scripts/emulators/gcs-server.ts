/**
 * A small, dependency-free Google Cloud Storage emulator speaking the JSON API wire protocol that
 * the official `@google-cloud/storage` SDK uses (see /work/shared/emulators.md, GCS section).
 *
 * Everything is kept in memory (object bodies as one Buffer per object). Routes are accepted both
 * with and without the `/storage/v1` prefix (with `STORAGE_EMULATOR_HOST` the SDK drops it for JSON
 * calls while uploads keep `/upload/storage/v1`).
 *
 * Supported:
 *   buckets   GET/POST /b?project=, GET/PATCH/DELETE /b/{bucket}
 *   objects   GET /b/{b}/o (prefix, delimiter, maxResults, pageToken, startOffset, endOffset,
 *             matchGlob, includeTrailingDelimiter), GET (metadata or alt=media with Range),
 *             PATCH/PUT (metadata), DELETE, rewriteTo, copyTo, moveTo, compose
 *   uploads   POST /upload/.../b/{b}/o?uploadType=media|multipart|resumable, PUT/DELETE session URLs
 *   XML-style `/{bucket}/{object}` GET/HEAD/PUT/DELETE, which is where V4 signed URLs point; the
 *             expiry is always enforced and the signature too when `signedUrlKeys` is given.
 *   preconditions ifGenerationMatch / ifGenerationNotMatch / ifMetagenerationMatch /
 *             ifMetagenerationNotMatch (and the ifSource* variants for rewrite/copy).
 *
 * Usage:  tsx scripts/emulators/gcs-server.ts [--port 4443] [--host 127.0.0.1]
 * Debug:  GCS_EMULATOR_DEBUG=1 logs one line per request to stderr.
 */
import { createHash, createPublicKey, randomUUID, verify as cryptoVerify, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { crc32c } from "./gcs-crc32c";

/**
 * A partial response (the JSON API's `fields` parameter): `a,b(c,d),e/f` keeps only those members, a
 * selection inside parentheses applying to each element of an array. What a client does not ask for
 * is dropped, as the real service does, so a client that forgets a field it reads sees it missing.
 */
export function selectFields(value: unknown, fields: string): unknown {
  const parse = (s: string, at: { i: number }): Map<string, Map<string, unknown> | null> => {
    const out = new Map<string, Map<string, unknown> | null>();
    while (at.i < s.length && s[at.i] !== ")") {
      let name = "";
      while (at.i < s.length && !",()".includes(s[at.i])) name += s[at.i++];
      name = name.trim();
      if (!name) throw new HttpError(400, `Invalid field selection: ${fields}`);
      let sub: Map<string, unknown> | null = null;
      if (s[at.i] === "(") {
        at.i++;
        sub = parse(s, at) as Map<string, unknown>;
        if (s[at.i++] !== ")") throw new HttpError(400, `Invalid field selection: ${fields}`);
      }
      // a/b is b inside a
      const [head, ...rest] = name.split("/");
      const nested = rest.reduceRight<Map<string, unknown> | null>((acc, part) => new Map([[part, acc]]), sub);
      out.set(head, nested);
      if (s[at.i] === ",") at.i++;
    }
    return out;
  };
  const apply = (v: unknown, sel: Map<string, unknown> | null): unknown => {
    if (sel === null || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map((e) => apply(e, sel));
    const o: Record<string, unknown> = {};
    for (const [k, s] of sel) if (k in (v as Record<string, unknown>)) o[k] = apply((v as Record<string, unknown>)[k], s as Map<string, unknown> | null);
    return o;
  };
  const at = { i: 0 };
  const sel = parse(fields, at);
  if (at.i !== fields.length) throw new HttpError(400, `Invalid field selection: ${fields}`);
  return apply(value, sel as Map<string, unknown>);
}

export interface GcsEmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; defaults to 127.0.0.1. */
  host?: string;
  /** Log every request to stderr (default: `GCS_EMULATOR_DEBUG=1`). */
  debug?: boolean;
  /**
   * client_email → PEM key (public, or the private key itself) used to verify V4 signed URLs on the
   * XML-style `/{bucket}/{object}` routes. When set, those routes require a valid signature.
   */
  signedUrlKeys?: Record<string, string>;
  /** Observer called for every incoming request (before it is handled), e.g. to assert on headers. */
  onRequest?: (request: { method: string; url: string; headers: http.IncomingHttpHeaders }) => void;
}

export interface GcsEmulator {
  /** `http://HOST:PORT`, what to pass as `apiEndpoint` (or `STORAGE_EMULATOR_HOST`). */
  endpoint: string;
  port: number;
  host: string;
  /** Drop all buckets, objects and upload sessions. */
  reset(): void;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Model

interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  customTime?: string;
  metadata?: Record<string, string>;
  storageClass: string;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
}

interface StoredBucket {
  name: string;
  timeCreated: string;
  updated: string;
  metageneration: number;
  location: string;
  storageClass: string;
  labels?: Record<string, string>;
  versioning?: { enabled: boolean };
  objects: Map<string, StoredObject>;
  /** Object names in GCS order (Unicode code point order == UTF-8 byte order). */
  sorted: string[];
}

interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  resource: Record<string, unknown>;
  contentType?: string;
  preconditions: URLSearchParams;
  chunks: Buffer[];
  received: number;
  result?: StoredObject;
}

/** Fields of an object resource a client may set. */
const WRITABLE_FIELDS = [
  "contentType",
  "contentEncoding",
  "contentDisposition",
  "contentLanguage",
  "cacheControl",
  "customTime",
  "storageClass",
] as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string = reasonFor(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function reasonFor(status: number): string {
  switch (status) {
    case 304:
      return "notModified";
    case 400:
      return "invalid";
    case 403:
      return "forbidden";
    case 404:
      return "notFound";
    case 409:
      return "conflict";
    case 412:
      return "conditionNotMet";
    case 416:
      return "requestedRangeNotSatisfiable";
    default:
      return "backendError";
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering helpers

/** Compare by Unicode code point (equivalently UTF-8 bytes), not UTF-16 code units. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** First index whose name is >= key. */
function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(sorted[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index >= from whose name does not start with prefix (names with a prefix are contiguous). */
function skipPrefix(sorted: string[], from: number, prefix: string): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** GCS matchGlob: `**` any chars, `*`/`?` within a segment, `[...]` classes, `{a,b}` alternatives. */
function compileGlob(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        re += "\\[";
      } else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += "[" + body.replace(/\\/g, "\\\\") + "]";
        i = close;
      }
    } else if (c === "{") {
      const close = glob.indexOf("}", i);
      if (close === -1) {
        re += "\\{";
      } else {
        const alts = glob.slice(i + 1, close).split(",").map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
        re += "(?:" + alts.join("|") + ")";
        i = close;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp("^" + re + "$", "s");
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on("data", (c: Buffer) => {
      chunks.push(c);
      total += c.length;
    });
    req.on("end", () => {
      const out = Buffer.allocUnsafeSlow(total);
      let off = 0;
      for (const c of chunks) {
        c.copy(out, off);
        off += c.length;
      }
      resolve(out);
    });
    req.on("error", reject);
  });
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, "Invalid JSON payload received.", "parseError");
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

function hashesOf(data: Buffer): { md5Hash: string; crc32c: string } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data), 0);
  return { md5Hash: createHash("md5").update(data).digest("base64"), crc32c: crc.toString("base64") };
}

/** Validate client-declared hashes (x-goog-hash header and/or resource fields) against the data. */
function checkDeclaredHashes(
  computed: { md5Hash: string; crc32c: string },
  header: string | undefined,
  resource?: Record<string, unknown>,
): void {
  const declared: { crc32c?: string; md5?: string } = {};
  if (header) {
    for (const pair of header.split(",")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const k = pair.slice(0, eq).trim().toLowerCase();
      const v = pair.slice(eq + 1).trim();
      if (k === "crc32c") declared.crc32c = v;
      if (k === "md5") declared.md5 = v;
    }
  }
  if (resource && typeof resource.crc32c === "string") declared.crc32c = resource.crc32c;
  if (resource && typeof resource.md5Hash === "string") declared.md5 = resource.md5Hash;
  if (declared.crc32c !== undefined && declared.crc32c !== computed.crc32c) {
    throw new HttpError(
      400,
      `Provided CRC32C "${declared.crc32c}" doesn't match calculated CRC32C "${computed.crc32c}".`,
      "invalid",
    );
  }
  if (declared.md5 !== undefined && declared.md5 !== computed.md5Hash) {
    throw new HttpError(
      400,
      `Provided MD5 hash "${declared.md5}" doesn't match calculated MD5 hash "${computed.md5Hash}".`,
      "invalid",
    );
  }
}

/** Split a multipart/related body into its parts (headers + raw body), binary-safe. */
function parseMultipart(body: Buffer, contentType: string): { headers: Record<string, string>; body: Buffer }[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) throw new HttpError(400, "Missing multipart boundary.");
  const boundary = m[1] ?? m[2];
  const delim = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new HttpError(400, "Malformed multipart body.");
  for (;;) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--boundary--"
    // skip to the end of the delimiter line
    const eol = body.indexOf("\n", pos);
    if (eol < 0) throw new HttpError(400, "Malformed multipart body.");
    const partStart = eol + 1;
    // header/body separator
    let sep = body.indexOf("\r\n\r\n", partStart);
    let sepLen = 4;
    const lfSep = body.indexOf("\n\n", partStart);
    if (sep < 0 || (lfSep >= 0 && lfSep < sep)) {
      sep = lfSep;
      sepLen = 2;
    }
    if (sep < 0) throw new HttpError(400, "Malformed multipart part.");
    const headers: Record<string, string> = {};
    for (const line of body.subarray(partStart, sep).toString("utf8").split(/\r?\n/)) {
      const c = line.indexOf(":");
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    const dataStart = sep + sepLen;
    let next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delim]), dataStart);
    let dataEnd = next;
    if (next < 0) {
      next = body.indexOf(Buffer.concat([Buffer.from("\n"), delim]), dataStart);
      dataEnd = next;
      if (next < 0) throw new HttpError(400, "Malformed multipart body: missing closing boundary.");
      next += 1;
    } else {
      next += 2;
    }
    parts.push({ headers, body: body.subarray(dataStart, dataEnd) });
    pos = next;
  }
  return parts;
}

function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name);
}

function isValidObjectName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, "utf8") <= 1024 && name !== "." && name !== ".." &&
    !/[\r\n]/.test(name);
}

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new HttpError(400, `Invalid URL-encoding in path segment: ${seg}`);
  }
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

/** `encodeURIComponent` plus !'()* (what the SDK's signer uses). */
function fixedEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

// ---------------------------------------------------------------------------------------------
// The emulator

class GcsState {
  buckets = new Map<string, StoredBucket>();
  uploads = new Map<string, UploadSession>();
  private lastGeneration = 0;

  nextGeneration(): number {
    // microseconds since the epoch, strictly increasing (like real GCS generations)
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return this.lastGeneration;
  }

  bucket(name: string): StoredBucket {
    const b = this.buckets.get(name);
    if (!b) throw new HttpError(404, "The specified bucket does not exist.");
    return b;
  }

  object(bucket: StoredBucket, name: string, generation?: string | null): StoredObject {
    const o = bucket.objects.get(name);
    if (!o || (generation && String(o.generation) !== generation)) {
      throw new HttpError(404, `No such object: ${bucket.name}/${name}`);
    }
    return o;
  }

  put(bucket: StoredBucket, obj: StoredObject): void {
    if (!bucket.objects.has(obj.name)) {
      bucket.sorted.splice(lowerBound(bucket.sorted, obj.name), 0, obj.name);
    }
    bucket.objects.set(obj.name, obj);
  }

  remove(bucket: StoredBucket, name: string): void {
    if (!bucket.objects.delete(name)) return;
    const i = lowerBound(bucket.sorted, name);
    if (bucket.sorted[i] === name) bucket.sorted.splice(i, 1);
  }
}

/**
 * Check generation/metageneration preconditions. `mode` "read" maps a failed NotMatch to 304 and a
 * missing object to 404; "write" uses 412 throughout.
 */
function checkPreconditions(
  existing: StoredObject | undefined,
  q: URLSearchParams,
  mode: "read" | "write",
  prefix: "if" | "ifSource" = "if",
): void {
  const num = (k: string): number | undefined => {
    const v = q.get(prefix + k);
    if (v === null || v === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new HttpError(400, `Invalid value for ${prefix}${k}: ${v}`);
    return n;
  };
  const failed = (): never => {
    throw new HttpError(412, "At least one of the pre-conditions you specified did not hold.");
  };
  const notModified = (): never => {
    if (mode === "read") throw new HttpError(304, "Not Modified");
    return failed();
  };
  const genMatch = num("GenerationMatch");
  if (genMatch !== undefined) {
    if (genMatch === 0) {
      if (existing) failed();
    } else if (!existing) {
      if (mode === "read") throw new HttpError(404, "No such object.");
      failed();
    } else if (existing.generation !== genMatch) failed();
  }
  const genNotMatch = num("GenerationNotMatch");
  if (genNotMatch !== undefined) {
    if (genNotMatch === 0 ? !existing : existing?.generation === genNotMatch) notModified();
  }
  const metaMatch = num("MetagenerationMatch");
  if (metaMatch !== undefined && (!existing || existing.metageneration !== metaMatch)) failed();
  const metaNotMatch = num("MetagenerationNotMatch");
  if (metaNotMatch !== undefined && existing && existing.metageneration === metaNotMatch) notModified();
}

/** The writable metadata of an object, as a resource to copy onto another one. */
function resourceOf(o: StoredObject): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const f of WRITABLE_FIELDS) if (o[f] !== undefined) r[f] = o[f];
  if (o.metadata) r.metadata = { ...o.metadata };
  return r;
}

function applyResource(target: Partial<StoredObject>, resource: Record<string, unknown>): void {
  for (const f of WRITABLE_FIELDS) {
    if (f in resource) {
      const v = resource[f];
      if (v === null || v === undefined) delete target[f];
      else (target as Record<string, unknown>)[f] = String(v);
    }
  }
  if ("metadata" in resource) {
    const md = resource.metadata;
    if (md === null) {
      delete target.metadata;
    } else if (md && typeof md === "object") {
      const merged: Record<string, string> = { ...(target.metadata ?? {}) };
      for (const [k, v] of Object.entries(md as Record<string, unknown>)) {
        if (v === null) delete merged[k];
        else merged[k] = typeof v === "string" ? v : JSON.stringify(v);
      }
      target.metadata = Object.keys(merged).length ? merged : undefined;
      if (!target.metadata) delete target.metadata;
    }
  }
}

export async function startGcsEmulator(options: GcsEmulatorOptions = {}): Promise<GcsEmulator> {
  const host = options.host ?? "127.0.0.1";
  const debug = options.debug ?? process.env.GCS_EMULATOR_DEBUG === "1";
  const state = new GcsState();
  const signedUrlKeys = new Map<string, KeyObject>();
  for (const [email, pem] of Object.entries(options.signedUrlKeys ?? {})) {
    signedUrlKeys.set(email, createPublicKey(pem));
  }

  const originOf = (req: http.IncomingMessage): string => `http://${req.headers.host ?? `${host}:${port}`}`;

  // ---------------- JSON representations

  const objectJson = (req: http.IncomingMessage, o: StoredObject): Record<string, unknown> => {
    const origin = originOf(req);
    const enc = encodeURIComponent(o.name);
    const json: Record<string, unknown> = {
      kind: "storage#object",
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `${origin}/storage/v1/b/${o.bucket}/o/${enc}`,
      mediaLink: `${origin}/download/storage/v1/b/${o.bucket}/o/${enc}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: String(o.generation),
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: o.storageClass,
      size: String(o.data.length),
      md5Hash: o.md5Hash,
      crc32c: o.crc32c,
      etag: etagOf(o),
      timeCreated: o.timeCreated,
      updated: o.updated,
      timeStorageClassUpdated: o.timeCreated,
    };
    for (const f of ["contentEncoding", "contentDisposition", "contentLanguage", "cacheControl", "customTime"] as const) {
      if (o[f] !== undefined) json[f] = o[f];
    }
    if (o.metadata) json.metadata = { ...o.metadata };
    return json;
  };

  const etagOf = (o: StoredObject): string =>
    Buffer.from(`${o.generation}/${o.metageneration}`).toString("base64").replace(/=+$/, "");

  const bucketJson = (req: http.IncomingMessage, b: StoredBucket): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      kind: "storage#bucket",
      selfLink: `${originOf(req)}/storage/v1/b/${b.name}`,
      id: b.name,
      name: b.name,
      projectNumber: "0",
      metageneration: String(b.metageneration),
      location: b.location,
      storageClass: b.storageClass,
      etag: Buffer.from(String(b.metageneration)).toString("base64").replace(/=+$/, ""),
      timeCreated: b.timeCreated,
      updated: b.updated,
      locationType: "region",
      iamConfiguration: {
        bucketPolicyOnly: { enabled: false },
        uniformBucketLevelAccess: { enabled: false },
        publicAccessPrevention: "inherited",
      },
      rpo: "DEFAULT",
    };
    if (b.labels) json.labels = { ...b.labels };
    if (b.versioning) json.versioning = { ...b.versioning };
    return json;
  };

  // ---------------- responses

  const send = (
    res: http.ServerResponse,
    status: number,
    body: Buffer | string | null,
    headers: Record<string, string | number> = {},
  ): void => {
    const buf = body === null ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body) : body;
    res.writeHead(status, { "Content-Length": buf.length, ...headers });
    res.end(buf);
  };

  const sendJson = (res: http.ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void =>
    send(res, status, JSON.stringify(json), { "Content-Type": "application/json; charset=UTF-8", ...headers });

  const sendJsonError = (res: http.ServerResponse, err: HttpError): void => {
    if (err.status === 304) {
      send(res, 304, null, err.headers);
      return;
    }
    sendJson(
      res,
      err.status,
      {
        error: {
          code: err.status,
          message: err.message,
          errors: [{ message: err.message, domain: "global", reason: err.reason }],
        },
      },
      err.headers,
    );
  };

  const sendXmlError = (res: http.ServerResponse, err: HttpError, code: string): void =>
    send(
      res,
      err.status,
      `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(err.message)}</Message></Error>`,
      { "Content-Type": "application/xml; charset=UTF-8", ...err.headers },
    );

  /** Serve an object's media, honouring Range; shared by JSON alt=media and the XML-style route. */
  const sendMedia = (req: http.IncomingMessage, res: http.ServerResponse, o: StoredObject, head = false): void => {
    let data = o.data;
    const headers: Record<string, string | number> = {
      "Content-Type": o.contentType,
      "Accept-Ranges": "bytes",
      ETag: `"${Buffer.from(o.md5Hash, "base64").toString("hex")}"`,
      "Last-Modified": new Date(o.updated).toUTCString(),
      "x-goog-generation": String(o.generation),
      "x-goog-metageneration": String(o.metageneration),
      "x-goog-stored-content-length": String(o.data.length),
      "x-goog-stored-content-encoding": o.contentEncoding ?? "identity",
      "x-goog-storage-class": o.storageClass,
      "x-goog-hash": `crc32c=${o.crc32c},md5=${o.md5Hash}`,
    };
    if (o.contentDisposition) headers["Content-Disposition"] = o.contentDisposition;
    if (o.contentLanguage) headers["Content-Language"] = o.contentLanguage;
    if (o.cacheControl) headers["Cache-Control"] = o.cacheControl;
    for (const [k, v] of Object.entries(o.metadata ?? {})) {
      if (/^[\x21-\x7e]+$/.test(k) && /^[\x20-\x7e]*$/.test(v)) headers[`x-goog-meta-${k}`] = v;
    }
    if (o.contentEncoding === "gzip") {
      const accepts = /\bgzip\b/.test(headerValue(req, "accept-encoding") ?? "");
      if (accepts) {
        headers["Content-Encoding"] = "gzip";
      } else {
        // decompressive transcoding: hashes describe the stored bytes, so they are not sent
        data = zlib.gunzipSync(data);
        delete headers["x-goog-hash"];
      }
    }
    const range = headerValue(req, "range");
    const size = data.length;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] !== "" || m[2] !== "")) {
        let start: number;
        let end: number;
        if (m[1] === "") {
          const suffix = Number(m[2]);
          start = Math.max(0, size - suffix);
          end = size - 1;
        } else {
          start = Number(m[1]);
          end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
        }
        if (start >= size || end < start) {
          if (!(size === 0 && m[1] === "")) {
            throw new HttpError(416, "The requested range cannot be satisfied.", "requestedRangeNotSatisfiable", {
              "Content-Range": `bytes */${size}`,
            });
          }
        } else {
          const slice = data.subarray(start, end + 1);
          headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
          res.writeHead(206, { ...headers, "Content-Length": slice.length });
          res.end(head ? undefined : slice);
          return;
        }
      }
    }
    res.writeHead(200, { ...headers, "Content-Length": size });
    res.end(head ? undefined : data);
  };

  // ---------------- object creation

  const commitObject = (
    bucket: StoredBucket,
    name: string,
    data: Buffer,
    resource: Record<string, unknown>,
    preconditions: URLSearchParams,
    fallbackContentType?: string,
    declaredHashHeader?: string,
  ): StoredObject => {
    if (!isValidObjectName(name)) throw new HttpError(400, `Invalid object name: ${JSON.stringify(name)}`);
    const hashes = hashesOf(data);
    checkDeclaredHashes(hashes, declaredHashHeader, resource);
    checkPreconditions(bucket.objects.get(name), preconditions, "write");
    const now = new Date().toISOString();
    const obj: StoredObject = {
      bucket: bucket.name,
      name,
      data,
      generation: state.nextGeneration(),
      metageneration: 1,
      contentType: "application/octet-stream",
      storageClass: bucket.storageClass,
      ...hashes,
      timeCreated: now,
      updated: now,
    };
    if (fallbackContentType) obj.contentType = fallbackContentType;
    applyResource(obj, resource);
    if (!obj.contentType) obj.contentType = "application/octet-stream";
    state.put(bucket, obj);
    return obj;
  };

  // ---------------- listing

  const listObjects = (req: http.IncomingMessage, res: http.ServerResponse, bucket: StoredBucket, q: URLSearchParams) => {
    const prefix = q.get("prefix") ?? "";
    const delimiter = q.get("delimiter") ?? "";
    const includeTrailing = q.get("includeTrailingDelimiter") === "true";
    const startOffset = q.get("startOffset") ?? "";
    const endOffset = q.get("endOffset") ?? "";
    const glob = q.get("matchGlob") ? compileGlob(q.get("matchGlob")!) : undefined;
    let maxResults = 1000;
    if (q.get("maxResults")) {
      const n = Number(q.get("maxResults"));
      if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `Invalid maxResults: ${q.get("maxResults")}`);
      if (n > 0) maxResults = Math.min(n, 1000);
    }
    let after: { k: string; p: boolean } | undefined;
    const token = q.get("pageToken");
    if (token) {
      try {
        after = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
        if (!after || typeof after.k !== "string") throw new Error("bad token");
      } catch {
        throw new HttpError(400, "Invalid pageToken.");
      }
    }

    const sorted = bucket.sorted;
    let i = lowerBound(sorted, prefix);
    if (startOffset && compareNames(startOffset, prefix) > 0) i = Math.max(i, lowerBound(sorted, startOffset));
    if (after) {
      i = Math.max(i, lowerBound(sorted, after.k));
      if (sorted[i] === after.k) i++;
      if (after.p) i = skipPrefix(sorted, i, after.k);
    }

    const items: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let last: { k: string; p: boolean } | undefined;
    let more = false;
    // softDeleted objects are never kept, so such listings are always empty
    const softDeleted = q.get("softDeleted") === "true";
    while (!softDeleted && i < sorted.length) {
      const name = sorted[i];
      if (!name.startsWith(prefix)) break;
      if (endOffset && compareNames(name, endOffset) >= 0) break;
      if (glob && !glob.test(name)) {
        i++;
        continue;
      }
      if (delimiter) {
        const idx = name.indexOf(delimiter, prefix.length);
        if (idx >= 0) {
          const p = name.slice(0, idx + delimiter.length);
          if (count >= maxResults) {
            more = true;
            break;
          }
          prefixes.push(p);
          count++;
          if (includeTrailing && bucket.objects.has(p) && (!glob || glob.test(p))) {
            items.push(objectJson(req, bucket.objects.get(p)!));
          }
          last = { k: p, p: true };
          i = skipPrefix(sorted, i, p);
          continue;
        }
      }
      if (count >= maxResults) {
        more = true;
        break;
      }
      items.push(objectJson(req, bucket.objects.get(name)!));
      count++;
      last = { k: name, p: false };
      i++;
    }

    const out: Record<string, unknown> = { kind: "storage#objects" };
    if (more && last) out.nextPageToken = Buffer.from(JSON.stringify(last)).toString("base64url");
    if (prefixes.length) out.prefixes = prefixes;
    if (items.length) out.items = items;
    sendJson(res, 200, q.get("fields") ? selectFields(out, q.get("fields")!) : out);
  };

  // ---------------- uploads

  const handleUpload = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    segs: string[],
    q: URLSearchParams,
  ): Promise<void> => {
    // segs: ["b", bucket, "o"]
    if (segs.length !== 3 || segs[0] !== "b" || segs[2] !== "o") throw new HttpError(404, "Not Found");
    const method = req.method ?? "GET";
    const uploadId = q.get("upload_id");
    if (uploadId) {
      await handleSessionRequest(req, res, uploadId);
      return;
    }
    if (method !== "POST") throw new HttpError(405, `Method ${method} not allowed on upload URL.`);
    const bucket = state.bucket(segs[1]);
    const uploadType = q.get("uploadType") ?? (req.headers["content-type"]?.startsWith("multipart/") ? "multipart" : "media");
    const body = await readBody(req);

    if (uploadType === "media") {
      const name = q.get("name");
      if (!name) throw new HttpError(400, "Required parameter: name", "required");
      const obj = commitObject(bucket, name, body, {}, q, headerValue(req, "content-type"), headerValue(req, "x-goog-hash"));
      sendJson(res, 200, objectJson(req, obj));
      return;
    }

    if (uploadType === "multipart") {
      const parts = parseMultipart(body, headerValue(req, "content-type") ?? "");
      if (parts.length < 2) throw new HttpError(400, "A multipart upload needs a metadata part and a media part.");
      const resource = parseJsonBody(parts[0].body);
      const name = q.get("name") ?? (typeof resource.name === "string" ? resource.name : undefined);
      if (!name) throw new HttpError(400, "Required parameter: name", "required");
      const obj = commitObject(
        bucket,
        name,
        Buffer.from(parts[1].body),
        resource,
        q,
        parts[1].headers["content-type"],
        headerValue(req, "x-goog-hash"),
      );
      sendJson(res, 200, objectJson(req, obj));
      return;
    }

    if (uploadType === "resumable") {
      const resource = parseJsonBody(body);
      const name = q.get("name") ?? (typeof resource.name === "string" ? resource.name : undefined);
      if (!name) throw new HttpError(400, "Required parameter: name", "required");
      if (!isValidObjectName(name)) throw new HttpError(400, `Invalid object name: ${JSON.stringify(name)}`);
      checkPreconditions(bucket.objects.get(name), q, "write");
      const id = randomUUID().replace(/-/g, "");
      const preconditions = new URLSearchParams();
      for (const [k, v] of q) if (/^if(Generation|Metageneration)(Not)?Match$/.test(k)) preconditions.set(k, v);
      state.uploads.set(id, {
        id,
        bucket: bucket.name,
        name,
        resource,
        contentType: headerValue(req, "x-upload-content-type"),
        preconditions,
        chunks: [],
        received: 0,
      });
      const location =
        `${originOf(req)}/upload/storage/v1/b/${encodeURIComponent(bucket.name)}/o` +
        `?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      send(res, 200, null, { Location: location, "X-GUploader-UploadID": id });
      return;
    }

    throw new HttpError(400, `Unsupported uploadType: ${uploadType}`);
  };

  const handleSessionRequest = async (req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> => {
    const method = req.method ?? "GET";
    const session = state.uploads.get(id);
    const body = await readBody(req);
    if (!session) throw new HttpError(404, "No such upload session.");
    if (method === "DELETE") {
      state.uploads.delete(id);
      send(res, 499, null);
      return;
    }
    if (method !== "PUT" && method !== "POST") throw new HttpError(405, `Method ${method} not allowed on an upload session.`);
    if (session.result) {
      sendJson(res, 200, objectJson(req, session.result));
      return;
    }

    const rangeHeader = headerValue(req, "content-range");
    // start/end (inclusive) of this request's bytes; total: known object size; final: last request
    let start = session.received;
    let final = false;
    let total: number | undefined;
    let statusQuery = false;
    if (rangeHeader === undefined) {
      final = true; // whole object in one request
    } else {
      const m = /^bytes\s+(?:(\d+)-(-?\d+|\*)|\*)\/(\d+|\*)\s*$/.exec(rangeHeader.trim());
      if (!m) throw new HttpError(400, `Invalid Content-Range: ${rangeHeader}`);
      if (m[3] !== "*") total = Number(m[3]);
      if (m[1] === undefined) {
        // "bytes */*" (status query) or "bytes */TOTAL" (finalize without data)
        if (total === undefined) statusQuery = true;
        else final = true;
      } else {
        start = Number(m[1]);
        if (m[2] === "*") final = true; // "bytes N-*/…": the request body runs to the end of the object
        else {
          const end = Number(m[2]);
          if (end >= start && end - start + 1 !== body.length) {
            throw new HttpError(400, `Content-Range ${rangeHeader} does not match a body of ${body.length} bytes.`);
          }
        }
      }
    }

    if (!statusQuery && body.length > 0) {
      if (start > session.received) {
        throw new HttpError(400, `Chunk starts at ${start} but only ${session.received} bytes were persisted.`);
      }
      const skip = session.received - start; // re-sent bytes we already have
      if (skip < body.length) {
        const chunk = body.subarray(skip);
        session.chunks.push(chunk);
        session.received += chunk.length;
      }
    }
    if (total !== undefined) {
      if (session.received > total) throw new HttpError(400, `Received ${session.received} bytes, more than the declared ${total}.`);
      if (session.received === total) final = true;
      else if (final) {
        // declared total not reached yet: incomplete
        final = false;
      }
    }

    if (!final) {
      const headers: Record<string, string> = {};
      if (session.received > 0) headers.Range = `bytes=0-${session.received - 1}`;
      send(res, 308, null, headers);
      return;
    }

    const bucket = state.bucket(session.bucket);
    const data = session.chunks.length === 1 ? session.chunks[0] : Buffer.concat(session.chunks, session.received);
    const obj = commitObject(
      bucket,
      session.name,
      data,
      session.resource,
      session.preconditions,
      session.contentType,
      headerValue(req, "x-goog-hash"),
    );
    session.result = obj;
    session.chunks = [];
    sendJson(res, 200, objectJson(req, obj));
  };

  // ---------------- JSON API

  const handleJson = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    segs: string[],
    q: URLSearchParams,
  ): Promise<void> => {
    const method = req.method ?? "GET";
    if (segs[0] !== "b") throw new HttpError(404, "Not Found");

    // /b
    if (segs.length === 1) {
      if (method === "GET") {
        const items = [...state.buckets.values()]
          .sort((a, b) => compareNames(a.name, b.name))
          .filter((b) => !q.get("prefix") || b.name.startsWith(q.get("prefix")!))
          .map((b) => bucketJson(req, b));
        sendJson(res, 200, items.length ? { kind: "storage#buckets", items } : { kind: "storage#buckets" });
        return;
      }
      if (method === "POST") {
        const resource = parseJsonBody(await readBody(req));
        const name = typeof resource.name === "string" ? resource.name : q.get("name") ?? "";
        if (!isValidBucketName(name)) throw new HttpError(400, `Invalid bucket name: '${name}'`);
        if (state.buckets.has(name)) {
          throw new HttpError(409, "Your previous request to create the named bucket succeeded and you already own it.");
        }
        const now = new Date().toISOString();
        const b: StoredBucket = {
          name,
          timeCreated: now,
          updated: now,
          metageneration: 1,
          location: typeof resource.location === "string" ? resource.location.toUpperCase() : "US",
          storageClass: typeof resource.storageClass === "string" ? resource.storageClass : "STANDARD",
          objects: new Map(),
          sorted: [],
        };
        if (resource.labels && typeof resource.labels === "object") b.labels = resource.labels as Record<string, string>;
        if (resource.versioning && typeof resource.versioning === "object") {
          b.versioning = { enabled: Boolean((resource.versioning as { enabled?: unknown }).enabled) };
        }
        state.buckets.set(name, b);
        sendJson(res, 200, bucketJson(req, b));
        return;
      }
      throw new HttpError(405, `Method ${method} not allowed.`);
    }

    const bucket = state.bucket(segs[1]);

    // /b/{bucket}
    if (segs.length === 2) {
      if (method === "GET") {
        sendJson(res, 200, bucketJson(req, bucket));
        return;
      }
      if (method === "DELETE") {
        if (bucket.objects.size > 0) throw new HttpError(409, "The bucket you tried to delete is not empty.");
        state.buckets.delete(bucket.name);
        send(res, 204, null);
        return;
      }
      if (method === "PATCH" || method === "PUT") {
        const resource = parseJsonBody(await readBody(req));
        if ("labels" in resource) {
          const merged: Record<string, string> = method === "PATCH" ? { ...(bucket.labels ?? {}) } : {};
          for (const [k, v] of Object.entries((resource.labels as Record<string, unknown>) ?? {})) {
            if (v === null) delete merged[k];
            else merged[k] = String(v);
          }
          bucket.labels = Object.keys(merged).length ? merged : undefined;
        }
        if (resource.versioning && typeof resource.versioning === "object") {
          bucket.versioning = { enabled: Boolean((resource.versioning as { enabled?: unknown }).enabled) };
        }
        if (typeof resource.storageClass === "string") bucket.storageClass = resource.storageClass;
        bucket.metageneration++;
        bucket.updated = new Date().toISOString();
        sendJson(res, 200, bucketJson(req, bucket));
        return;
      }
      throw new HttpError(405, `Method ${method} not allowed.`);
    }

    if (segs[2] !== "o") throw new HttpError(404, "Not Found");

    // /b/{bucket}/o
    if (segs.length === 3) {
      if (method === "GET") {
        listObjects(req, res, bucket, q);
        return;
      }
      throw new HttpError(405, `Method ${method} not allowed (uploads go to /upload/storage/v1).`);
    }

    const rest = segs.slice(3);
    const n = rest.length;

    // /b/{b}/o/{src}/rewriteTo/b/{db}/o/{dst} and copyTo
    if (n >= 6 && (rest[n - 5] === "rewriteTo" || rest[n - 5] === "copyTo") && rest[n - 4] === "b" && rest[n - 2] === "o") {
      if (method !== "POST") throw new HttpError(405, `Method ${method} not allowed.`);
      const srcName = rest.slice(0, n - 5).join("/");
      const dstBucket = state.bucket(rest[n - 3]);
      const dstName = rest[n - 1];
      const resource = parseJsonBody(await readBody(req));
      const src = state.object(bucket, srcName, q.get("sourceGeneration"));
      checkPreconditions(src, q, "write", "ifSource");
      const copied = resourceOf(src);
      for (const [k, v] of Object.entries(resource)) {
        if (k === "metadata" && v && typeof v === "object") copied.metadata = { ...(copied.metadata as object), ...v };
        else copied[k] = v;
      }
      delete copied.crc32c;
      delete copied.md5Hash;
      const obj = commitObject(dstBucket, dstName, src.data, copied, q);
      if (rest[n - 5] === "copyTo") {
        sendJson(res, 200, objectJson(req, obj));
      } else {
        sendJson(res, 200, {
          kind: "storage#rewriteResponse",
          totalBytesRewritten: String(obj.data.length),
          objectSize: String(obj.data.length),
          done: true,
          resource: objectJson(req, obj),
        });
      }
      return;
    }

    // /b/{b}/o/{src}/moveTo/o/{dst}
    if (n >= 4 && rest[n - 3] === "moveTo" && rest[n - 2] === "o") {
      if (method !== "POST") throw new HttpError(405, `Method ${method} not allowed.`);
      await readBody(req);
      const srcName = rest.slice(0, n - 3).join("/");
      const dstName = rest[n - 1];
      const src = state.object(bucket, srcName);
      checkPreconditions(src, q, "write", "ifSource");
      const obj = commitObject(bucket, dstName, src.data, resourceOf(src), q);
      state.remove(bucket, srcName);
      sendJson(res, 200, objectJson(req, obj));
      return;
    }

    // /b/{b}/o/{dst}/compose
    if (n >= 2 && rest[n - 1] === "compose") {
      if (method !== "POST") throw new HttpError(405, `Method ${method} not allowed.`);
      const dstName = rest.slice(0, n - 1).join("/");
      const body = parseJsonBody(await readBody(req));
      const sources = Array.isArray(body.sourceObjects) ? (body.sourceObjects as Record<string, unknown>[]) : [];
      if (sources.length === 0 || sources.length > 32) {
        throw new HttpError(400, "compose needs between 1 and 32 source objects.");
      }
      const datas: Buffer[] = [];
      let first: StoredObject | undefined;
      for (const s of sources) {
        const name = typeof s.name === "string" ? s.name : "";
        const gen = s.generation !== undefined ? String(s.generation) : null;
        const o = state.object(bucket, name, gen);
        const pre = s.objectPreconditions as { ifGenerationMatch?: unknown } | undefined;
        if (pre?.ifGenerationMatch !== undefined && String(o.generation) !== String(pre.ifGenerationMatch)) {
          throw new HttpError(412, "At least one of the pre-conditions you specified did not hold.");
        }
        first ??= o;
        datas.push(o.data);
      }
      const destination = (body.destination as Record<string, unknown> | undefined) ?? {};
      const resource: Record<string, unknown> = { contentType: first?.contentType, ...destination };
      const obj = commitObject(bucket, dstName, Buffer.concat(datas), resource, q);
      sendJson(res, 200, objectJson(req, obj));
      return;
    }

    // /b/{b}/o/{name}  (a name whose slashes were not encoded is re-joined)
    const name = rest.join("/");
    if (method === "GET") {
      const o = state.object(bucket, name, q.get("generation"));
      checkPreconditions(o, q, "read");
      if (q.get("alt") === "media") sendMedia(req, res, o);
      else sendJson(res, 200, objectJson(req, o));
      return;
    }
    if (method === "DELETE") {
      const o = state.object(bucket, name, q.get("generation"));
      checkPreconditions(o, q, "write");
      state.remove(bucket, name);
      send(res, 204, null);
      return;
    }
    if (method === "PATCH" || method === "PUT") {
      const resource = parseJsonBody(await readBody(req));
      const o = state.object(bucket, name, q.get("generation"));
      checkPreconditions(o, q, "write");
      if (method === "PUT") {
        // full replacement of the writable metadata
        for (const f of WRITABLE_FIELDS) if (f !== "storageClass" && f !== "contentType") delete o[f];
        delete o.metadata;
      }
      applyResource(o, resource);
      if (!o.contentType) o.contentType = "application/octet-stream";
      o.metageneration++;
      o.updated = new Date().toISOString();
      sendJson(res, 200, objectJson(req, o));
      return;
    }
    throw new HttpError(405, `Method ${method} not allowed.`);
  };

  // ---------------- XML-style /{bucket}/{object} (signed URLs, public URLs)

  const verifySignedUrl = (req: http.IncomingMessage, rawPath: string, q: URLSearchParams): void => {
    const date = q.get("X-Goog-Date");
    const expires = q.get("X-Goog-Expires");
    if (date && expires) {
      const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
      if (!m) throw new HttpError(400, "Invalid X-Goog-Date.");
      const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      const now = Date.now();
      if (now > t + Number(expires) * 1000) throw new HttpError(400, "Request has expired.", "ExpiredToken");
      if (now + 60_000 < t) throw new HttpError(400, "Request is not yet valid.", "InvalidArgument");
    }
    if (signedUrlKeys.size === 0) return;
    const signature = q.get("X-Goog-Signature");
    const credential = q.get("X-Goog-Credential");
    const signedHeaders = q.get("X-Goog-SignedHeaders");
    if (!signature || !credential || !signedHeaders || !date) {
      throw new HttpError(403, "Anonymous caller does not have storage.objects.get access.", "AccessDenied");
    }
    if (q.get("X-Goog-Algorithm") !== "GOOG4-RSA-SHA256") {
      throw new HttpError(400, "Unsupported X-Goog-Algorithm.", "InvalidArgument");
    }
    const slash = credential.indexOf("/");
    const email = credential.slice(0, slash);
    const scope = credential.slice(slash + 1);
    const key = signedUrlKeys.get(email);
    if (!key) throw new HttpError(403, `Unknown service account: ${email}`, "AccessDenied");

    const canonicalQuery = [...q.entries()]
      .filter(([k]) => k !== "X-Goog-Signature")
      .map(([k, v]) => [fixedEncode(k), fixedEncode(v)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const names = signedHeaders.split(";");
    const hostHeader = headerValue(req, "host") ?? "";
    const hostNoPort = hostHeader.replace(/:\d+$/, "");
    const payload = names.includes("x-goog-content-sha256")
      ? (headerValue(req, "x-goog-content-sha256") ?? "UNSIGNED-PAYLOAD")
      : "UNSIGNED-PAYLOAD";
    const sigBuf = Buffer.from(signature, "hex");
    const paths = [rawPath, rawPath.split("/").map((s) => fixedEncode(decodeSegment(s))).join("/")];
    for (const host of [hostNoPort, hostHeader]) {
      const canonicalHeaders = names
        .map((h) => {
          const v = h === "host" ? host : (headerValue(req, h) ?? "");
          return `${h}:${v.trim().replace(/\s{2,}/g, " ")}\n`;
        })
        .join("");
      for (const p of paths) {
        const canonicalRequest = [req.method, p, canonicalQuery, canonicalHeaders, signedHeaders, payload].join("\n");
        const stringToSign = [
          "GOOG4-RSA-SHA256",
          date,
          scope,
          createHash("sha256").update(canonicalRequest).digest("hex"),
        ].join("\n");
        if (cryptoVerify("RSA-SHA256", Buffer.from(stringToSign), key, sigBuf)) return;
      }
    }
    throw new HttpError(
      403,
      "The request signature we calculated does not match the signature you provided.",
      "SignatureDoesNotMatch",
    );
  };

  const handleXml = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawPath: string,
    q: URLSearchParams,
  ): Promise<void> => {
    const segs = rawPath.split("/").slice(1);
    const bucketName = decodeSegment(segs[0] ?? "");
    if (!bucketName || segs.length < 2 || segs.slice(1).join("/") === "") {
      throw new HttpError(404, "Not Found", "NoSuchKey");
    }
    const name = segs.slice(1).map(decodeSegment).join("/");
    verifySignedUrl(req, rawPath, q);
    const bucket = state.buckets.get(bucketName);
    if (!bucket) throw new HttpError(404, "The specified bucket does not exist.", "NoSuchBucket");
    const method = req.method ?? "GET";
    if (method === "GET" || method === "HEAD") {
      const o = bucket.objects.get(name);
      if (!o) throw new HttpError(404, "The specified key does not exist.", "NoSuchKey");
      sendMedia(req, res, o, method === "HEAD");
      return;
    }
    if (method === "PUT") {
      const body = await readBody(req);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k.startsWith("x-goog-meta-") && typeof v === "string") metadata[k.slice(12)] = v;
      }
      const resource: Record<string, unknown> = {};
      if (Object.keys(metadata).length) resource.metadata = metadata;
      for (const [h, f] of [
        ["content-encoding", "contentEncoding"],
        ["content-disposition", "contentDisposition"],
        ["content-language", "contentLanguage"],
        ["cache-control", "cacheControl"],
      ] as const) {
        const v = headerValue(req, h);
        if (v) resource[f] = v;
      }
      const pre = new URLSearchParams();
      const gm = headerValue(req, "x-goog-if-generation-match");
      if (gm !== undefined) pre.set("ifGenerationMatch", gm);
      const obj = commitObject(bucket, name, body, resource, pre, headerValue(req, "content-type"), headerValue(req, "x-goog-hash"));
      send(res, 200, null, {
        ETag: `"${Buffer.from(obj.md5Hash, "base64").toString("hex")}"`,
        "x-goog-generation": String(obj.generation),
        "x-goog-metageneration": String(obj.metageneration),
        "x-goog-hash": `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
      });
      return;
    }
    if (method === "DELETE") {
      await readBody(req);
      if (!bucket.objects.has(name)) throw new HttpError(404, "The specified key does not exist.", "NoSuchKey");
      state.remove(bucket, name);
      send(res, 204, null);
      return;
    }
    throw new HttpError(405, `Method ${method} not allowed.`, "MethodNotAllowed");
  };

  // ---------------- dispatch

  /** `ctx.xml` tells the error path which error format the route speaks. */
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, ctx: { xml: boolean }): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const rawPath = url.pathname;
    const q = url.searchParams;
    const split = (p: string): string[] => (p === "" || p === "/" ? [] : p.replace(/^\//, "").split("/").map(decodeSegment));

    let m: RegExpExecArray | null;
    if ((m = /^\/upload(?:\/storage\/v1)?(\/.*)$/.exec(rawPath)) && m[1].startsWith("/b/")) {
      await handleUpload(req, res, split(m[1]), q);
      return;
    }
    if ((m = /^\/download(?:\/storage\/v1)?(\/b\/.*)$/.exec(rawPath))) {
      q.set("alt", "media");
      await handleJson(req, res, split(m[1]), q);
      return;
    }
    if ((m = /^\/storage\/v1(\/.*)?$/.exec(rawPath))) {
      await handleJson(req, res, split(m[1] ?? ""), q);
      return;
    }
    if (rawPath === "/b" || rawPath.startsWith("/b/")) {
      await handleJson(req, res, split(rawPath), q);
      return;
    }
    // XML-style /{bucket}/{object}: only for existing buckets or signed requests; anything else is
    // an unknown route and gets the JSON 404.
    const first = rawPath.split("/")[1] ?? "";
    const signed = q.has("X-Goog-Signature") || q.has("X-Goog-Algorithm");
    let firstDecoded = "";
    try {
      firstDecoded = decodeURIComponent(first);
    } catch {
      // not a bucket name
    }
    if (!signed && !state.buckets.has(firstDecoded)) throw new HttpError(404, "Not Found");
    ctx.xml = true;
    await handleXml(req, res, rawPath, q);
  };

  const server = http.createServer((req, res) => {
    const t0 = Date.now();
    options.onRequest?.({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers });
    const ctx = { xml: false };
    handle(req, res, ctx)
      .catch((e: unknown) => {
        const err =
          e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e), "backendError");
        if (err.status === 500 && debug) console.error("[gcs-emulator] internal error", e);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // drain any unread request body so keep-alive connections stay usable
        req.resume();
        if (ctx.xml) sendXmlError(res, err, err.reason);
        else sendJsonError(res, err);
      })
      .finally(() => {
        if (debug) {
          console.error(`[gcs-emulator] ${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - t0} ms)`);
        }
      });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    endpoint,
    port,
    host,
    reset() {
      state.buckets.clear();
      state.uploads.clear();
    },
    stop() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI: tsx scripts/emulators/gcs-server.ts --port 4443 [--host 127.0.0.1]

function isMain(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return path.resolve(argv1) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    if (i >= 0) return args[i + 1];
    const eq = args.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const portArg = arg("port");
  const port = portArg === undefined ? 4443 : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port: ${portArg}`);
    process.exit(2);
  }
  startGcsEmulator({ port, host: arg("host") ?? "127.0.0.1" }).then(
    (emu) => {
      console.log(emu.endpoint);
      const shutdown = (): void => {
        emu.stop().finally(() => process.exit(0));
      };
      process.on("SIGINT", shutdown);
      process.on("SIGTERM", shutdown);
    },
    (err: unknown) => {
      console.error(`gcs emulator failed to start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
