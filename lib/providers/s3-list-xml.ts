/**
 * A fast reader for S3 ListObjectsV2 answers, plugged into the SDK's own request pipeline.
 *
 * Why: the SDK's XML deserializer builds every text node one character at a time and then walks the
 * operation schema; for a 1,000-key page (~300 KB) that is ~16 ms of CPU on the thread that also answers
 * HTTP requests, i.e. half the time of the whole raw listing. This reader (on xml-scan.ts) picks out
 * only what a listing needs (Key, Size, ETag, LastModified, CommonPrefixes, IsTruncated,
 * NextContinuationToken, EncodingType), about ten times faster.
 *
 * How: a middleware placed just inside the SDK's deserializer sees the raw 200 answer. When this reader
 * understands it, the parsed page is handed to the caller and the SDK deserializer gets an empty
 * ListBucketResult (so signing, retries, error mapping, endpoint and region handling all stay the SDK's).
 * Anything else (an error status, a document this reader does not understand) goes to the SDK untouched.
 */
import type { DeserializeMiddleware, MetadataBearer, Pluggable } from "@smithy/types";
import { isAscii } from "node:buffer";
import { Readable } from "node:stream";
import { scanXml, XmlUnsupported } from "./xml-scan";

export interface FastListEntry {
  key: string;
  size: number;
  etag: string | undefined;
  lastModified: Date | undefined;
}
export interface FastListPage {
  contents: FastListEntry[];
  prefixes: string[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
  encodingType: string | undefined;
}

/**
 * Parses a ListBucketResult (ListObjectsV2) document. Throws on anything it does not fully understand
 * (CDATA, DOCTYPE, mismatched tags, unknown entities, another root): the caller then lets the SDK parse.
 * Text follows the SDK's rules: entities decoded, line ends normalised to "\n", a whitespace-only text
 * holding a line break read as "".
 */
export function parseListObjectsV2(xmlIn: string): FastListPage {
  const x = xmlIn.indexOf("\r") === -1 ? xmlIn : xmlIn.replace(/\r\n?/g, "\n");
  const page: FastListPage = { contents: [], prefixes: [], isTruncated: false, nextContinuationToken: undefined, encodingType: undefined };
  let entry: { key?: string; size?: string; etag?: string; lastModified?: string } | null = null;
  let prefix: string | undefined;
  scanXml(x, "ListBucketResult", {
    open(parents, name) {
      if (parents.length === 1 && name === "Contents") entry = {};
    },
    close(parents, name, text) {
      const value = text.trim() === "" && text.includes("\n") ? "" : text;
      const depth = parents.length; // depth of the closed element's parent
      if (depth === 1) {
        // Children of ListBucketResult.
        if (name === "IsTruncated") page.isTruncated = value === "true";
        else if (name === "NextContinuationToken") page.nextContinuationToken = value;
        else if (name === "EncodingType") page.encodingType = value;
        else if (name === "Contents") {
          if (!entry || entry.key === undefined) throw new XmlUnsupported("Contents without a Key");
          const size = entry.size === undefined ? 0 : Number(entry.size);
          if (!Number.isFinite(size)) throw new XmlUnsupported("Size is not a number");
          let lastModified: Date | undefined;
          if (entry.lastModified !== undefined) {
            lastModified = new Date(entry.lastModified);
            if (Number.isNaN(lastModified.getTime())) throw new XmlUnsupported("LastModified is not a date");
          }
          page.contents.push({ key: entry.key, size, etag: entry.etag, lastModified });
          entry = null;
        } else if (name === "CommonPrefixes") {
          if (prefix !== undefined) page.prefixes.push(prefix);
          prefix = undefined;
        }
      } else if (depth === 2) {
        const parent = parents[1];
        if (parent === "Contents" && entry) {
          if (name === "Key") entry.key = value;
          else if (name === "Size") entry.size = value;
          else if (name === "ETag") entry.etag = value;
          else if (name === "LastModified") entry.lastModified = value;
        } else if (parent === "CommonPrefixes" && name === "Prefix") prefix = value;
      }
    },
  });
  return page;
}

/** Pages read by the fast reader and pages left to the SDK, in this process (for tests and the bench). */
export const fastListCounts = { fast: 0, sdk: 0 };

const EMPTY_RESULT = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>');

async function readAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof c === "string" ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * A plugin for one ListObjectsV2Command: `sink` receives the page when the fast reader handled the
 * answer (the command's own output is then empty apart from `$metadata`).
 */
export function fastListPlugin<I extends object, O extends MetadataBearer>(sink: (page: FastListPage) => void): Pluggable<I, O> {
  const middleware: DeserializeMiddleware<I, O> = (next) => async (args) => {
    const result = await next(args);
    const response = result.response as { statusCode?: number; body?: unknown };
    if (response?.statusCode !== 200 || response.body == null) return result;
    const bytes = await readAll(response.body);
    let page: FastListPage | null = null;
    try {
      // URL-encoded listings are ASCII: latin1 decoding then skips UTF-8 validation (same string).
      page = parseListObjectsV2(bytes.toString(isAscii(bytes) ? "latin1" : "utf8"));
    } catch {
      page = null; // the SDK reads it (and reports what is wrong with it)
    }
    if (page) sink(page);
    fastListCounts[page ? "fast" : "sdk"]++;
    response.body = Readable.from([page ? EMPTY_RESULT : bytes]);
    return result;
  };
  return {
    applyToStack: (stack) => {
      stack.addRelativeTo(middleware, { relation: "after", toMiddleware: "deserializerMiddleware", name: "gantryFastListObjectsV2" });
    },
  };
}
