/**
 * A fast reader for S3 ListObjectsV2 answers, plugged into the SDK's own request pipeline.
 *
 * Why: the SDK's XML deserializer builds every text node one character at a time and then walks the
 * operation schema; for a 1,000-key page (~300 KB) that is ~16 ms of CPU on the thread that also answers
 * HTTP requests, i.e. half the time of the whole raw listing. This reader scans the same document with
 * `indexOf` and picks out only what a listing needs (Key, Size, ETag, LastModified, CommonPrefixes,
 * IsTruncated, NextContinuationToken, EncodingType), about ten times faster.
 *
 * How: a middleware placed just inside the SDK's deserializer sees the raw 200 answer. When this reader
 * understands it, the parsed page is handed to the caller and the SDK deserializer gets an empty
 * ListBucketResult (so signing, retries, error mapping, endpoint and region handling all stay the SDK's).
 * Anything else (an error status, a document this reader does not understand) goes to the SDK untouched.
 */
import type { DeserializeMiddleware, MetadataBearer, Pluggable } from "@smithy/types";
import { isAscii } from "node:buffer";
import { Readable } from "node:stream";

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

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (s.indexOf("&") === -1) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    const v = ENTITIES[e];
    if (v === undefined) throw new Error(`unknown XML entity ${m}`);
    return v;
  });
}

class Unsupported extends Error {}

/**
 * Parses a ListBucketResult (ListObjectsV2) document. Throws on anything it does not fully understand
 * (CDATA, DOCTYPE, mismatched tags, unknown entities, another root): the caller then lets the SDK parse.
 * Text follows the SDK's rules: entities decoded, line ends normalised to "\n", a whitespace-only text
 * holding a line break read as "".
 */
export function parseListObjectsV2(xmlIn: string): FastListPage {
  const x = xmlIn.indexOf("\r") === -1 ? xmlIn : xmlIn.replace(/\r\n?/g, "\n");
  const z = x.length;
  const page: FastListPage = { contents: [], prefixes: [], isTruncated: false, nextContinuationToken: undefined, encodingType: undefined };
  const stack: string[] = [];
  let entry: { key?: string; size?: string; etag?: string; lastModified?: string } | null = null;
  let prefix: string | undefined;
  let text = "";
  let textOpen = false;
  let sawRoot = false;
  let i = 0;

  const finishText = () => {
    const t = textOpen ? (text.trim() === "" && text.includes("\n") ? "" : text) : "";
    text = "";
    textOpen = false;
    return t;
  };

  while (i < z) {
    const lt = x.indexOf("<", i);
    if (lt === -1) {
      if (stack.length || x.slice(i).trim() !== "") throw new Unsupported("unexpected end of document");
      break;
    }
    if (lt > i) {
      const chunk = x.slice(i, lt);
      if (stack.length === 0) {
        if (chunk.trim() !== "") throw new Unsupported("text outside the root element");
      } else {
        text += decodeEntities(chunk);
        textOpen = true;
      }
    }
    const c = x.charCodeAt(lt + 1);
    if (c === 63 /* ? */) {
      const end = x.indexOf("?>", lt + 2);
      if (end === -1) throw new Unsupported("unterminated declaration");
      i = end + 2;
      continue;
    }
    if (c === 33 /* ! */) {
      if (!x.startsWith("<!--", lt)) throw new Unsupported("CDATA or DOCTYPE");
      const end = x.indexOf("-->", lt + 4);
      if (end === -1) throw new Unsupported("unterminated comment");
      i = end + 3;
      continue;
    }
    const gt = x.indexOf(">", lt + 1);
    if (gt === -1) throw new Unsupported("unterminated tag");
    if (c === 47 /* / */) {
      const name = x.slice(lt + 2, gt).trim();
      const open = stack.pop();
      if (open !== name) throw new Unsupported(`mismatched tags <${open}> and </${name}>`);
      const value = finishText();
      const depth = stack.length; // depth of the closed element's parent
      if (depth === 1) {
        // Children of ListBucketResult.
        if (name === "IsTruncated") page.isTruncated = value === "true";
        else if (name === "NextContinuationToken") page.nextContinuationToken = value;
        else if (name === "EncodingType") page.encodingType = value;
        else if (name === "Contents") {
          if (!entry || entry.key === undefined) throw new Unsupported("Contents without a Key");
          const size = entry.size === undefined ? 0 : Number(entry.size);
          if (!Number.isFinite(size)) throw new Unsupported("Size is not a number");
          let lastModified: Date | undefined;
          if (entry.lastModified !== undefined) {
            lastModified = new Date(entry.lastModified);
            if (Number.isNaN(lastModified.getTime())) throw new Unsupported("LastModified is not a date");
          }
          page.contents.push({ key: entry.key, size, etag: entry.etag, lastModified });
          entry = null;
        } else if (name === "CommonPrefixes") {
          if (prefix !== undefined) page.prefixes.push(prefix);
          prefix = undefined;
        }
      } else if (depth === 2) {
        const parent = stack[1];
        if (parent === "Contents" && entry) {
          if (name === "Key") entry.key = value;
          else if (name === "Size") entry.size = value;
          else if (name === "ETag") entry.etag = value;
          else if (name === "LastModified") entry.lastModified = value;
        } else if (parent === "CommonPrefixes" && name === "Prefix") prefix = value;
      }
      i = gt + 1;
      continue;
    }
    // An opening (or self-closing) tag; attributes (the root's xmlns) are not needed.
    const selfClosing = x.charCodeAt(gt - 1) === 47;
    let nameEnd = lt + 1;
    for (let ch = x.charCodeAt(nameEnd); nameEnd < gt && ch !== 32 && ch !== 9 && ch !== 10 && ch !== 47; ch = x.charCodeAt(++nameEnd));
    const name = x.slice(lt + 1, nameEnd);
    if (!name) throw new Unsupported("empty tag name");
    if (stack.length === 0) {
      if (sawRoot || name !== "ListBucketResult") throw new Unsupported(`root element <${name}>`);
      sawRoot = true;
    }
    // Text is only kept for leaf elements: an element child resets what came before it.
    text = "";
    textOpen = false;
    if (stack.length === 1 && name === "Contents" && !selfClosing) entry = {};
    if (selfClosing) {
      if (stack.length === 0) {
        sawRoot = true;
        i = gt + 1;
        continue;
      }
      if (stack.length === 1 && name === "Contents") throw new Unsupported("Contents without a Key");
      if (stack.length === 2 && stack[1] === "Contents" && entry) {
        if (name === "Key") entry.key = "";
        else if (name === "ETag") entry.etag = "";
      } else if (stack.length === 2 && stack[1] === "CommonPrefixes" && name === "Prefix") prefix = "";
    } else {
      stack.push(name);
    }
    i = gt + 1;
  }
  if (!sawRoot || stack.length) throw new Unsupported("no complete ListBucketResult");
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
