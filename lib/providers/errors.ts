/**
 * One error type for every storage backend, and one mapper per SDK. Providers call their mapper once,
 * at the boundary, so callers only ever see `StorageError` (plus `InvalidCursorError` /
 * `InvalidPathError` for caller mistakes).
 *
 * Messages are built here from a short description of the operation plus the first line of the SDK's
 * message, passed through `redact()` with the provider's own secrets and generic credential patterns
 * (signatures, SAS `sig=`, bearer tokens, PEM keys). The SDK error is deliberately NOT kept as `cause`:
 * SDK errors carry requests, headers and sometimes signing material, and loggers serialise causes.
 */

export type StorageErrorCode =
  | "auth_failed"
  | "permission_denied"
  | "bucket_not_found"
  | "not_found"
  | "network_error"
  | "timeout"
  | "throttled"
  | "endpoint_not_allowed"
  | "unknown";

const RETRYABLE_BY_DEFAULT: ReadonlySet<StorageErrorCode> = new Set(["network_error", "timeout", "throttled"]);

export class StorageError extends Error {
  override readonly name = "StorageError";
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  /** HTTP status from the backend, when there was a response. */
  readonly status?: number;
  /** The backend's own error code (e.g. "NoSuchBucket", "AuthenticationFailed", "ECONNREFUSED"). */
  readonly providerCode?: string;

  constructor(
    code: StorageErrorCode,
    message: string,
    opts: { retryable?: boolean; status?: number; providerCode?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.providerCode !== undefined) this.providerCode = opts.providerCode;
  }
}

/** A list cursor that is malformed or belongs to another prefix / delimiter. */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  readonly code = "invalid_cursor" as const;
}

/** An object path the provider refuses (empty, `..` escapes, absolute, NUL …). */
export class InvalidPathError extends Error {
  override readonly name = "InvalidPathError";
  readonly code = "invalid_path" as const;
}

export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

// ---------------------------------------------------------------------------------------------------
// Context, redaction, shared classification

/** What the provider was doing; used for the message and for 404 disambiguation. */
export interface ErrorContext {
  /** "list", "stat", "read", "write", "remove", "check" … */
  op: string;
  /** Object path or prefix, when there is one. */
  path?: string;
  /** Bucket / container name. */
  bucket?: string;
  /** Values that must never appear in a message (keys, secrets, tokens). */
  secrets?: ReadonlyArray<string | undefined>;
}

const GENERIC_SECRET_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /([?&;\s]sig=)[^&\s"']+/gi,
  /(X-Amz-Signature=|X-Amz-Credential=|X-Amz-Security-Token=|X-Goog-Signature=|X-Goog-Credential=)[^&\s"']+/gi,
  /(Signature=)[0-9a-f]{16,}/gi,
  /(AccountKey=)[^;\s"']+/gi,
  /(SharedKey(?:Lite)? [^:\s]+:)[^\s"',]+/gi,
  /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /(client_secret=)[^&\s"']+/gi,
  /("?(?:secret_?access_?key|client_?secret|private_?key|account_?key|sas_?token|session_?token)"?\s*[:=]\s*"?)[^"',\s}]+/gi,
];

/** Removes every given secret (and, for base64 / URL-encoded variants, those too) plus generic credential patterns. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  const variants = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    variants.add(s);
    variants.add(encodeURIComponent(s));
    // PEM keys: also each long line of the body, in case a fragment is quoted.
    if (s.includes("-----BEGIN")) {
      for (const line of s.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith("-----")) variants.add(line);
    }
  }
  for (const v of [...variants].sort((a, b) => b.length - a.length)) out = out.split(v).join("[REDACTED]");
  for (const re of GENERIC_SECRET_PATTERNS) {
    out = out.replace(re, (_m, keep?: string) => `${typeof keep === "string" && !keep.startsWith("-----") ? keep : ""}[REDACTED]`);
  }
  return out;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "ECONNABORTED",
  "EADDRNOTAVAIL",
  "EPROTO",
  "ERR_SOCKET_CLOSED",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "REQUEST_SEND_ERROR",
]);
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_NOT_YET_VALID",
]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

type Bag = Record<string, unknown>;
const asBag = (v: unknown): Bag | undefined => (v && typeof v === "object" ? (v as Bag) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Walks err, err.cause and AggregateError.errors (a few levels) and collects string codes and names. */
function collectCodes(err: unknown, depth = 0, acc: string[] = []): string[] {
  const e = asBag(err);
  if (!e || depth > 4) return acc;
  for (const k of ["code", "errno", "name"]) {
    const v = e[k];
    if (typeof v === "string") acc.push(v);
  }
  if (e.cause) collectCodes(e.cause, depth + 1, acc);
  if (Array.isArray(e.errors)) for (const inner of e.errors.slice(0, 4)) collectCodes(inner, depth + 1, acc);
  return acc;
}

/** Classifies transport-level failures (no HTTP response): network, TLS, timeout, abort. */
function transportFailure(err: unknown): { code: "network_error" | "timeout"; providerCode: string; retryable: boolean } | null {
  const codes = collectCodes(err);
  const message = messageOf(err);
  for (const c of codes) {
    if (TIMEOUT_CODES.has(c) || c === "TimeoutError" || c === "AbortError" || c === "RequestTimeout")
      return { code: "timeout", providerCode: c, retryable: true };
  }
  for (const c of codes) {
    if (NETWORK_CODES.has(c)) return { code: "network_error", providerCode: c, retryable: true };
    if (TLS_CODES.has(c) || c.startsWith("ERR_TLS_") || c.startsWith("ERR_SSL_"))
      return { code: "network_error", providerCode: c, retryable: false };
  }
  // Some wrappers only keep the errno in the message ("connect ECONNREFUSED 127.0.0.1:9").
  const m = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|ETIMEDOUT|ESOCKETTIMEDOUT)\b/.exec(message);
  if (m) {
    const c = m[1]!;
    return TIMEOUT_CODES.has(c)
      ? { code: "timeout", providerCode: c, retryable: true }
      : { code: "network_error", providerCode: c, retryable: true };
  }
  if (/self[- ]signed certificate|unable to verify the first certificate|certificate has expired/i.test(message))
    return { code: "network_error", providerCode: "TLS", retryable: false };
  if (/\btimed? ?out\b|timeout/i.test(message) && !asBag(err)?.["$metadata"])
    return { code: "timeout", providerCode: "TIMEOUT", retryable: true };
  return null;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message ?? "";
  const e = asBag(err);
  return str(e?.message) ?? (typeof err === "string" ? err : "");
}

function firstLine(text: string, max = 300): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

const DESCRIPTIONS: Record<StorageErrorCode, string> = {
  auth_failed: "authentication failed (check the credentials)",
  permission_denied: "permission denied",
  bucket_not_found: "bucket or container not found",
  not_found: "object not found",
  network_error: "could not reach the storage endpoint",
  timeout: "the storage endpoint timed out",
  throttled: "the storage service is throttling requests",
  endpoint_not_allowed: "endpoint not allowed",
  unknown: "storage request failed",
};

function build(
  provider: string,
  code: StorageErrorCode,
  err: unknown,
  ctx: ErrorContext,
  extra: { status?: number; providerCode?: string; retryable?: boolean; detail?: string },
): StorageError {
  const where = [ctx.bucket ? `${provider === "Azure" ? "container" : "bucket"} "${ctx.bucket}"` : undefined, ctx.path !== undefined ? `"${ctx.path}"` : undefined]
    .filter(Boolean)
    .join(" ");
  const detailRaw = extra.detail ?? firstLine(messageOf(err));
  const tags = [extra.providerCode, extra.status !== undefined ? `HTTP ${extra.status}` : undefined].filter(Boolean).join(", ");
  let message = `${provider} ${ctx.op}${where ? ` ${where}` : ""}: ${DESCRIPTIONS[code]}`;
  if (tags) message += ` (${tags})`;
  if (detailRaw && detailRaw !== extra.providerCode) message += `: ${detailRaw}`;
  return new StorageError(code, redact(message, ctx.secrets), {
    retryable: extra.retryable,
    status: extra.status,
    providerCode: extra.providerCode ? redact(extra.providerCode, ctx.secrets) : undefined,
  });
}

function statusCodeFamily(status: number | undefined): StorageErrorCode | null {
  if (status === undefined) return null;
  if (status === 401) return "auth_failed";
  if (status === 403) return "permission_denied";
  if (status === 404) return "not_found";
  if (status === 408) return "timeout";
  if (status === 429) return "throttled";
  return null;
}

const isListLike = (op: string) => op === "list" || op === "check";

// ---------------------------------------------------------------------------------------------------
// S3 (@aws-sdk/client-s3 ServiceException / smithy transport errors)

const S3_CODES: Record<string, StorageErrorCode> = {
  SignatureDoesNotMatch: "auth_failed",
  InvalidAccessKeyId: "auth_failed",
  InvalidToken: "auth_failed",
  ExpiredToken: "auth_failed",
  TokenRefreshRequired: "auth_failed",
  InvalidSecurity: "auth_failed",
  AuthorizationHeaderMalformed: "auth_failed",
  MissingSecurityHeader: "auth_failed",
  CredentialsProviderError: "auth_failed",
  AccessDenied: "permission_denied",
  AllAccessDisabled: "permission_denied",
  AccountProblem: "permission_denied",
  NoSuchBucket: "bucket_not_found",
  NoSuchKey: "not_found",
  NotFound: "not_found",
  NoSuchVersion: "not_found",
  SlowDown: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  TooManyRequests: "throttled",
  RequestLimitExceeded: "throttled",
  ServiceUnavailable: "throttled",
  RequestTimeout: "timeout",
  RequestTimeTooSkewed: "auth_failed",
};

export function mapS3Error(err: unknown, ctx: ErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const e = asBag(err) ?? {};
  const status = asBag(e.$metadata)?.httpStatusCode as number | undefined;
  const providerCode = str(e.Code) ?? str(e.name);
  if (status !== undefined && status > 0) {
    let code: StorageErrorCode | null = (providerCode && S3_CODES[providerCode]) || null;
    if (!code) {
      if (status === 403) code = "permission_denied"; // HEAD responses carry no error code
      else if (status === 404) code = isListLike(ctx.op) ? "bucket_not_found" : "not_found";
      else if (status === 503) code = "throttled";
      else code = statusCodeFamily(status);
    }
    if (code) return build("S3", code, err, ctx, { status, providerCode, detail: s3Detail(e, providerCode) });
    return build("S3", "unknown", err, ctx, { status, providerCode, retryable: status >= 500, detail: s3Detail(e, providerCode) });
  }
  if (providerCode === "CredentialsProviderError")
    return build("S3", "auth_failed", err, ctx, { providerCode });
  const t = transportFailure(err);
  if (t) return build("S3", t.code, err, ctx, t);
  return build("S3", "unknown", err, ctx, { providerCode });
}

function s3Detail(e: Bag, providerCode: string | undefined): string | undefined {
  const msg = firstLine(str(e.message) ?? "");
  // HEAD errors have no body: the SDK's message is then just the status name ("UnknownError", "NotFound").
  if (!msg || msg === providerCode || msg === "UnknownError") return "";
  return msg;
}

// ---------------------------------------------------------------------------------------------------
// GCS (@google-cloud/storage ApiError, gaxios / node-fetch transport errors)

export function mapGcsError(err: unknown, ctx: ErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const e = asBag(err) ?? {};
  const response = asBag(e.response);
  let status: number | undefined =
    typeof e.code === "number" ? e.code : typeof e.status === "number" ? e.status : (response?.status as number | undefined);
  if (status !== undefined && (status < 100 || status > 599)) status = undefined;
  // createReadStream replaces an error's message with the raw JSON error body.
  let message = messageOf(err);
  if (message.startsWith("{")) {
    try {
      const parsed = asBag(asBag(JSON.parse(message))?.error);
      if (typeof parsed?.message === "string") message = parsed.message;
    } catch {
      /* not JSON */
    }
  }
  const reasons = Array.isArray(e.errors) ? e.errors.map((x) => str(asBag(x)?.reason)).filter((x): x is string => !!x) : [];
  if (status !== undefined) {
    let code: StorageErrorCode;
    if (status === 401) code = "auth_failed";
    else if (status === 403) code = "permission_denied";
    else if (status === 404) {
      const bucketMissing = /bucket does not exist|NoSuchBucket|bucket.*not found/i.test(message) || reasons.includes("NoSuchBucket");
      const objectMissing = /No such object|NoSuchKey/i.test(message);
      code = bucketMissing || (!objectMissing && isListLike(ctx.op)) ? "bucket_not_found" : "not_found";
    } else if (status === 408) code = "timeout";
    else if (status === 429) code = "throttled";
    else if (status >= 500) code = status === 503 ? "throttled" : "unknown";
    else code = "unknown";
    return build("GCS", code, err, ctx, {
      status,
      detail: firstLine(message),
      providerCode: reasons[0],
      retryable: status === 429 || status === 408 || status >= 500,
    });
  }
  // google-auth-library: token fetch failures (invalid_grant etc.), missing credentials.
  const codes = collectCodes(err);
  if (/invalid_grant|invalid_client|unauthorized_client|Could not load the default credentials|Could not refresh access token|private key/i.test(message))
    return build("GCS", "auth_failed", err, ctx, { providerCode: codes.find((c) => c !== "Error") });
  const t = transportFailure(err);
  if (t) return build("GCS", t.code, err, ctx, t);
  return build("GCS", "unknown", err, ctx, { providerCode: codes.find((c) => c !== "Error") });
}

// ---------------------------------------------------------------------------------------------------
// Azure (@azure/storage-blob RestError, @azure/identity credential errors, AbortError)

const AZURE_CODES: Record<string, StorageErrorCode> = {
  AuthenticationFailed: "auth_failed",
  InvalidAuthenticationInfo: "auth_failed",
  NoAuthenticationInformation: "auth_failed",
  AuthorizationPermissionMismatch: "permission_denied",
  AuthorizationFailure: "permission_denied",
  AuthorizationSourceIPMismatch: "permission_denied",
  AuthorizationProtocolMismatch: "permission_denied",
  AuthorizationResourceTypeMismatch: "permission_denied",
  AuthorizationServiceMismatch: "permission_denied",
  InsufficientAccountPermissions: "permission_denied",
  KeyBasedAuthenticationNotPermitted: "permission_denied",
  AccountIsDisabled: "permission_denied",
  ContainerNotFound: "bucket_not_found",
  ContainerBeingDeleted: "bucket_not_found",
  ResourceNotFound: "not_found",
  BlobNotFound: "not_found",
  ServerBusy: "throttled",
  OperationTimedOut: "timeout",
};

const AZURE_AUTH_ERROR_NAMES = new Set([
  "AuthenticationError",
  "AuthenticationRequiredError",
  "CredentialUnavailableError",
  "AggregateAuthenticationError",
]);

export function mapAzureError(err: unknown, ctx: ErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const e = asBag(err) ?? {};
  const name = str(e.name);
  const status = typeof e.statusCode === "number" && e.statusCode > 0 ? e.statusCode : undefined;
  const details = asBag(e.details);
  const providerCode = str(details?.errorCode) ?? str(e.code);

  if (name && AZURE_AUTH_ERROR_NAMES.has(name)) {
    // A token endpoint that cannot be reached is a network problem, not bad credentials.
    const t = transportFailure(e.cause ?? {}) ?? transportFailure({ message: messageOf(err) });
    if (t && t.code === "network_error") return build("Azure", "network_error", err, ctx, { ...t, detail: firstLine(messageOf(err)) });
    const aad = /AADSTS\d+/.exec(messageOf(err))?.[0];
    return build("Azure", "auth_failed", err, ctx, { providerCode: aad ? `${name} ${aad}` : name, detail: azureAuthDetail(err) });
  }
  if (status !== undefined) {
    let code: StorageErrorCode | null = (providerCode && AZURE_CODES[providerCode]) || null;
    // A bad shared-key or SAS signature comes back as 403 AuthorizationFailure / AuthenticationFailed
    // with "Server failed to authenticate the request": that is a credential problem, not a missing grant.
    if (status === 403 && /failed to authenticate|signature/i.test(messageOf(err))) code = "auth_failed";
    if (!code) {
      if (status === 404) code = isListLike(ctx.op) ? "bucket_not_found" : "not_found";
      else if (status === 503) code = "throttled";
      else code = statusCodeFamily(status);
    }
    return build("Azure", code ?? "unknown", err, ctx, {
      status,
      providerCode,
      retryable: code ? undefined : status >= 500,
      detail: azureDetail(err, providerCode),
    });
  }
  const t = transportFailure(err);
  if (t) return build("Azure", t.code, err, ctx, t);
  return build("Azure", "unknown", err, ctx, { providerCode });
}

function azureDetail(err: unknown, providerCode: string | undefined): string {
  const line = firstLine(messageOf(err));
  // HEAD errors: the SDK message is empty or just the code.
  return line === providerCode || /^Unexpected status code: \d+$/.test(line) ? "" : line;
}

function azureAuthDetail(err: unknown): string {
  // Identity errors embed the whole token-endpoint response; keep the AADSTS sentence only.
  const msg = messageOf(err);
  if (msg.includes("endpoints_resolution_error"))
    return "the tenant's endpoints could not be resolved at the authority host (wrong tenant id, or an unreachable or untrusted authority host)";
  const aad = /AADSTS\d+:[^\r\n]*/.exec(msg)?.[0];
  return firstLine(aad ?? msg);
}

// ---------------------------------------------------------------------------------------------------
// Local filesystem (node:fs errors). The fs message (absolute server paths) is not repeated.

export function mapLocalError(err: unknown, ctx: ErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const code = str(asBag(err)?.code);
  let mapped: StorageErrorCode;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
    case "EISDIR":
      mapped = "not_found";
      break;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      mapped = "permission_denied";
      break;
    case "EMFILE":
    case "ENFILE":
    case "EBUSY":
    case "EAGAIN":
      return build("Local", "unknown", err, ctx, { providerCode: code, retryable: true, detail: "" });
    default:
      mapped = "unknown";
  }
  return build("Local", mapped, err, ctx, { providerCode: code, detail: code === "ENOSPC" ? "no space left on the device" : "" });
}
