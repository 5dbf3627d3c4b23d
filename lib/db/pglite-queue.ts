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
 */
type Entry = {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
};

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

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
        const type = entry.message[0];
        this.owner = entry.handlerId;
        this.inBatch = !(type === SYNC || type === QUERY || type === TERMINATE);
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
