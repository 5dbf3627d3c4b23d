import { createHash } from "node:crypto";
import { authenticateAndLimit } from "@/lib/auth/authenticate";
import { actorOf, type Principal } from "@/lib/auth/principal";
import { hasScope } from "@/lib/auth/scopes";
import { recordAudit } from "@/lib/audit/record-audit";
import { env } from "@/lib/config/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { parseJsonBody, parseMultipart, parseWith, readBodyCapped } from "./body";
import { ApiError, errorBody, toApiError } from "./errors";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, requestFingerprint } from "./idempotency";
import type { Operation } from "./operation";
import { rateLimitHeaders } from "./rate-limit";

export type HandlerContext<B, Q, P = undefined> = {
  /** What the route's `preload` returned (undefined without one): read before authentication, so check it. */
  preloaded: P;
  req: Request;
  principal: Principal;
  workspaceId: string;
  requestId: string;
  params: Record<string, string>;
  body: B;
  query: Q;
};

export type HandlerResult =
  | Response
  | { body: unknown; status?: number; headers?: Record<string, string>; nextCursor?: string | null };

type RouteContext = { params: Promise<Record<string, string | string[]>> };

type InferOr<T, D> = T extends { parse(x: unknown): infer R } ? R : D;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The one wrapper every /api/v2 route handler goes through: request id, authentication, scope,
 * rate limit, body/query parsing (strict), idempotency, error envelope, audit of mutations.
 */
export function handle<O extends Operation, P = undefined>(
  op: O,
  fn: (ctx: HandlerContext<InferOr<O["body"], undefined>, InferOr<O["query"], undefined>, P>) => Promise<HandlerResult>,
  options: {
    /**
     * A read the operation needs whoever asks (e.g. the connector row a browse lists), started from the
     * path parameters at the same time as the authentication statement instead of after it. It runs for
     * unauthenticated requests too: a read without side effects, whose result the operation must check
     * against the principal (its workspace). Its errors surface only if the request gets that far.
     */
    preload?: (params: Record<string, string>) => Promise<P>;
  } = {},
) {
  return async function routeHandler(req: Request, routeCtx?: RouteContext): Promise<Response> {
    const requestId = newId("req");
    const started = Date.now();
    const baseHeaders: Record<string, string> = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
    let idemScope: { workspaceId: string; credentialId: string; key: string } | null = null;
    const paramsReady = (async () => {
      const rawParams = (await routeCtx?.params) ?? {};
      return Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v])) as Record<string, string>;
    })();
    paramsReady.catch(() => {}); // awaited below
    const preloading = options.preload ? paramsReady.then(options.preload) : undefined;
    preloading?.catch(() => {}); // awaited below once authenticated; never an unhandled rejection
    try {
      // Costly actions spend both budgets; the headers show the tighter one. An API key is checked and
      // counted in one statement; a request it does not allow (scope, limit) has still been counted.
      const { principal, limits } = await authenticateAndLimit(req.headers, op.rateClass === "costly" ? ["default", "costly"] : ["default"]);
      if (op.auth === "session" && principal.kind !== "session") {
        throw new ApiError("authorization_insufficient_scope", "This endpoint needs a signed-in user session, not an API key.");
      }
      if (op.scope !== "none" && !hasScope(principal.scopes, op.scope)) {
        throw new ApiError("authorization_insufficient_scope", `This endpoint needs the '${op.scope}' scope.`, { required_scope: op.scope });
      }

      const [general, costly] = limits;
      const shown = !general.allowed || !costly ? general : costly;
      Object.assign(baseHeaders, rateLimitHeaders(shown));
      if (!shown.allowed) throw new ApiError("rate_limited", "Too many requests; retry after the time in Retry-After.");

      const params = await paramsReady;
      const url = new URL(req.url);
      const query = op.query ? parseWith(op.query, Object.fromEntries(url.searchParams), "query") : undefined;

      let body: unknown = undefined;
      let fingerprintBody: string | Buffer = "";
      if (MUTATING.has(req.method)) {
        const raw = await readBodyCapped(req, env().GANTRY_MAX_BODY_BYTES);
        const contentType = req.headers.get("content-type");
        const multipart = op.bodyKind === "multipart" || (op.bodyKind === "auto" && /^multipart\//i.test(contentType ?? ""));
        if (multipart) {
          const mp = await parseMultipart(raw, contentType);
          fingerprintBody = mp.fingerprint;
          body = op.bodyKind === "auto" ? mp.fields : op.body ? parseWith(op.body, mp.fields) : undefined;
        } else {
          const parsed = parseJsonBody(raw, contentType);
          fingerprintBody = raw.length ? createHash("sha256").update(JSON.stringify(parsed)).digest("hex") : "";
          body = op.bodyKind === "auto" ? parsed : op.body ? parseWith(op.body, parsed) : undefined;
        }

        const idemKey = req.headers.get("idempotency-key");
        if (idemKey !== null) {
          if (idemKey.length === 0 || idemKey.length > 255) {
            throw ApiError.validation([{ field: "Idempotency-Key", message: "must be 1–255 characters" }]);
          }
          const scope = { workspaceId: principal.workspaceId, credentialId: principal.credentialId, key: idemKey };
          const replay = await claimIdempotencyKey(scope, requestFingerprint(req.method, url.pathname, fingerprintBody));
          if (replay) {
            return new Response(replay.body || null, {
              status: replay.status,
              headers: { ...replay.headers, ...baseHeaders, "Idempotent-Replayed": "true" },
            });
          }
          idemScope = scope;
        }
      }

      const result = await fn({
        preloaded: (await preloading) as P,
        req,
        principal,
        workspaceId: principal.workspaceId,
        requestId,
        params,
        body: body as never,
        query: query as never,
      });
      const response = toResponse(result, op, url, baseHeaders);

      const mutates = op.scope === "write" || op.scope === "admin" || op.auth === "session";
      if (MUTATING.has(req.method) && mutates && response.status < 400) {
        await recordAudit({
          workspaceId: principal.workspaceId,
          ...actorOf(principal),
          action: op.id,
          targetType: op.auditTarget ?? op.tag,
          targetId: Object.values(params)[0] ?? createdId(result),
          requestId,
        }).catch((err) => logger.error("audit write failed", { requestId, err: String(err) }));
      }
      if (idemScope) {
        const text = response.body ? await response.clone().text() : "";
        if (response.status >= 500) await releaseIdempotencyKey(idemScope);
        else await completeIdempotencyKey(idemScope, { status: response.status, body: text, headers: headersObject(response.headers) });
      }
      logger.debug("request", { requestId, op: op.id, status: response.status, ms: Date.now() - started });
      return response;
    } catch (err) {
      const apiErr = toApiError(err);
      if (idemScope) {
        // Errors thrown by the operation itself are its result (a 404 stays a 404 on replay); 5xx are not.
        if (apiErr.status >= 500) await releaseIdempotencyKey(idemScope).catch(() => {});
        else
          await completeIdempotencyKey(idemScope, {
            status: apiErr.status,
            body: JSON.stringify(errorBody(apiErr, requestId)),
            headers: { "content-type": "application/json" },
          }).catch(() => {});
      }
      if (apiErr.code === "storage_provider_error") {
        // The customer's storage said no: worth a warning, not a stack trace.
        logger.warn("storage provider error", { requestId, op: op.id, err: err instanceof Error ? err.message : String(err) });
      } else if (apiErr.status >= 500) {
        logger.error("request failed", { requestId, op: op.id, err: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
      return Response.json(errorBody(apiErr, requestId), {
        status: apiErr.status,
        headers: { ...baseHeaders, ...apiErr.headers },
      });
    }
  };
}

/** For creations the target is the new resource: the first `*_id` field of the response object. */
function createdId(result: HandlerResult): string | null {
  if (result instanceof Response || !result.body || typeof result.body !== "object" || Array.isArray(result.body)) return null;
  const entry = Object.entries(result.body as Record<string, unknown>).find(([k, v]) => k.endsWith("_id") && typeof v === "string");
  return (entry?.[1] as string | undefined) ?? null;
}

function headersObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

function toResponse(result: HandlerResult, op: Operation, url: URL, baseHeaders: Record<string, string>): Response {
  if (result instanceof Response) {
    for (const [k, v] of Object.entries(baseHeaders)) result.headers.set(k, v);
    return result;
  }
  const status = result.status ?? op.status ?? 200;
  const headers: Record<string, string> = { ...baseHeaders, ...(result.headers ?? {}) };
  if (result.nextCursor) {
    headers["X-Next-Cursor"] = result.nextCursor;
    const next = new URL(url);
    next.searchParams.set("cursor", result.nextCursor);
    headers["Link"] = `<${next.pathname}${next.search}>; rel="next"`;
  }
  if (status === 204) return new Response(null, { status, headers });
  return Response.json(result.body, { status, headers });
}

/** Public endpoints (OpenAPI document, webhook event list): request id, no-store and the envelope only. */
export function handlePublic(fn: (req: Request) => Promise<unknown>) {
  return async function publicHandler(req: Request): Promise<Response> {
    const requestId = newId("req");
    const headers = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
    try {
      return Response.json(await fn(req), { headers });
    } catch (err) {
      const apiErr = toApiError(err);
      if (apiErr.status >= 500) logger.error("request failed", { requestId, err: String(err) });
      return Response.json(errorBody(apiErr, requestId), { status: apiErr.status, headers });
    }
  };
}
