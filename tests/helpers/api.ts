import { encode } from "next-auth/jwt";
import { listRouteFiles } from "./routes";
import { env } from "@/lib/config/env";

const routes = listRouteFiles();

export type ApiResponse<T = any> = { status: number; headers: Headers; body: T; text: string };

export type CallOptions = {
  headers?: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
  apiKey?: string;
  bearer?: string;
};

/**
 * Calls the real route handlers in-process (the same wrapper, database and services the server runs)
 * without starting Next.js: path → route file → exported method.
 */
export async function api<T = any>(method: string, pathWithQuery: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const url = new URL(pathWithQuery, "http://gantry.test/api/v2/");
  const pathname = url.pathname.replace(/^\/api\/v2/, "") || "/";
  const route = routes.find((r) => r.regex.test(decodeURIComponent(pathname)));
  if (!route) throw new Error(`no route file for ${pathname}`);
  const m = route.regex.exec(decodeURIComponent(pathname))!;
  const params = Object.fromEntries(route.paramNames.map((n, i) => [n, m[i + 1]]));
  const mod = (await import(route.file)) as Record<string, (req: Request, ctx: unknown) => Promise<Response>>;
  const handler = mod[method.toUpperCase()];
  if (!handler) return { status: 405, headers: new Headers(), body: null as T, text: "" };
  const headers = new Headers(opts.headers);
  if (opts.apiKey) headers.set("x-api-key", opts.apiKey);
  if (opts.bearer) headers.set("authorization", `Bearer ${opts.bearer}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const req = new Request(url, { method: method.toUpperCase(), headers, body });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A session token exactly like the one in the next-auth cookie, for `Authorization: Bearer`. */
export async function sessionToken(userId: string): Promise<string> {
  return encode({ token: { uid: userId, sub: userId }, secret: env().AUTH_SECRET, salt: "authjs.session-token" });
}
