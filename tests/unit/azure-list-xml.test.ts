// The fast List Blobs reader must read every document exactly as the SDK's own deserializer does, and
// leave to the SDK whatever it does not understand. Differential: the same bytes, served over HTTP by a
// canned server, go through the real Azure provider (the SDK's pipeline) with and without the reader.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureFastListCounts, parseListBlobs } from "@/lib/providers/azure-list-xml";
import { createAzureProvider } from "@/lib/providers/azure";
import type { ListQuery, StorageProvider } from "@/lib/providers/types";

let server: http.Server;
let answer: { status: number; body: string } = { status: 200, body: "" };
let endpoint = "";
const urls: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    urls.push(req.url ?? "");
    res.writeHead(answer.status, { "content-type": "application/xml", "x-ms-request-id": "r", ...(answer.status === 200 ? {} : { "x-ms-error-code": "ContainerNotFound" }) });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acct`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const provider = (fastList: boolean): StorageProvider =>
  createAzureProvider({ storageAccount: "acct", container: "c", endpoint, auth: { kind: "sas_token", sasToken: "sv=2024-01-01&sig=abc" }, maxTries: 1, fastList });

async function both(body: string, q: ListQuery = { prefix: "", pageSize: 1000 }) {
  answer = { status: 200, body };
  const before = { ...azureFastListCounts };
  const fast = await provider(true).list(q);
  const took = { fast: azureFastListCounts.fast - before.fast, sdk: azureFastListCounts.sdk - before.sdk };
  const sdk = await provider(false).list(q);
  return { fast, sdk, took };
}

const blob = (name: string, i: number, nameAttrs = "") =>
  `<Blob><Name${nameAttrs}>${name}</Name><Properties><Creation-Time>Wed, 02 Dec 2026 19:0${i % 10}:00 GMT</Creation-Time>` +
  `<Last-Modified>Wed, 02 Dec 2026 19:0${i % 10}:1${i % 10} GMT</Last-Modified><Etag>0x8DE12AB3C4D5E6${i % 10}</Etag>` +
  `<Content-Length>${i * 1234}</Content-Length><Content-Type>${i % 2 ? "video/mp4" : ""}</Content-Type><Content-Encoding />` +
  `<Content-MD5>1B2M2Y8AsgTpgAmY7PhCfg==</Content-MD5><BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus>` +
  `<ServerEncrypted>true</ServerEncrypted></Properties><Metadata><a_b>x</a_b></Metadata><OrMetadata /></Blob>`;

const root = (inner: string, next = "") =>
  `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/acct" ContainerName="c">` +
  `<Prefix>dir/</Prefix><MaxResults>1000</MaxResults>${inner}<NextMarker>${next}</NextMarker></EnumerationResults>`;

const docs: Record<string, string> = {
  "an Azurite-style page with a next marker": root(`<Blobs>${["dir/a.mp4", "dir/b c.mov", "dir/世界/≠.bin"].map((n, i) => blob(n, i)).join("")}</Blobs>`, "2!92!MDAwMDI0IWRpci9iIGMubW92!"),
  "entities, numeric references, spaces kept as they are": root(
    `<Blobs>${["a &amp; b &lt;c&gt; &apos;d&apos; &quot;e&quot; é世.mp4", "  spaced  .txt", " ", "hello? sausage/êé/Hello, 世界/ &quot; &apos; @ &lt; &gt; &amp; ? + ≠/z.txt"].map((n, i) => blob(n, i)).join("")}</Blobs>`,
  ),
  "an encoded name (a character XML cannot carry)": root(`<Blobs>${blob("dir/bad%EF%BF%BEname%0B.mp4", 3, ' Encoded="true"')}${blob("dir/plain.mp4", 4, ' Encoded="false"')}</Blobs>`),
  "a hierarchy page: prefixes and blobs, pretty-printed": root(
    `\n  <Delimiter>/</Delimiter>\n  <Blobs>\n    ${blob("dir/top.mp4", 1)}\n    <BlobPrefix>\n      <Name>dir/sub/</Name>\n    </BlobPrefix>\n    <BlobPrefix><Name>dir/x&amp;y/</Name></BlobPrefix>\n  </Blobs>\n`,
    "",
  ),
  "an empty listing": root("<Blobs />"),
};

describe("fast Azure List Blobs reader", () => {
  for (const [what, xml] of Object.entries(docs)) {
    it(`reads ${what} as the SDK does`, async () => {
      const q: ListQuery = what.startsWith("a hierarchy") ? { prefix: "dir/", delimiter: "/", pageSize: 1000 } : { prefix: "dir/", pageSize: 1000 };
      const { fast, sdk, took } = await both(xml, q);
      expect(took).toEqual({ fast: 1, sdk: 0 });
      expect(fast).toEqual(sdk);
    });
  }

  it("reads the values themselves", async () => {
    const { fast } = await both(docs["an encoded name (a character XML cannot carry)"]);
    expect(fast.objects.map((o) => o.path)).toEqual(["dir/bad\uFFFEname\u000B.mp4", "dir/plain.mp4"]);
    expect(fast.objects[0]).toMatchObject({ size: 3702, contentType: "video/mp4", etag: "0x8DE12AB3C4D5E63", version: "0x8DE12AB3C4D5E63" });
    expect(fast.objects[0].lastModified.toISOString()).toBe("2026-12-02T19:03:13.000Z");
    expect(fast.objects[1].contentType).toBeNull();
    const h = parseListBlobs(docs["a hierarchy page: prefixes and blobs, pretty-printed"]);
    expect(h.prefixes).toEqual(["dir/sub/", "dir/x&y/"]);
    expect(parseListBlobs(docs["an Azurite-style page with a next marker"]).nextMarker).toBe("2!92!MDAwMDI0IWRpci9iIGMubW92!");
    // the listing request is the SDK's own
    expect(urls.at(-1)).toMatch(/[?&]comp=list(&|$)/);
  });

  it("leaves what it does not understand to the SDK", async () => {
    const odd = [
      root(`<Blobs>${blob("<![CDATA[x]]>", 1)}</Blobs>`),
      // numeric references: the SDK leaves them undecoded, so they are its to read
      root(`<Blobs>${blob("&#233;&#x4E16;.mp4", 1)}</Blobs>`),
      root(`<Blobs>${blob("a.mp4", 1)}</Blobs>`).replace("<Blobs>", "<Blobs>\r\n"),
      root(`<Blobs>${blob("a.mp4", 1).replace("<Content-Length>1234</Content-Length>", "")}</Blobs>`),
    ];
    for (const xml of odd) {
      const { fast, sdk, took } = await both(xml);
      expect(took).toEqual({ fast: 0, sdk: 1 });
      expect(fast).toEqual(sdk);
    }
    for (const bad of [root("<Blobs><Blob><Name>a</Name></Blobs>"), "<Other/>", root("<Blobs />") + "<x/>", root("<Blobs>&nbsp;</Blobs>")]) {
      expect(() => parseListBlobs(bad), bad).toThrow();
    }
  });

  it("leaves error answers to the SDK: the same mapped error either way", async () => {
    answer = { status: 404, body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.</Message></Error>' };
    const before = { ...azureFastListCounts };
    const a = await provider(true).list({ prefix: "", pageSize: 1000 }).catch((e: unknown) => e);
    const b = await provider(false).list({ prefix: "", pageSize: 1000 }).catch((e: unknown) => e);
    expect(azureFastListCounts).toEqual(before);
    expect(a).toMatchObject({ code: "bucket_not_found" });
    expect((a as Error).message).toBe((b as Error).message);
  });
});
