import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { path: string; headers: IncomingHttpHeaders; raw: Buffer; json: any };
type Reply = { status: number; body?: string; headers?: Record<string, string> };

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests: records every request with its raw body and
 * answers from a per-path script (first reply first), then with `fallback` (200 by default).
 */
export async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, Reply[]>();
  const fallbacks = new Map<string, Reply>();
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let json: unknown = null;
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        json = null;
      }
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, raw, json });
      const reply = scripts.get(path)?.shift() ?? fallbacks.get(path) ?? { status: 200, body: "ok" };
      res.writeHead(reply.status, { "content-type": "text/plain", ...(reply.headers ?? {}) });
      res.end(reply.body ?? "");
      for (const w of [...waiters]) if (w.test()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    script(path: string, replies: Reply[], fallback?: Reply) {
      scripts.set(path, [...replies]);
      if (fallback) fallbacks.set(path, fallback);
    },
    /** Resolves once `path` has received `n` requests (rejects after timeoutMs). */
    waitFor(path: string, n: number, timeoutMs = 20_000): Promise<Received[]> {
      const test = () => received.filter((r) => r.path === path).length >= n;
      if (test()) return Promise.resolve(received.filter((r) => r.path === path));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${path}: ${received.filter((r) => r.path === path).length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ test, resolve: () => { clearTimeout(t); resolve(received.filter((r) => r.path === path)); } });
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
