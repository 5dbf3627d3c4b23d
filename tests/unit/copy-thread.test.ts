import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyInThread, fetchFilesInThread, stopCopyThreads, threadCopyCounts } from "@/lib/imports/copy-thread";
import { ensureTestCa } from "@/scripts/emulators/azurite";

// A real HTTP server on 127.0.0.1 answering the copy thread's GETs: what each path answers is below.
const BODY = randomBytes(3 * 1024 * 1024 + 17);
// small files: one of 20 KB and one of 100 bytes (each travels back in a buffer of its own)
const SMALL = randomBytes(20_000);
const TINY = randomBytes(100);
let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-copy-thread-"));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === "/ok") {
      res.writeHead(200, { "content-length": BODY.length });
      return res.end(BODY);
    }
    if (req.url === "/small" || req.url === "/tiny") {
      const body = req.url === "/small" ? SMALL : TINY;
      res.writeHead(200, { "content-length": body.length });
      return res.end(body);
    }
    if (req.url === "/hang") return; // never answers: the copy is in flight until its thread goes
    if (req.url === "/cut-small") {
      res.writeHead(200, { "content-length": SMALL.length });
      res.write(SMALL.subarray(0, 5000), () => res.destroy());
      return;
    }
    if (req.url === "/cut") {
      // promises the whole body, sends a third, then drops the connection
      res.writeHead(200, { "content-length": BODY.length });
      res.write(BODY.subarray(0, BODY.length / 3), () => res.destroy());
      return;
    }
    if (req.url === "/chunked") {
      res.writeHead(200); // no Content-Length: the body comes chunked
      res.write(TINY.subarray(0, 50));
      return res.end(TINY.subarray(50));
    }
    if (req.url === "/redirect") {
      res.writeHead(307, { location: "/ok" });
      return res.end();
    }
    res.writeHead(404, { "content-type": "application/xml" });
    res.end("<Error><Code>NoSuchKey</Code></Error>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const timeouts = { connectMs: 2000, requestMs: 5000, socketIdleMs: 5000 };
const get = (p: string, url = base) => ({ url: `${url}${p}`, headers: { authorization: "signed", "x-amz-date": "20261203T000000Z" }, timeouts });

describe("copying in a worker thread", () => {
  it("writes the body to the file with its size and sha256, sending the signed headers as given", async () => {
    const dest = path.join(dir, "ok");
    const before = threadCopyCounts.served;
    const r = await copyInThread({ get: get("/ok"), dest, maxBytes: BODY.length + 1024 });
    expect(r).toEqual({ bytes: BODY.length, sha256: createHash("sha256").update(BODY).digest("hex") });
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(threadCopyCounts.served).toBe(before + 1);
    expect(seen.at(-1)).toMatchObject({ authorization: "signed", "x-amz-date": "20261203T000000Z" });
  });

  it("declines (null) anything but a 200 and a connection that fails before the headers: the caller reads through the provider", async () => {
    const before = threadCopyCounts.declined;
    expect(await copyInThread({ get: get("/missing"), dest: path.join(dir, "missing"), maxBytes: 10 })).toBeNull();
    expect(await copyInThread({ get: get("/redirect"), dest: path.join(dir, "redirect"), maxBytes: 10 })).toBeNull();
    // port 1: nobody listens, the connection is refused
    expect(await copyInThread({ get: get("/ok", "http://127.0.0.1:1"), dest: path.join(dir, "refused"), maxBytes: 10 })).toBeNull();
    expect(threadCopyCounts.declined).toBe(before + 3);
    expect(existsSync(path.join(dir, "missing"))).toBe(false);
  });

  it("rejects when the body breaks off midway (a transient error for the caller's retries)", async () => {
    await expect(copyInThread({ get: get("/cut"), dest: path.join(dir, "cut"), maxBytes: BODY.length + 1024 })).rejects.toThrow(/copy failed/);
  });

  it("does not read a body longer than maxBytes: its Content-Length comes back (the caller's size check fails the file), nothing is written", async () => {
    const r = await copyInThread({ get: get("/ok"), dest: path.join(dir, "capped"), maxBytes: 1024 * 1024 });
    expect(r).toEqual({ bytes: BODY.length, sha256: "" });
    expect(existsSync(path.join(dir, "capped"))).toBe(false);
  });

  it("runs copies side by side on its threads", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => copyInThread({ get: get("/ok"), dest: path.join(dir, `many-${i}`), maxBytes: BODY.length })));
    expect(results.map((r) => r?.bytes)).toEqual(Array(6).fill(BODY.length));
  });

  it("fetches a batch of small files in one round trip: each written whole (its directory made) and handed back; the rest declined, nothing written", async () => {
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const at = (name: string) => path.join(dir, "batch", "made-on-demand", name);
    const before = { ...threadCopyCounts };
    const results = await fetchFilesInThread([
      { get: get("/small"), dest: at("small"), bytes: SMALL.length },
      { get: get("/tiny"), dest: at("tiny"), bytes: TINY.length },
      { get: get("/missing"), dest: at("missing"), bytes: 10 },
      { get: get("/small"), dest: at("listed-bigger"), bytes: SMALL.length + 1 }, // the object changed since the listing
      { get: get("/small"), dest: at("listed-smaller"), bytes: SMALL.length - 1 },
      { get: get("/cut-small"), dest: at("cut"), bytes: SMALL.length },
      { get: get("/tiny"), dest: at("tiny-again"), bytes: TINY.length }, // written while the next request is out…
      { get: get("/ok", "http://127.0.0.1:1"), dest: at("refused"), bytes: 10 },
      { get: get("/tiny"), dest: path.join(at("small"), "under-a-file"), bytes: TINY.length }, // a write that fails
      { get: get("/small"), dest: at("small-last"), bytes: SMALL.length }, // …and the last one after the loop
    ]);
    expect(results[0]).toEqual({ bytes: SMALL.length, sha256: sha(SMALL), data: SMALL });
    expect(Buffer.isBuffer(results[0]!.data)).toBe(true);
    expect(results[1]).toEqual({ bytes: TINY.length, sha256: sha(TINY), data: TINY });
    expect(results.slice(2, 6)).toEqual([null, null, null, null]);
    expect(results[6]).toEqual({ bytes: TINY.length, sha256: sha(TINY), data: TINY });
    expect(results.slice(7, 9)).toEqual([null, null]);
    expect(results[9]).toEqual({ bytes: SMALL.length, sha256: sha(SMALL), data: SMALL });
    expect(results).toHaveLength(10); // one answer per file, in order
    expect(readFileSync(at("small")).equals(SMALL)).toBe(true);
    expect(readFileSync(at("tiny")).equals(TINY)).toBe(true);
    expect(readFileSync(at("tiny-again")).equals(TINY)).toBe(true);
    expect(readFileSync(at("small-last")).equals(SMALL)).toBe(true);
    for (const name of ["missing", "listed-bigger", "listed-smaller", "cut", "refused"]) expect(existsSync(at(name))).toBe(false);
    expect(threadCopyCounts.served - before.served).toBe(4);
    expect(threadCopyCounts.declined - before.declined).toBe(6);
  });

  it("answers an empty batch without a thread", async () => {
    expect(await fetchFilesInThread([])).toEqual([]);
  });

  it("a thread that dies mid-copy: its single copy rejects (the caller retries), its batch comes back as not taken; new work starts a new thread", async () => {
    const single = copyInThread({ get: get("/hang"), dest: path.join(dir, "hang"), maxBytes: 10 }).then(
      () => "resolved",
      (err: Error) => err.message,
    );
    const batch = fetchFilesInThread([{ get: get("/hang"), dest: path.join(dir, "hang-batch"), bytes: 10 }]);
    await new Promise((r) => setTimeout(r, 200)); // both requests out
    await stopCopyThreads();
    expect(await single).toMatch(/copy thread stopped/);
    expect(await batch).toEqual([null]);
    expect(existsSync(path.join(dir, "hang-batch"))).toBe(false);
    const again = await fetchFilesInThread([{ get: get("/small"), dest: path.join(dir, "after"), bytes: SMALL.length }]);
    expect(again[0]?.bytes).toBe(SMALL.length);
  });
});

/** A server on 127.0.0.1 that counts the TCP connections it accepted. */
async function counted(server: net.Server, scheme = "http"): Promise<{ base: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  server.on(scheme === "https" ? "secureConnection" : "connection", () => connections++);
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy(); // the copy thread keeps its connections
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A raw HTTP/1.1 server: `answer(n)` is what the n-th request on a connection gets (null: the connection is dropped unanswered). */
function rawServer(answer: (nthOnConnection: number) => (Buffer | string)[] | null): net.Server {
  return net.createServer((socket) => {
    let n = 0;
    let pending = "";
    socket.on("data", async (d) => {
      pending += d.toString("latin1");
      while (pending.includes("\r\n\r\n")) {
        pending = pending.slice(pending.indexOf("\r\n\r\n") + 4);
        const parts = answer(++n);
        if (!parts) return void socket.destroy();
        for (const p of parts) {
          socket.write(p);
          await new Promise((r) => setTimeout(r, 20)); // each part in its own read
        }
      }
    });
    socket.on("error", () => {});
  });
}

describe("the copy thread's HTTP client", () => {
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
  const fetchTiny = (base: string, name: string, bytes = TINY.length) => fetchFilesInThread([{ get: get("/tiny", base), dest: path.join(dir, "client", name), bytes }]);
  const tinyServer = (headers: Record<string, string> = {}) =>
    http.createServer((req, res) => {
      res.writeHead(200, { "content-length": TINY.length, ...headers });
      res.end(TINY);
    });

  it("keeps a connection for the next request: a batch of files goes over one connection", async () => {
    await stopCopyThreads(); // no connections kept from earlier tests
    const s = await counted(tinyServer());
    try {
      const results = await fetchFilesInThread(Array.from({ length: 5 }, (_, i) => ({ get: get("/tiny", s.base), dest: path.join(dir, "client", `kept-${i}`), bytes: TINY.length })));
      expect(results.map((r) => r?.sha256)).toEqual(Array(5).fill(sha(TINY)));
      expect(s.connections()).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("opens a new connection after `Connection: close`", async () => {
    await stopCopyThreads();
    const s = await counted(tinyServer({ connection: "close" }));
    try {
      expect((await fetchTiny(s.base, "close-1"))[0]?.bytes).toBe(TINY.length);
      expect((await fetchTiny(s.base, "close-2"))[0]?.bytes).toBe(TINY.length);
      expect(s.connections()).toBe(2);
    } finally {
      await s.close();
    }
  });

  it("sends the request again on a new connection when a kept one was closed by the server before answering", async () => {
    await stopCopyThreads();
    // every connection answers its first request and drops the second unanswered (a server that closed an idle connection)
    const s = await counted(rawServer((n) => (n === 1 ? [`HTTP/1.1 200 OK\r\ncontent-length: ${TINY.length}\r\n\r\n`, TINY] : null)));
    try {
      expect((await fetchTiny(s.base, "stale-1"))[0]?.sha256).toBe(sha(TINY));
      expect((await fetchTiny(s.base, "stale-2"))[0]?.sha256).toBe(sha(TINY));
      expect(s.connections()).toBe(2);
    } finally {
      await s.close();
    }
  });

  it("reads a head split across reads, and stops at the Content-Length (bytes past it are not the file's)", async () => {
    const s = await counted(
      rawServer(() => ["HTTP/1.1 200 OK\r\ncontent-le", `ngth: ${TINY.length}\r\nx-amz-request-id: 1\r\n\r\n${""}`, TINY.subarray(0, 40), Buffer.concat([TINY.subarray(40), Buffer.from("garbage")])]),
    );
    try {
      const [r] = await fetchTiny(s.base, "split");
      expect(r).toEqual({ bytes: TINY.length, sha256: sha(TINY), data: TINY });
      expect(readFileSync(path.join(dir, "client", "split")).equals(TINY)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("declines a body without a Content-Length (chunked) and a malformed head: the caller reads those through the provider", async () => {
    const before = threadCopyCounts.declined;
    expect(await copyInThread({ get: get("/chunked"), dest: path.join(dir, "chunked"), maxBytes: 1000 })).toBeNull();
    const s = await counted(rawServer(() => ["HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"]));
    try {
      expect(await fetchTiny(s.base, "malformed")).toEqual([null]);
    } finally {
      await s.close();
    }
    expect(threadCopyCounts.declined - before).toBe(2);
    expect(existsSync(path.join(dir, "chunked"))).toBe(false);
  });

  it("speaks TLS, verifying the server's certificate: a trusted one is read (over one kept connection), an untrusted one declined", async () => {
    const trusted = await ensureTestCa(); // the tests' CA: global setup has it in NODE_EXTRA_CA_CERTS
    expect(readFileSync(process.env.NODE_EXTRA_CA_CERTS ?? "/nonexistent", "utf8").includes(trusted.caPem.trim())).toBe(true);
    const other = await ensureTestCa(path.join(dir, "untrusted-ca"));
    const tlsServer = (ca: typeof trusted) => https.createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath) }, (req, res) => {
      res.writeHead(200, { "content-length": BODY.length });
      res.end(BODY);
    });
    await stopCopyThreads();
    const good = await counted(tlsServer(trusted), "https");
    const bad = await counted(tlsServer(other), "https");
    try {
      for (const name of ["tls-1", "tls-2"]) {
        const r = await copyInThread({ get: get("/ok", good.base), dest: path.join(dir, name), maxBytes: BODY.length });
        expect(r).toEqual({ bytes: BODY.length, sha256: sha(BODY) });
        expect(readFileSync(path.join(dir, name)).equals(BODY)).toBe(true);
      }
      expect(good.connections()).toBe(1);
      expect(await copyInThread({ get: get("/ok", bad.base), dest: path.join(dir, "tls-untrusted"), maxBytes: BODY.length })).toBeNull();
      expect(existsSync(path.join(dir, "tls-untrusted"))).toBe(false);
    } finally {
      await Promise.all([good.close(), bad.close()]);
    }
  });
});
