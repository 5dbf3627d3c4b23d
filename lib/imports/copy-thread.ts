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
 * The requests go out through the thread's own small HTTP/1.1 client (plain or TLS, certificates verified as
 * by node:https, connections kept alive per origin), not node:http: see `copy` in the thread's source.
 *
 * Only a success is taken from here (200 with a Content-Length body, read whole). An error status, a redirect,
 * a body of another framing (chunked) or a connection that fails before the headers comes back as `null`
 * ("declined") and the caller reads the file through the provider instead, whose retries and error mapping
 * then decide, exactly as without threads. A body that fails midway rejects (a transient error: the caller's
 * retry loop tries again).
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
const net = require("node:net");
const tls = require("node:tls");
const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");

// A lean HTTP/1.1 client for one kind of exchange: a GET answered 200 with a Content-Length body. Anything
// else (another status, a chunked or unsized body, a malformed head) is declined, and the caller reads that
// object through its provider, as before. Against node:http it has no streams, no per-chunk buffers and no
// parser objects: each connection reads into one buffer of its own, reused for every read, and the body's
// bytes go from there to the hash and the file (or the small file's own buffer). 1 GB in 5 MB files over
// loopback: 1.8–1.9 s of CPU against 2.1–3.7 s with node:http; a 20 KB GET 0.09 against 0.19 ms
// (bench/RESULTS.md, session 12).
const READ_BUFFER_BYTES = 256 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
const IDLE_KEEP_MS = 15000; // an idle connection is kept this long (a provider's servers close theirs later)
const idle = new Map(); // origin → idle keep-alive connections, the most recently used last

function connectTo(url) {
  const secure = url.protocol === "https:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const conn = { origin: url.origin, socket: null, onData: null, onEnd: null, onTimeout: null, idle: false };
  const onread = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback(n, buf) {
      if (conn.onData) conn.onData(buf, n);
      else conn.socket.destroy(); // bytes nobody asked for: the connection cannot be trusted any more
      return true;
    },
  };
  const options = { host, port: Number(url.port) || (secure ? 443 : 80), onread };
  conn.socket = secure ? tls.connect({ ...options, servername: net.isIP(host) ? undefined : host }) : net.connect(options);
  conn.socket.setNoDelay(true);
  conn.socket.on("timeout", () => {
    if (conn.onTimeout) conn.onTimeout();
    conn.socket.destroy(new Error("socket idle"));
  });
  const ended = (err) => {
    if (conn.idle) return dropIdle(conn);
    const onEnd = conn.onEnd;
    conn.onEnd = conn.onData = null;
    if (onEnd) onEnd(err);
  };
  conn.socket.on("error", ended);
  conn.socket.on("close", () => ended(null));
  return conn;
}

function takeIdle(origin) {
  const list = idle.get(origin);
  while (list && list.length > 0) {
    const conn = list.pop();
    conn.idle = false;
    if (!conn.socket.destroyed) return conn;
  }
  return null;
}

function keepIdle(conn) {
  conn.onData = conn.onEnd = conn.onTimeout = null;
  conn.idle = true;
  conn.socket.setTimeout(IDLE_KEEP_MS);
  const list = idle.get(conn.origin) || [];
  list.push(conn);
  idle.set(conn.origin, list);
}

function dropIdle(conn) {
  const list = idle.get(conn.origin);
  const at = list ? list.indexOf(conn) : -1;
  if (at >= 0) list.splice(at, 1);
}

// The status line and headers: status, Content-Length (-1: none, or a body of another framing) and whether
// the connection may carry the next request. Null when malformed.
function parseHead(text) {
  const lines = text.split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
  if (!status) return null;
  let length = -1;
  let framed = false; // a Transfer-Encoding: the body is not Content-Length bytes
  let keepAlive = status[1] === "1";
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon <= 0) return null;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) return null;
      length = Number(value);
    } else if (name === "transfer-encoding") framed = true;
    else if (name === "connection") {
      const v = value.toLowerCase();
      if (/\bclose\b/.test(v)) keepAlive = false;
      else if (/\bkeep-alive\b/.test(v)) keepAlive = true;
    }
  }
  return { status: Number(status[2]), length: framed ? -1 : length, keepAlive };
}

// One GET. Resolves { declined: status } (0: no answer), or { bytes, sha256 } with the body written to
// job.dest — or, for job.whole, kept in memory ({ data }) when it has exactly job.wholeBytes bytes. A body
// longer than job.maxBytes is not read: its size comes back with an empty digest (the caller's size check
// fails it). Rejects when the body breaks off or cannot be written.
function copy(job, retry = true) {
  return new Promise((resolve, reject) => {
    const url = new URL(job.url);
    let request = "GET " + url.pathname + url.search + " HTTP/1.1\r\n";
    let host = false;
    for (const name of Object.keys(job.headers)) {
      const value = String(job.headers[name]);
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return resolve({ id: job.id, declined: 0 });
      if (name.toLowerCase() === "host") host = true;
      request += name + ": " + value + "\r\n";
    }
    if (!host) request += "host: " + url.host + "\r\n";
    request += "\r\n";
    if (url.protocol !== "http:" && url.protocol !== "https:") return resolve({ id: job.id, declined: 0 });

    const pooled = takeIdle(url.origin);
    const conn = pooled || connectTo(url);
    let heard = false; // any byte of the answer
    let answered = false; // a 200 with its length: reading the body
    let settled = false;
    let head = null;
    let length = 0;
    let bytes = 0;
    let reusable = false;
    let fd;
    let data = null;
    let hash = null;
    let expired = false; // a timeout ended it: not retried
    const expire = (what) => () => {
      expired = true;
      conn.socket.destroy(new Error(what));
    };
    const timers = [setTimeout(expire("headers timeout"), job.requestMs)];
    if (!pooled) {
      timers.push(setTimeout(expire("connect timeout"), job.connectMs));
      conn.socket.once(url.protocol === "https:" ? "secureConnect" : "connect", () => clearTimeout(timers[1]));
    }
    conn.socket.setTimeout(job.socketIdleMs);
    conn.onTimeout = () => (expired = true);
    const closeFile = () => {
      if (fd === undefined) return;
      try {
        fs.closeSync(fd);
      } catch {
        // nothing to do: the data was written (or the copy fails anyway)
      }
      fd = undefined;
    };
    const settle = (keep) => {
      settled = true;
      for (const t of timers) clearTimeout(t);
      closeFile();
      if (keep) keepIdle(conn);
      else {
        conn.onData = conn.onEnd = conn.onTimeout = null;
        conn.socket.destroy();
      }
    };
    const decline = (status) => {
      if (settled) return;
      settle(false);
      resolve({ id: job.id, declined: status });
    };
    const fail = (err) => {
      if (settled) return;
      settle(false);
      reject(err);
    };
    const take = (piece) => {
      if (bytes + piece.length > length) {
        piece = piece.subarray(0, length - bytes); // more than the Content-Length: the rest is not ours
        reusable = false;
      }
      hash.update(piece);
      if (data) piece.copy(data, bytes);
      else {
        // A big file: written synchronously as its bytes arrive (this thread has nothing else to do meanwhile;
        // no write queue holding the bytes, no hop to the thread pool per write).
        try {
          for (let at = 0; at < piece.length; ) at += fs.writeSync(fd, piece, at);
        } catch (err) {
          return fail(err);
        }
      }
      bytes += piece.length;
      if (bytes === length) {
        settle(reusable);
        resolve(data ? { id: job.id, bytes, sha256: hash.digest("hex"), data } : { id: job.id, bytes, sha256: hash.digest("hex") });
      }
    };
    const onHead = (end) => {
      const parsed = parseHead(head.toString("latin1", 0, end));
      if (!parsed) return decline(0);
      if (parsed.status !== 200 || parsed.length < 0) return decline(parsed.status === 200 ? 0 : parsed.status);
      answered = true;
      clearTimeout(timers[0]);
      length = parsed.length;
      reusable = parsed.keepAlive;
      if (length > job.maxBytes || (job.whole && length !== job.wholeBytes)) {
        settle(false); // not read: its size says enough
        return resolve({ id: job.id, bytes: length, sha256: "" });
      }
      hash = createHash("sha256");
      if (job.whole) data = Buffer.allocUnsafeSlow(length); // its own memory: it travels back to the caller without a copy
      else {
        try {
          fd = fs.openSync(job.dest, "w");
        } catch (err) {
          return fail(err);
        }
      }
      const rest = head.subarray(end + 4);
      head = null;
      if (rest.length > 0 || length === 0) take(rest);
    };
    conn.onData = (buf, n) => {
      heard = true;
      if (answered) return take(buf.subarray(0, n));
      const piece = Buffer.from(buf.subarray(0, n)); // a copy: the read buffer is reused
      head = head ? Buffer.concat([head, piece]) : piece;
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) onHead(end);
      else if (head.length > MAX_HEAD_BYTES) decline(0);
    };
    conn.onEnd = (err) => {
      if (settled) return;
      if (answered) return fail(err || new Error("the connection closed before the whole body"));
      if (pooled && !heard && !expired && retry) {
        // a kept connection the server had closed meanwhile: once more on a new one
        settle(false);
        return copy(job, false).then(resolve, reject);
      }
      decline(0); // before the headers: the caller reads through the provider
    };
    conn.socket.write(request, "latin1");
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
// Their bytes travel back without a copy: each file's buffer owns its memory (copy() allocates it whole).
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
    const next = copy({ ...file, whole: true }); // the request goes out now (a kept connection) or once connected…
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
  for (const r of results) if (r.data) transfer.push(r.data.buffer); // each its own memory (copy() allocates it whole)
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
