import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { allowlistFromEnv, assertOutboundAllowed, OutboundBlockedError, type Resolver } from "@/lib/security/outbound";
import { RESPONSE_BODY_LIMIT } from "./settings";

/** `sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the webhook's secret as UTF-8 (contract §7). */
export function signPayload(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** What a receiver does: recompute over the raw bytes and compare in constant time. */
export function verifySignature(secret: string, rawBody: string | Buffer, header: string | null | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signPayload(secret, rawBody));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

export type SendResult = {
  ok: boolean;
  statusCode: number | null;
  /** The receiver's answer, at most RESPONSE_BODY_LIMIT bytes. */
  body: string | null;
  error: string | null;
  durationMs: number;
};

/**
 * One POST to a webhook URL. The URL passes the outbound guard now (not only when it was saved), the
 * connection goes to an address the guard vetted (a second DNS answer cannot swap in a private one),
 * redirects are failures and are not followed, and the whole exchange is bounded by `timeoutMs`.
 * Never throws: every failure is a result.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; resolver?: Resolver; signal?: AbortSignal },
): Promise<SendResult> {
  const started = Date.now();
  const done = (r: Omit<SendResult, "durationMs">): SendResult => ({ ...r, durationMs: Date.now() - started });
  let target: { url: URL; addresses: string[] };
  try {
    target = await assertOutboundAllowed(url, { allowlist: allowlistFromEnv(), resolver: opts.resolver });
  } catch (err) {
    if (err instanceof OutboundBlockedError) return done({ ok: false, statusCode: null, body: null, error: `endpoint not allowed: ${err.reason}` });
    return done({ ok: false, statusCode: null, body: null, error: "endpoint check failed" });
  }
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      resolve(done(r));
    };
    const pinned: LookupFunction | undefined = target.addresses.length
      ? (_host, options, cb) => {
          const list = target.addresses.map((address) => ({ address, family: isIP(address) }));
          if ((options as { all?: boolean }).all) (cb as unknown as (e: null, l: typeof list) => void)(null, list);
          else cb(null, list[0].address, list[0].family);
        }
      : undefined;
    const payload = Buffer.from(body, "utf8");
    const client = target.url.protocol === "https:" ? https : http;
    const req = client.request(target.url, {
      method: "POST",
      headers: { ...headers, "content-length": String(payload.length) },
      ...(pinned ? { lookup: pinned } : {}),
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, statusCode: null, body: null, error: `timed out after ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish({ ok: false, statusCode: null, body: null, error: "aborted" });
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err: NodeJS.ErrnoException) => finish({ ok: false, statusCode: null, body: null, error: describeError(err) }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const conclude = () => {
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString("utf8");
        const ok = status >= 200 && status < 300;
        const error = ok ? null : status >= 300 && status < 400 ? `redirect not followed (HTTP ${status})` : `HTTP ${status}`;
        finish({ ok, statusCode: status, body: text, error });
        res.destroy();
      };
      res.on("data", (c: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) chunks.push(c);
        size += c.length;
        if (size >= RESPONSE_BODY_LIMIT) conclude(); // the rest is not worth waiting for
      });
      res.on("end", conclude);
      res.on("error", conclude);
    });
    req.end(payload);
  });
}

function describeError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED": return "connection refused";
    case "ECONNRESET": return "connection reset";
    case "ENOTFOUND": case "EAI_AGAIN": return "host not found";
    case "ETIMEDOUT": return "connection timed out";
    default:
      // TLS problems name themselves (e.g. CERT_HAS_EXPIRED); anything else stays generic.
      return err.code ? `request failed (${err.code})` : "request failed";
  }
}
