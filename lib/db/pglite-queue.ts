import type { PGlite } from "@electric-sql/pglite";

/**
 * A drop-in replacement for pglite-socket's QueryQueueManager (0.2.17) that keeps each client's
 * extended-protocol batch together.
 *
 * Why: every client connection of pglite-server shares one PGlite session, and the stock queue runs
 * protocol messages first-come-first-served across connections. node-postgres sends a parameterised
 * query as Parse/Bind/Describe/Execute/Sync; when two connections' batches interleave, client A's Bind
 * lands on client B's unnamed statement ("bind message supplies 3 parameters, but prepared statement
 * requires 5", "portal does not exist") — measured here with the import workers and API polling at once
 * (see also electric-sql/pglite#1046). The fix is the same rule the stock queue already applies to open
 * transactions: once a connection has started a batch (any message other than Sync or a simple Query),
 * only that connection's messages run until its Sync, then everyone else's.
 *
 * Only the extended-protocol messages open a batch. Treating every other message as one (the first
 * version did) made a connection's StartupMessage (whose first byte is a length byte, 0x00) take the
 * session: a client that connected and then sat idle before its first query — a bench-side pg client
 * kept open for later — held every other connection's queries until it spoke again, and the server's
 * requests hung. tests/integration/pglite-queue.test.ts checks an idle fresh connection blocks nobody.
 */
type Entry = {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
};

/**
 * Frontend messages that are part of an extended-query batch (ended by Sync): Parse, Bind, Describe,
 * Execute, Close, Flush; and CopyData (a COPY in progress, ended by CopyDone / CopyFail).
 */
const BATCH_MESSAGES = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48, 0x64]);

export class BatchAwareQueryQueue {
  private queue: Entry[] = [];
  private processing = false;
  /** The connection that owns the session: inside a transaction or in the middle of a batch. */
  private owner: number | null = null;
  private inBatch = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      if (!this.processing) void this.processQueue();
    });
  }

  private exclusiveOwner(): number | null {
    if (this.owner === null) return null;
    return this.inBatch || this.db.isInTransaction() ? this.owner : null;
  }

  private async processQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.exclusiveOwner();
        let index = 0;
        if (owner !== null) {
          index = this.queue.findIndex((e) => e.handlerId === owner);
          if (index === -1) break; // wait for the owner's next message
        }
        const entry = this.queue.splice(index, 1)[0];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(entry.message, {
              onRawData: (d: Uint8Array) => {
                bytes += d.length;
                entry.onData(d);
              },
            }),
          );
        } catch (err) {
          entry.reject(err);
          continue;
        }
        this.owner = entry.handlerId;
        this.inBatch = BATCH_MESSAGES.has(entry.message[0]);
        entry.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((e) => {
      if (e.handlerId !== handlerId) return true;
      e.reject(new Error("Handler disconnected"));
      return false;
    });
  }

  /** A client that disconnects mid-transaction or mid-batch releases the session. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = null;
    this.inBatch = false;
    if (!this.processing) await this.processQueue();
  }
}

/** Swaps the stock queue of a not-yet-started PGLiteSocketServer for the batch-aware one. */
export function installBatchAwareQueue(server: object, db: PGlite): void {
  const s = server as { queryQueue?: unknown };
  if (!("queryQueue" in s)) throw new Error("pglite-socket changed: PGLiteSocketServer has no queryQueue to replace (check the pinned version)");
  s.queryQueue = new BatchAwareQueryQueue(db);
}
