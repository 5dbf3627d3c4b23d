import { Readable } from "node:stream";
import { db } from "@/lib/db";
import { env } from "@/lib/config/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { ApiError, errorBody, toApiError } from "@/lib/api/errors";
import { consumeRateLimit, rateLimitHeaders } from "@/lib/api/rate-limit";
import { mediaStore } from "@/lib/media/store";
import type { Export } from "@/lib/generated/prisma/client";
import { relativeDownloadUrl } from "./dto";
import { signDownloadToken, verifyDownloadToken } from "./download-token";
import { FORMAT_INFO, type ExportFormat } from "./schemas";
import { exportSettings } from "./settings";

/** The artifact of a completed download export, streamed from the media store. */
export async function streamExportResponse(e: Export): Promise<Response> {
  if (!relativeDownloadUrl(e) || !e.storageKey) {
    throw new ApiError("conflict", `Export ${e.id} is not a completed download export (status ${e.status}, destination ${e.destinationType}).`);
  }
  const info = FORMAT_INFO[e.format as ExportFormat];
  const body = await mediaStore().provider.read(e.storageKey);
  const headers: Record<string, string> = {
    "Content-Type": info.contentType,
    "Content-Disposition": `attachment; filename="${e.id}.${info.ext}"`,
  };
  if (e.fileSizeBytes !== null) headers["Content-Length"] = String(e.fileSizeBytes);
  return new Response(Readable.toWeb(body) as ReadableStream, { status: 200, headers });
}

/**
 * `GET …/download?token=`: the signed token is the only credential (no API key, no session). A signed
 * URL can be passed around, so its downloads have a budget of their own: the "costly" rate per export
 * (GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE), counted after the signature is verified.
 */
export async function signedDownload(exportId: string, token: string): Promise<Response> {
  const requestId = newId("req");
  const base: Record<string, string> = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
  try {
    const { workspaceId } = verifyDownloadToken(token, exportId);
    const rate = await consumeRateLimit(`download:${exportId}`, "costly");
    Object.assign(base, rateLimitHeaders(rate));
    if (!rate.allowed) throw new ApiError("rate_limited", "Too many downloads of this export; retry after the time in Retry-After.");
    const e = await db.export.findFirst({ where: { id: exportId, workspaceId } });
    if (!e) throw ApiError.notFound("export_not_found", "export", exportId);
    const res = await streamExportResponse(e);
    for (const [k, v] of Object.entries(base)) res.headers.set(k, v);
    return res;
  } catch (err) {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) logger.error("signed download failed", { requestId, err: String(err) });
    return Response.json(errorBody(apiErr, requestId), { status: apiErr.status, headers: base });
  }
}

/** The public origin: GANTRY_PUBLIC_URL (deployments behind a proxy) or the request's own. */
export function publicOrigin(req: Request): string {
  const configured = env().GANTRY_PUBLIC_URL;
  return configured ? new URL(configured).origin : new URL(req.url).origin;
}

export function signedDownloadUrl(e: Export, origin: string, now = Date.now()): string | null {
  if (!relativeDownloadUrl(e)) return null;
  const token = signDownloadToken(e.id, e.workspaceId, new Date(now + exportSettings().urlTtlSeconds * 1000));
  return `${origin}/api/v2/exports/${e.id}/download?token=${token}`;
}
