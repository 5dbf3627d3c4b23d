/**
 * A fast reader for Azure List Blobs answers (EnumerationResults), plugged into the SDK's own pipeline.
 *
 * Why: @azure/storage-blob parses a listing with fast-xml-parser and then maps it through the operation
 * schema; for a 1,000-blob page that measured ~200 ms of CPU on the thread that also answers HTTP
 * requests (more than the emulator took to produce the page). This reader (on xml-scan.ts) picks out
 * what a listing needs: each blob's Name, Last-Modified, Etag, Content-Length and Content-Type, the
 * BlobPrefix names and NextMarker.
 *
 * How: a pipeline policy just outside the SDK's retry policy sees each raw answer. During a listing
 * made inside `withFastAzureList`, a 200 answer this reader understands is handed to the caller, and
 * the SDK's deserializer gets an empty EnumerationResults instead (so authentication, retries and error
 * mapping stay the SDK's). Anything else (an error status, a document this reader does not understand)
 * goes to the SDK untouched.
 */
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import { AsyncLocalStorage } from "node:async_hooks";
import { scanXml, XmlUnsupported } from "./xml-scan";

export interface AzureListEntry {
  name: string;
  size: number;
  lastModified: Date;
  etag: string | undefined;
  contentType: string | undefined;
}
export interface AzureListPage {
  blobs: AzureListEntry[];
  prefixes: string[];
  /** "" or undefined: the listing is done. */
  nextMarker: string | undefined;
}

/** An element's text read as the SDK reads a Name: `Encoded="true"` means percent-encoded. */
const nameOf = (text: string, attrs: string) => (/\bEncoded\s*=\s*["']true["']/.test(attrs) ? decodeURIComponent(text) : text);

/**
 * Parses an EnumerationResults document. Throws on anything it does not fully understand (CDATA,
 * DOCTYPE, mismatched tags, unknown entities, another root, a carriage return, a numeric character
 * reference, a blob without a name, length or date): the caller then lets the SDK parse it. Text is taken as the SDK takes it: entities
 * decoded, nothing trimmed.
 */
export function parseListBlobs(x: string): AzureListPage {
  // The SDK's parser keeps carriage returns as they are; XML says to normalise them. Leave such
  // (unlikely) documents to the SDK rather than pick a side.
  if (x.indexOf("\r") !== -1) throw new XmlUnsupported("carriage return");
  // The SDK's parser (fast-xml-parser 5) leaves numeric character references undecoded (&#233; stays
  // as those six characters). The service sends none (a character XML cannot carry makes the name
  // Encoded), so a document with one goes to the SDK, to read exactly as it would.
  if (x.indexOf("&#") !== -1) throw new XmlUnsupported("numeric character reference");
  const page: AzureListPage = { blobs: [], prefixes: [], nextMarker: undefined };
  type Pending = { name?: string; size?: string; lastModified?: string; etag?: string; contentType?: string };
  let blob: Pending | null = null;
  let prefix: string | undefined;
  let nameAttrs = "";
  scanXml(x, "EnumerationResults", {
    open(parents, name, attrs) {
      if (parents.length === 2 && parents[1] === "Blobs" && name === "Blob") blob = {};
      if (name === "Name") nameAttrs = attrs;
    },
    close(parents, name, text) {
      const depth = parents.length;
      const b: Pending | null = blob;
      if (depth === 1) {
        if (name === "NextMarker") page.nextMarker = text;
      } else if (depth === 2 && parents[1] === "Blobs") {
        if (name === "Blob") {
          if (!b || b.name === undefined) throw new XmlUnsupported("Blob without a Name");
          const size = Number(b.size);
          if (b.size === undefined || b.size.trim() === "" || !Number.isFinite(size)) throw new XmlUnsupported("Content-Length is not a number");
          const lastModified = new Date(b.lastModified ?? "");
          if (Number.isNaN(lastModified.getTime())) throw new XmlUnsupported("Last-Modified is not a date");
          page.blobs.push({ name: b.name, size, lastModified, etag: b.etag, contentType: b.contentType });
          blob = null;
        } else if (name === "BlobPrefix") {
          if (prefix === undefined) throw new XmlUnsupported("BlobPrefix without a Name");
          page.prefixes.push(prefix);
          prefix = undefined;
        }
      } else if (depth === 3 && parents[1] === "Blobs") {
        if (name === "Name") {
          if (parents[2] === "Blob" && b) b.name = nameOf(text, nameAttrs);
          else if (parents[2] === "BlobPrefix") prefix = nameOf(text, nameAttrs);
        }
      } else if (depth === 4 && parents[2] === "Blob" && parents[3] === "Properties" && b) {
        if (name === "Content-Length") b.size = text;
        else if (name === "Last-Modified") b.lastModified = text;
        else if (name === "Etag") b.etag = text;
        else if (name === "Content-Type") b.contentType = text;
      }
    },
  });
  return page;
}

/** Pages read by the fast reader and pages left to the SDK, in this process (for tests and the bench). */
export const azureFastListCounts = { fast: 0, sdk: 0 };

const EMPTY_RESULT = '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs /><NextMarker /></EnumerationResults>';

const sinks = new AsyncLocalStorage<(page: AzureListPage) => void>();

/**
 * Runs one SDK listing call (one page) with the fast reader: `page` is the parsed page when the reader
 * handled the answer (the SDK's own result is then empty), null when the SDK read it.
 */
export async function withFastAzureList<T>(call: () => Promise<T>): Promise<{ result: T; page: AzureListPage | null }> {
  let page: AzureListPage | null = null;
  const result = await sinks.run((p) => (page = p), call);
  return { result, page };
}

/** The pipeline policy (add it after the "Retry" phase, so it sees every attempt's raw answer). */
export function fastAzureListPolicy(): PipelinePolicy {
  return {
    name: "gantryFastAzureList",
    async sendRequest(request, next): Promise<PipelineResponse> {
      const response = await next(request);
      const sink = sinks.getStore();
      if (!sink || response.status !== 200 || typeof response.bodyAsText !== "string" || !/[?&]comp=list(&|$)/.test(request.url)) return response;
      let page: AzureListPage | null = null;
      try {
        page = parseListBlobs(response.bodyAsText);
      } catch {
        page = null; // the SDK reads it (and reports what is wrong with it)
      }
      azureFastListCounts[page ? "fast" : "sdk"]++;
      if (page) {
        sink(page);
        response.bodyAsText = EMPTY_RESULT;
      }
      return response;
    },
  };
}
