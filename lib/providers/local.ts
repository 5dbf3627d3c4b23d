/**
 * A local directory as a storage provider (the default media store).
 *
 * Keys are relative POSIX paths ("a/b/c.mp4"): no leading "/", no empty, "." or ".." segments, no NUL.
 * Listing walks the tree in UTF-8 byte order (the order S3 and GCS use), so paging and delimiter
 * listings behave like a bucket; the cursor token is the last key (or common prefix) returned.
 * Writes go to a temp file under `<root>/.gantry-tmp/` (same filesystem), are flushed, then renamed into
 * place: readers never see a partial object. Removing an object also removes directories it leaves
 * empty. Symbolic links are neither followed nor listed. `contentType` is derived from the extension
 * (nothing else is stored); `version` is `${mtimeMs}-${size}`.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, type Dirent, type Stats } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ByteCounter,
  checkRange,
  clampPageSize,
  decodeCursor,
  encodeCursor,
  mappedReadable,
  runConnectionCheck,
  sizeMismatch,
} from "./common";
import { InvalidPathError, StorageError, mapLocalError, type ErrorContext } from "./errors";
import type { ByteRange, CheckOptions, ListPage, ListQuery, RemoteObject, StorageProvider, WriteInfo } from "./types";

export interface LocalProviderConfig {
  /** Directory that holds the objects. */
  root: string;
  /** Create `root` when missing (default true); when false a missing root is `bucket_not_found`. */
  create?: boolean;
}

/** Reserved top-level directory for in-flight writes (never listed, refused as a key). */
export const LOCAL_TMP_DIR = ".gantry-tmp";

const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".m4v": "video/x-m4v",
  ".mov": "video/quicktime",
  ".webm": "video/webm",
  ".mkv": "video/x-matroska",
  ".avi": "video/x-msvideo",
  ".mpg": "video/mpeg",
  ".mpeg": "video/mpeg",
  ".ts": "video/mp2t",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".wav": "audio/wav",
  ".flac": "audio/flac",
  ".ogg": "audio/ogg",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".srt": "application/x-subrip",
  ".vtt": "text/vtt",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
};

export function contentTypeForPath(key: string): string | null {
  return CONTENT_TYPES[path.posix.extname(key).toLowerCase()] ?? null;
}

const utf8 = (s: string) => Buffer.from(s, "utf8");
const compareKeys = (a: string, b: string) => Buffer.compare(utf8(a), utf8(b));

/** Splits and validates a key; throws InvalidPathError. */
export function splitKey(key: string): string[] {
  if (typeof key !== "string" || key === "") throw new InvalidPathError("empty path");
  if (key.includes("\0")) throw new InvalidPathError("path contains NUL");
  if (key.startsWith("/")) throw new InvalidPathError("absolute paths are not allowed");
  const segs = key.split("/");
  for (const s of segs) {
    if (s === "") throw new InvalidPathError(`path "${key}" has an empty segment`);
    if (s === "." || s === "..") throw new InvalidPathError(`path "${key}" has a "${s}" segment`);
  }
  if (segs[0] === LOCAL_TMP_DIR) throw new InvalidPathError(`"${LOCAL_TMP_DIR}" is reserved`);
  return segs;
}

type Entry = { kind: "object"; key: string; stats: Stats } | { kind: "prefix"; key: string };

export function createLocalProvider(cfg: LocalProviderConfig): StorageProvider {
  const root = path.resolve(cfg.root);
  const create = cfg.create ?? true;
  const tmpDir = path.join(root, LOCAL_TMP_DIR);
  const ctx = (op: string, p?: string): ErrorContext => ({ op, path: p });

  const abs = (key: string) => path.join(root, ...splitKey(key));

  let rootReady: Promise<void> | null = null;
  async function ensureRoot(op: string): Promise<void> {
    if (create) {
      rootReady ??= fs.mkdir(root, { recursive: true }).then(() => undefined);
      try {
        await rootReady;
      } catch (err) {
        rootReady = null;
        throw mapLocalError(err, ctx(op));
      }
      return;
    }
    let st: Stats;
    try {
      st = await fs.stat(root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw missingRoot(op);
      throw mapLocalError(err, ctx(op));
    }
    if (!st.isDirectory()) throw missingRoot(op);
  }
  const missingRoot = (op: string) =>
    new StorageError("bucket_not_found", `Local ${op}: bucket or container not found (the storage directory does not exist)`, {
      providerCode: "ENOENT",
    });

  const toRemote = (key: string, st: Stats): RemoteObject => ({
    path: key,
    size: st.size,
    lastModified: st.mtime,
    contentType: contentTypeForPath(key),
    version: `${Math.round(st.mtimeMs * 1000) / 1000}-${st.size}`,
    etag: null,
  });

  async function stat(key: string): Promise<RemoteObject | null> {
    const file = abs(key);
    await ensureRoot("stat");
    try {
      const st = await fs.lstat(file);
      return st.isFile() ? toRemote(key, st) : null;
    } catch (err) {
      const mapped = mapLocalError(err, ctx("stat", key));
      if (mapped.code === "not_found") return null;
      throw mapped;
    }
  }

  async function readDirSorted(dirAbs: string, dirKey: string): Promise<Array<{ key: string; dirent: Dirent }>> {
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw err;
    }
    const out: Array<{ key: string; dirent: Dirent }> = [];
    for (const d of dirents) {
      if (dirKey === "" && d.name === LOCAL_TMP_DIR) continue;
      if (d.isDirectory()) out.push({ key: `${dirKey}${d.name}/`, dirent: d });
      else if (d.isFile()) out.push({ key: `${dirKey}${d.name}`, dirent: d });
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  /** Yields entries in key order, strictly after `after`, collecting at most `limit`. */
  async function collect(prefix: string, delimiter: string | undefined, after: string | undefined, limit: number): Promise<Entry[]> {
    const out: Entry[] = [];
    const slash = prefix.lastIndexOf("/");
    const startKey = slash >= 0 ? prefix.slice(0, slash + 1) : "";
    if (startKey) splitKey(startKey.slice(0, -1)); // validate the directory part of the prefix
    if (prefix.includes("\0")) throw new InvalidPathError("prefix contains NUL");

    const visit = async (dirKey: string): Promise<void> => {
      const dirAbs = dirKey ? path.join(root, ...dirKey.slice(0, -1).split("/")) : root;
      for (const { key, dirent } of await readDirSorted(dirAbs, dirKey)) {
        if (out.length >= limit) return;
        if (!key.startsWith(prefix)) continue;
        if (dirent.isDirectory()) {
          if (delimiter) {
            if (after !== undefined && compareKeys(key, after) <= 0) continue;
            out.push({ kind: "prefix", key });
          } else {
            // Skip the whole subtree when every key in it sorts at or before the cursor.
            if (after !== undefined && !after.startsWith(key) && compareKeys(after, key) > 0) continue;
            await visit(key);
          }
        } else {
          if (after !== undefined && compareKeys(key, after) <= 0) continue;
          let st: Stats;
          try {
            st = await fs.lstat(path.join(dirAbs, dirent.name));
          } catch {
            continue; // removed meanwhile
          }
          if (st.isFile()) out.push({ kind: "object", key, stats: st });
        }
      }
    };
    await visit(startKey);
    return out;
  }

  async function remove(key: string): Promise<void> {
    const file = abs(key);
    await ensureRoot("remove");
    try {
      const st = await fs.lstat(file);
      if (!st.isFile() && !st.isSymbolicLink()) return; // a "directory" is not an object
      await fs.unlink(file);
    } catch (err) {
      const mapped = mapLocalError(err, ctx("remove", key));
      if (mapped.code === "not_found") return;
      throw mapped;
    }
    // Drop directories the removal left empty (not the root).
    let dir = path.dirname(file);
    while (dir !== root && dir.startsWith(root + path.sep)) {
      try {
        await fs.rmdir(dir);
      } catch {
        break; // not empty, or raced with a writer
      }
      dir = path.dirname(dir);
    }
  }

  const provider: StorageProvider = {
    provider: "local",

    check: (scope: "import" | "export", opts?: CheckOptions) => runConnectionCheck(provider, scope, opts),

    async list(q: ListQuery): Promise<ListPage> {
      const after = decodeCursor(q.cursor, q.prefix, q.delimiter);
      const pageSize = clampPageSize(q.pageSize);
      await ensureRoot("list");
      let entries: Entry[];
      try {
        entries = await collect(q.prefix, q.delimiter, after, pageSize + 1);
      } catch (err) {
        if (err instanceof InvalidPathError) throw err;
        throw mapLocalError(err, ctx("list", q.prefix));
      }
      const more = entries.length > pageSize;
      const page = more ? entries.slice(0, pageSize) : entries;
      return {
        objects: page.filter((e): e is Extract<Entry, { kind: "object" }> => e.kind === "object").map((e) => toRemote(e.key, e.stats)),
        prefixes: page.filter((e) => e.kind === "prefix").map((e) => e.key),
        cursor: more ? encodeCursor(page[page.length - 1]!.key, q.prefix, q.delimiter) : undefined,
      };
    },

    stat,

    async read(key: string, range?: ByteRange): Promise<Readable> {
      checkRange(range);
      const file = abs(key);
      await ensureRoot("read");
      let handle: fs.FileHandle | undefined;
      try {
        const st = await fs.lstat(file);
        if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOENT" });
        handle = await fs.open(file, "r");
        const stream = handle.createReadStream({ start: range?.start, end: range?.end, autoClose: true });
        return mappedReadable(stream, (err) => mapLocalError(err, ctx("read", key)));
      } catch (err) {
        await handle?.close().catch(() => {});
        throw mapLocalError(err, ctx("read", key));
      }
    },

    async write(key: string, body: Readable, info: WriteInfo): Promise<RemoteObject> {
      const file = abs(key);
      await ensureRoot("write");
      const tmp = path.join(tmpDir, `${randomBytes(12).toString("hex")}.part`);
      const counter = new ByteCounter(info.size);
      try {
        await fs.mkdir(tmpDir, { recursive: true });
        await pipeline(body, counter, createWriteStream(tmp, { flags: "wx", flush: true }));
        if (info.size !== undefined && counter.bytes !== info.size) throw sizeMismatch(info.size, counter.bytes);
        for (let attempt = 0; ; attempt++) {
          await fs.mkdir(path.dirname(file), { recursive: true });
          try {
            await fs.rename(tmp, file);
            break;
          } catch (err) {
            // A concurrent remove() may have dropped the (then empty) parent directory: once more.
            if ((err as NodeJS.ErrnoException).code === "ENOENT" && attempt === 0) continue;
            throw err;
          }
        }
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => {});
        if (!body.destroyed) body.destroy();
        const mapped = mapLocalError(err, ctx("write", key));
        // ENOTDIR / EISDIR / EEXIST here mean a path component clashes with an existing file or directory.
        const code = (err as NodeJS.ErrnoException | undefined)?.code;
        if (code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST")
          throw new StorageError("unknown", `Local write "${key}": the path clashes with an existing file or directory (${code})`, {
            providerCode: code,
          });
        throw mapped;
      }
      const st = await fs.lstat(file);
      return toRemote(key, st);
    },

    remove,
  };
  return provider;
}
