// The fast ListObjectsV2 reader must read every document exactly as the SDK's own deserializer does, and
// leave to the SDK whatever it does not understand. Differential: the same bytes go through the real
// S3Client pipeline (a canned HTTP answer instead of a socket) with and without the fast reader.
import { Readable } from "node:stream";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { fastListPlugin, parseListObjectsV2, type FastListPage } from "@/lib/providers/s3-list-xml";

function clientAnswering(status: number, xml: string) {
  return new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    requestHandler: {
      handle: async () => ({ response: { statusCode: status, headers: { "content-type": "application/xml" }, body: Readable.from([Buffer.from(xml)]) } }),
    } as never,
  });
}

/** What the SDK reads, in the fast reader's shape. */
async function viaSdk(xml: string): Promise<FastListPage> {
  const out = await clientAnswering(200, xml).send(new ListObjectsV2Command({ Bucket: "b", EncodingType: "url" }));
  return {
    contents: (out.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified })),
    prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix!),
    isTruncated: !!out.IsTruncated,
    nextContinuationToken: out.NextContinuationToken,
    encodingType: out.EncodingType,
  };
}

/** Through the SDK with the plugin: returns the fast page (if the reader took it) and the SDK output. */
async function viaPlugin(status: number, xml: string) {
  let fast: FastListPage | undefined;
  const cmd = new ListObjectsV2Command({ Bucket: "b" });
  cmd.middlewareStack.use(fastListPlugin((p) => (fast = p)));
  const out = await clientAnswering(status, xml).send(cmd);
  return { fast, out };
}

const contents = (key: string, i: number) =>
  `<Contents><Key>${key}</Key><LastModified>2026-12-02T08:40:0${i % 10}.${String(i).padStart(3, "0")}Z</LastModified>` +
  `<ETag>&quot;9b2cf535f27731c974343645a398532${i % 10}&quot;</ETag><Size>${i * 17}</Size><StorageClass>STANDARD</StorageClass>` +
  `<Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner><Type>Normal</Type></Contents>`;

const docs: Record<string, string> = {
  "a radosgw-style page with url-encoded keys": `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>dir%2F</Prefix><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>${[
    "dir%2Fhello%3F+sausage%2F%C3%AA%C3%A9%2FHello%2C+%E4%B8%96%E7%95%8C%2F+%22+%27+%40+%3C+%3E+%26+%3F+%2B+%E2%89%A0%2Fz.txt",
    "dir%2Fa.mp4",
    "dir%2F%F0%9F%8E%AC.mov",
  ]
    .map(contents)
    .join("")}<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><KeyCount>3</KeyCount></ListBucketResult>`,
  "raw keys with entities, numeric references and unicode; pretty-printed with CRLF; common prefixes and a comment":
    `<?xml version="1.0" encoding="UTF-8"?>\r\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\r\n  <Name>b</Name>\r\n  <!-- a comment -->\r\n  <Prefix></Prefix>\r\n  <IsTruncated>false</IsTruncated>\r\n  ` +
    [`a &amp; b &lt;c&gt; &apos;d&apos; &#233;&#x4E16;.mp4`, "  spaced  .txt", "世界/≠.bin"].map(contents).join("\r\n  ") +
    `\r\n  <CommonPrefixes>\r\n    <Prefix>x&amp;y/</Prefix>\r\n  </CommonPrefixes>\r\n  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>\r\n</ListBucketResult>\r\n`,
  "an empty listing": `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>nothing/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
  "a self-closing Prefix, a zero-byte object and a self-closing ETag": `<ListBucketResult><Prefix/><Contents><Key>empty</Key><Size>0</Size><ETag/></Contents><IsTruncated>false</IsTruncated></ListBucketResult>`,
  "1,000 keys": `<ListBucketResult><IsTruncated>true</IsTruncated>${Array.from({ length: 1000 }, (_, i) => contents(`bench%2Ff-${i}.mp4`, i)).join("")}<NextContinuationToken>tok</NextContinuationToken><EncodingType>url</EncodingType></ListBucketResult>`,
};

describe("fast ListObjectsV2 reader", () => {
  for (const [name, xml] of Object.entries(docs)) {
    it(`reads ${name} as the SDK does`, async () => {
      const expected = await viaSdk(xml);
      expect(parseListObjectsV2(xml)).toEqual(expected);
      const { fast, out } = await viaPlugin(200, xml);
      expect(fast).toEqual(expected);
      expect(out.Contents ?? []).toEqual([]); // the SDK was handed the empty result, not the page again
      expect(out.$metadata.httpStatusCode).toBe(200);
    });
  }

  it("reads the raw-key document's values correctly (not only like the SDK)", () => {
    const page = parseListObjectsV2(docs["raw keys with entities, numeric references and unicode; pretty-printed with CRLF; common prefixes and a comment"]);
    expect(page.contents.map((c) => c.key)).toEqual([`a & b <c> 'd' é世.mp4`, "  spaced  .txt", "世界/≠.bin"]);
    expect(page.prefixes).toEqual(["x&y/", "photos/"]);
    expect(page.contents[0]).toMatchObject({ size: 0, etag: '"9b2cf535f27731c974343645a3985320"' });
    expect(page.contents[1].lastModified?.toISOString()).toBe("2026-12-02T08:40:01.001Z");
    expect(page.isTruncated).toBe(false);
  });

  it("leaves documents it does not understand to the SDK, which still reads them", async () => {
    const cdata = `<ListBucketResult><Contents><Key><![CDATA[a<b>.mp4]]></Key><Size>3</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>`;
    expect(() => parseListObjectsV2(cdata)).toThrow();
    const { fast, out } = await viaPlugin(200, cdata);
    expect(fast).toBeUndefined();
    expect(out.Contents?.map((c) => [c.Key, c.Size])).toEqual([["a<b>.mp4", 3]]);
    for (const bad of ["<Other/>", "<ListBucketResult><Contents><Key>a</Key></Size></ListBucketResult>", "<ListBucketResult>", "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>", "<ListBucketResult><Contents><Key>&bogus;</Key></Contents></ListBucketResult>"]) {
      expect(() => parseListObjectsV2(bad), bad).toThrow();
    }
  });

  it("does not touch error answers: the SDK maps them", async () => {
    const err = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>`;
    await expect(viaPlugin(404, err)).rejects.toMatchObject({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } });
  });
});
