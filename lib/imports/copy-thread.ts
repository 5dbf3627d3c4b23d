/**
 * Copies big files off the main thread: a small pool of worker threads that each send a plain signed HTTP GET
 * (StorageProvider.plainGet), hash the body with sha256 as it arrives and write it to a scratch file, then
 * report the size and digest.
 *
 * Why: on the main thread the bytes of a copy compete with everything else the server does (database round
 * trips, HTTP requests, the runners' bookkeeping), and every chunk read from a socket is garbage for the
 * server's own heap: V8 collects the buffers by marking the whole heap of the Next.js server (~60 MB) again
 * and again, on helper threads (measured: 2–3.4 s of CPU per GB imported, more than the sha256). A worker
 * thread has its own small heap and its own event loop. 200 × 5 MB from radosgw, two runs each: 7.7 and 8.8 s
 * on the main thread, 6.8 and 7.2 s with two copy threads, 6.2 and 6.5 s once they wrote synchronously
 * (bench/RESULTS.md, session 9).
 *
 * Only a success is taken from here (200 with the whole body). An error status, a redirect or a connection
 * that fails before the headers comes back as `null` ("declined") and the caller reads the file through the
 * provider instead, whose retries and error mapping then decide, exactly as without threads. A body that
 * fails midway rejects (a transient error: the caller's retry loop tries again).
 *
 * The thread's code is plain JavaScript in a string (COPY_THREAD_SOURCE), started with `eval: true`: it
 * needs only Node's built-in modules, and a string is the one form that the Next.js bundle, vitest and tsx
 * all run unchanged (a separate file would need each of them to ship and locate it).
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { intEnv } from "@/lib/config/int-env";
import { logger } from "@/lib/logger";
import type { PlainGet } from "@/lib/providers/types";

export type ThreadCopyRequest = {
  get: PlainGet;
  /** The scratch file to write. */
  dest: string;
  /** Reading stops after this many bytes (the size is then wrong, and the caller says so). */
  maxBytes: number;
};

export type ThreadCopyResult = { bytes: number; sha256: string };

/** Copies taken by the threads, and copies they declined (tests and the bench check which path a file took). */
export const threadCopyCounts = { served: 0, declined: 0 };

const COPY_THREAD_SOURCE = String.raw`
"use strict";
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
const https = require("node:https");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 15000 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 15000 }),
};

function copy(job) {
  return new Promise((resolve, reject) => {
    const url = new URL(job.url);
    const mod = url.protocol === "https:" ? https : http;
    let answered = false;
    const decline = (status) => {
      if (answered) return;
      answered = true;
      clearTimeout(headersTimer);
      resolve({ id: job.id, declined: status });
    };
    const req = mod.request(url, { headers: job.headers, agent: agents[url.protocol] }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return decline(res.statusCode);
      }
      answered = true;
      clearTimeout(headersTimer);
      // Written synchronously as each chunk arrives: this thread has nothing else to do meanwhile, and a
      // chunk is garbage as soon as it is hashed and written (no write queue holding it into an older
      // generation, no hop to the thread pool per write).
      let fd;
      try {
        fd = fs.openSync(job.dest, "w");
      } catch (err) {
        res.destroy();
        return reject(err);
      }
      const hash = createHash("sha256");
      let bytes = 0;
      let over = false;
      const end = (fn) => {
        if (over) return;
        over = true;
        try {
          fs.closeSync(fd);
        } catch {
          // nothing to do: the data was written (or the copy fails anyway)
        }
        fn();
      };
      res.on("data", (chunk) => {
        if (over) return;
        bytes += chunk.length;
        if (bytes > job.maxBytes) {
          res.destroy();
          return end(() => resolve({ id: job.id, bytes, sha256: "" }));
        }
        hash.update(chunk);
        try {
          for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
        } catch (err) {
          res.destroy();
          end(() => reject(err));
        }
      });
      res.on("end", () => end(() => resolve({ id: job.id, bytes, sha256: hash.digest("hex") })));
      res.on("error", (err) => end(() => reject(err)));
      res.on("close", () => end(() => reject(new Error("the connection closed before the whole body"))));
    });
    const headersTimer = setTimeout(() => req.destroy(new Error("headers timeout")), job.requestMs);
    req.setTimeout(job.socketIdleMs, () => req.destroy(new Error("socket idle for " + job.socketIdleMs + " ms")));
    req.once("socket", (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => req.destroy(new Error("connect timeout")), job.connectMs);
      socket.once("connect", () => clearTimeout(connectTimer));
      socket.once("close", () => clearTimeout(connectTimer));
    });
    req.on("error", (err) => {
      if (!answered) return decline(0); // before the headers: the caller reads through the provider
      reject(err);
    });
    req.end();
  });
}

parentPort.on("message", (job) => {
  copy(job).then(
    (r) => parentPort.postMessage(r),
    (err) => parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) }),
  );
});
`;

type Reply = { id: number; declined?: number; bytes?: number; sha256?: string; error?: string };
type Pending = { resolve: (r: ThreadCopyResult | null) => void; reject: (e: Error) => void };

class CopyThread {
  private readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead = false;

  constructor(private readonly onDeath: (t: CopyThread) => void) {
    this.worker = new Worker(COPY_THREAD_SOURCE, { eval: true, name: "gantry-copy" });
    this.worker.unref();
    this.worker.on("message", (r: Reply) => this.settle(r));
    this.worker.on("error", (err) => this.die(err));
    this.worker.on("exit", (code) => this.die(new Error(`copy thread exited (${code})`)));
  }

  send(id: number, req: ThreadCopyRequest, p: Pending): void {
    if (this.pending.size === 0) this.worker.ref(); // a copy in flight keeps the process alive
    this.pending.set(id, p);
    this.worker.postMessage({ id, url: req.get.url, headers: req.get.headers, dest: req.dest, maxBytes: req.maxBytes, ...req.get.timeouts });
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.error !== undefined) return p.reject(new Error(`copy failed: ${r.error}`));
    if (r.declined !== undefined) {
      threadCopyCounts.declined++;
      return p.resolve(null);
    }
    threadCopyCounts.served++;
    p.resolve({ bytes: r.bytes!, sha256: r.sha256! });
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
    if (this.pending.size > 0) logger.warn("copy thread stopped; its copies are retried", { err: err.message });
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    void this.worker.terminate();
  }
}

/** Threads copying files: GANTRY_IMPORT_COPY_THREADS (0 = copy on the main thread). */
export const copyThreadCount = intEnv("GANTRY_IMPORT_COPY_THREADS", Math.min(2, os.availableParallelism()), 0);

const threads: CopyThread[] = [];
let nextId = 1;

/**
 * Copies one object into `dest` in a worker thread, with its size and sha256.
 * Null when the thread declined (not a 200: the caller reads through the provider) or threads are off.
 * Rejects when the body failed midway (transient: retry).
 */
export function copyInThread(req: ThreadCopyRequest): Promise<ThreadCopyResult | null> {
  if (copyThreadCount === 0) return Promise.resolve(null);
  if (threads.length < copyThreadCount) threads.push(new CopyThread((t) => threads.splice(threads.indexOf(t), 1)));
  // The least busy thread (new threads start empty).
  const thread = threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  return new Promise((resolve, reject) => thread.send(nextId++, req, { resolve, reject }));
}
