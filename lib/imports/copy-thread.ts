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
 * Small files (≤ 1 MiB) go as a batch: one message carries a runner's claimed small files (up to 4 MiB of them), the thread fetches
 * them one after another, writes each whole under its media-store key and sends all their bytes back in one
 * message (for the in-memory probe). On 2 CPUs the system calls of a small file — the request's socket
 * write, creating the file — cost the main thread ~1.5 ms, and a message each way ~0.3 ms: per file, the
 * main thread now only signs the request. 5,000 × 20 KB: main thread CPU 16–17 s → 5.3 s, the job
 * 20.5–27 s → 15–19 s (bench/RESULTS.md, session 10).
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
const path = require("node:path");
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
      // Big files: written synchronously as each chunk arrives (this thread has nothing else to do meanwhile,
      // and a chunk is garbage as soon as it is hashed and written: no write queue holding it into an older
      // generation, no hop to the thread pool per write). Small ones (job.whole): kept, and written in one go
      // once complete and of the expected size; their bytes go back to the caller for the probe.
      const chunks = job.whole ? [] : null;
      let fd;
      if (!chunks) {
        try {
          fd = fs.openSync(job.dest, "w");
        } catch (err) {
          res.destroy();
          return reject(err);
        }
      }
      const hash = createHash("sha256");
      let bytes = 0;
      let over = false;
      const end = (fn) => {
        if (over) return;
        over = true;
        if (fd !== undefined) {
          try {
            fs.closeSync(fd);
          } catch {
            // nothing to do: the data was written (or the copy fails anyway)
          }
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
        if (chunks) return void chunks.push(chunk);
        try {
          for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
        } catch (err) {
          res.destroy();
          end(() => reject(err));
        }
      });
      res.on("end", () =>
        end(() => {
          const sha256 = hash.digest("hex");
          if (!chunks) return resolve({ id: job.id, bytes, sha256 });
          if (bytes !== job.wholeBytes) return resolve({ id: job.id, bytes, sha256: "" }); // not kept: the caller decides
          resolve({ id: job.id, bytes, sha256, data: Buffer.concat(chunks, bytes) }); // fetchAll writes it
        }),
      );
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

// A small file's bytes, written where they belong (the directory made when missing: keys share their job's) —
// the local media store's writeLocalFile rule (lib/media/store.ts), here because this thread imports nothing of ours.
// A failed write leaves no partial file where the media belongs.
function writeWhole(dest, data) {
  try {
    try {
      fs.writeFileSync(dest, data);
    } catch (err) {
      if (err.code !== "ENOENT") throw err;
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, data);
    }
  } catch (err) {
    try {
      fs.unlinkSync(dest);
    } catch {
      // never created
    }
    throw err;
  }
}

// Small files one after another, answered in one message (a message costs the main thread ~0.3 ms here).
// A file is written while the next one's request is on its way (creating a file took ~0.9 ms of a ~6 ms file
// on 2 busy CPUs: the transfer no longer waits for it). Only files of the listed size are kept and written.
// Their bytes travel back without a copy where a file owns its whole ArrayBuffer (>= 4 KB; smaller ones
// share Node's buffer pool and are copied).
async function fetchAll(job) {
  const results = [];
  const write = (r, dest) => {
    if (!r.data) return r;
    try {
      writeWhole(dest, r.data);
      return r;
    } catch (err) {
      return { error: String((err && err.message) || err) };
    }
  };
  let fetched = null; // the previous file, not yet written
  for (const file of job.files) {
    const next = copy({ ...file, whole: true }); // the request goes out on the next tick…
    next.catch(() => {}); // (a failure meanwhile is taken below, not an unhandled rejection)
    if (fetched) {
      await new Promise((resolve) => setImmediate(resolve)); // …so it is on the wire before this thread blocks on the write
      results.push(write(fetched.r, fetched.dest));
      fetched = null;
    }
    try {
      const r = await next;
      delete r.id;
      fetched = { r, dest: file.dest };
    } catch (err) {
      results.push({ error: String((err && err.message) || err) });
    }
  }
  if (fetched) results.push(write(fetched.r, fetched.dest));
  const transfer = [];
  for (const r of results) if (r.data && r.data.byteOffset === 0 && r.data.buffer.byteLength === r.data.length) transfer.push(r.data.buffer);
  parentPort.postMessage({ id: job.id, results }, transfer);
}

parentPort.on("message", (job) => {
  if (job.op === "fetchAll") return void fetchAll(job);
  copy(job).then(
    (r) => parentPort.postMessage(r),
    (err) => parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) }),
  );
});
`;

type Outcome = { declined?: number; bytes?: number; sha256?: string; data?: Uint8Array; error?: string };
type Reply = Outcome & { id: number; results?: Outcome[] };
type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void };

class CopyThread {
  private readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly onDeath: (t: CopyThread) => void) {
    this.worker = new Worker(COPY_THREAD_SOURCE, { eval: true, name: "gantry-copy" });
    this.worker.unref();
    this.worker.on("message", (r: Reply) => this.settle(r));
    this.worker.on("error", (err) => this.die(err));
    this.worker.on("exit", (code) => this.die(new Error(`copy thread exited (${code})`)));
  }

  send(message: { id: number } & Record<string, unknown>, p: Pending): void {
    if (this.pending.size === 0) this.worker.ref(); // work in flight keeps the process alive
    this.pending.set(message.id, p);
    this.worker.postMessage(message);
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    p.resolve(r);
  }

  stop(): Promise<void> {
    this.die(new Error("copy thread stopped"));
    return this.exited;
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
    if (this.pending.size > 0) logger.warn("copy thread stopped; its copies are retried", { err: err.message });
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.exited = this.worker.terminate().then(() => undefined);
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
export async function copyInThread(req: ThreadCopyRequest): Promise<ThreadCopyResult | null> {
  if (copyThreadCount === 0) return null;
  const r = await inThread({ url: req.get.url, headers: req.get.headers, dest: req.dest, maxBytes: req.maxBytes, ...req.get.timeouts });
  if (r.error !== undefined) throw new Error(`copy failed: ${r.error}`);
  if (r.declined !== undefined) {
    threadCopyCounts.declined++;
    return null;
  }
  threadCopyCounts.served++;
  return { bytes: r.bytes!, sha256: r.sha256! };
}

/** A small file fetched whole: `data` holds its bytes, already written to the request's `dest`. */
export type ThreadFetchResult = ThreadCopyResult & { data: Buffer };

/**
 * Fetches small files one after another in a thread, in one message each way: each file is hashed, and
 * written to its `dest` when it has exactly `bytes` bytes. Per file, its result, or null when the thread did
 * not take it — declined, failed, or another size (nothing written then; a failure removes what it wrote):
 * the caller reads that file the usual way. All null when threads are off.
 */
export async function fetchFilesInThread(files: (Omit<ThreadCopyRequest, "maxBytes"> & { bytes: number })[]): Promise<(ThreadFetchResult | null)[]> {
  if (copyThreadCount === 0 || files.length === 0) return files.map(() => null);
  let r: Reply;
  try {
    r = await inThread({
      op: "fetchAll",
      // one byte over is enough to tell "more than listed" (and reading stops there)
      files: files.map((f) => ({ url: f.get.url, headers: f.get.headers, dest: f.dest, maxBytes: f.bytes + 1, wholeBytes: f.bytes, ...f.get.timeouts })),
    });
  } catch {
    return files.map(() => null); // the thread died (logged by die()): the caller reads every file itself
  }
  return r.results!.map((o) => {
    if (o.data === undefined) {
      threadCopyCounts.declined++;
      return null;
    }
    threadCopyCounts.served++;
    return { bytes: o.bytes!, sha256: o.sha256!, data: Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength) };
  });
}

/** Ends the copy threads; what they had in flight fails over as when a thread dies (new work starts new threads). */
export async function stopCopyThreads(): Promise<void> {
  await Promise.all(threads.slice().map((t) => t.stop()));
}

/** Sends one message to the least busy thread (starting threads up to the count) and waits for its reply. */
function inThread(message: Record<string, unknown>): Promise<Reply> {
  if (threads.length < copyThreadCount) threads.push(new CopyThread((t) => threads.splice(threads.indexOf(t), 1)));
  const thread = threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  return new Promise((resolve, reject) => thread.send({ ...message, id: nextId++ }, { resolve, reject }));
}
