import { timingSafeEqual } from "node:crypto";
import { env } from "@/lib/config/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";

// Serverless (Vercel-style) deployments have no long-lived worker: a scheduler calls this route every
// minute with `Authorization: Bearer <GANTRY_CRON_SECRET>` (Vercel sends its CRON_SECRET this way), and it
// runs queued jobs for a bounded time slice.
export const dynamic = "force-dynamic";
export const maxDuration = 60;

function authorized(req: Request): boolean {
  const secret = env().GANTRY_CRON_SECRET ?? process.env.CRON_SECRET;
  if (!secret) return false;
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function run(req: Request): Promise<Response> {
  const requestId = newId("req");
  const headers = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
  if (!authorized(req)) {
    return Response.json(
      { error: { code: "authentication_required", message: "A valid cron secret is required.", details: {}, request_id: requestId, timestamp: new Date().toISOString() } },
      { status: 401, headers },
    );
  }
  const budget = Math.min(Math.max(Number(new URL(req.url).searchParams.get("budget_ms") ?? 45_000) || 45_000, 1_000), 55_000);
  await import("@/lib/jobs/all");
  const { runTimeSlice } = await import("@/lib/jobs/worker");
  const result = await runTimeSlice({ budgetMs: budget, concurrency: env().GANTRY_WORKER_CONCURRENCY });
  logger.info("cron time slice", { requestId, ...result });
  return Response.json({ processed: result.processed, failed: result.failed, remaining_estimate: result.remainingEstimate }, { headers });
}

export const GET = run;
export const POST = run;
