import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { serviceAccountFile, uniqueName } from "../helpers/storage-seed";
import { db } from "@/lib/db";
import { unseal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import { connectorAad } from "@/lib/connectors/sealing";

// Recognisable secrets, searched for raw, base64 and URL-encoded in every response and every log line.
const SECRETS = {
  s3: "S3SECRET-zebra-4711-do-not-leak",
  s3Token: "S3TOKEN-okapi-0815-do-not-leak",
  azureKey: Buffer.from("AZUREKEY-narwhal-1234-do-not-leak").toString("base64"),
  azureSp: "AZURESP-quokka-5678-do-not-leak",
  azureSas: "sv=2024&se=2030-01-01&sig=AZURESAS-axolotl-9999-do-not-leak",
};

function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString("base64"), Buffer.from(secret).toString("base64url"), encodeURIComponent(secret)];
}

let emu: StorageEmulators;
let captured = "";
const restore: (() => void)[] = [];

beforeAll(async () => {
  emu = await useStorageEmulators(["s3", "gcs"]);
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured += String(chunk);
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = orig as typeof stream.write));
  }
}, 120_000);
afterAll(async () => {
  restore.forEach((r) => r());
  await emu?.stop();
});

describe("connector secrets never leave", () => {
  it("appear in no response of any connector endpoint, and in no log line", async () => {
    const w = await newWorkspace();
    const sa = serviceAccountFile();
    const privateKeyBody = (sa.private_key as string).split("\n")[5];
    const responses: string[] = [];
    const record = <R extends { text: string; headers: Headers }>(r: R): R => {
      responses.push(r.text, JSON.stringify([...r.headers.entries()]));
      return r;
    };
    const bucket = uniqueName("sec");
    const s3 = record(await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
      name: "s3", bucket, aws_access_key_id: "AKIAEXAMPLE00000001", aws_secret_access_key: SECRETS.s3, session_token: SECRETS.s3Token,
      endpoint: emu.env.s3!.endpoint, scopes: ["import", "export"],
    } }));
    const fd = new FormData();
    fd.append("name", "gcs"); fd.append("bucket", bucket); fd.append("gcp_project_id", "p"); fd.append("endpoint", emu.env.gcs!.endpoint);
    fd.append("credentials_file", new Blob([JSON.stringify(sa)]), "key.json");
    const gcs = record(await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: fd }));
    const azKey = record(await api("POST", "connectors/azure", { apiKey: w.apiKey, json: { name: "ak", storage_account: "devstoreaccount1", container: "nope-container", account_key: SECRETS.azureKey, endpoint: "http://127.0.0.1:1/devstoreaccount1" } }));
    const azSp = record(await api("POST", "connectors/azure", { apiKey: w.apiKey, json: { name: "sp", storage_account: "acct1", container: "cont1", tenant_id: "t", client_id: "c", client_secret: SECRETS.azureSp, endpoint: "http://127.0.0.1:1/acct1" } }));
    const azSas = record(await api("POST", "connectors/azure", { apiKey: w.apiKey, json: { name: "sas", storage_account: "acct1", container: "cont1", sas_token: SECRETS.azureSas, endpoint: "http://127.0.0.1:1/acct1" } }));
    const ids = [s3, gcs, azKey, azSp, azSas].map((r) => {
      expect(r.status).toBe(201);
      return r.body.connector_id as string;
    });
    for (const id of ids) {
      record(await api("GET", `connectors/${id}`, { apiKey: w.apiKey }));
      record(await api("POST", `connectors/${id}/test`, { apiKey: w.apiKey })); // fails for most: errors must not echo secrets
      record(await api("POST", `connectors/${id}/browse`, { apiKey: w.apiKey, json: { prefix: "" } }));
      record(await api("PATCH", `connectors/${id}`, { apiKey: w.apiKey, json: { name: "renamed" } }));
    }
    record(await api("GET", "connectors", { apiKey: w.apiKey }));
    record(await api("PATCH", `connectors/${ids[0]}`, { apiKey: w.apiKey, json: { aws_access_key_id: "AKIAEXAMPLE00000002", aws_secret_access_key: SECRETS.s3 + "-2" } }));
    record(await api("GET", "openapi.json"));
    for (const id of ids) record(await api("DELETE", `connectors/${id}`, { apiKey: w.apiKey }));

    expect(responses.length).toBeGreaterThan(25);
    const haystack = responses.join("\n") + "\n" + captured;
    for (const secret of [...Object.values(SECRETS), privateKeyBody]) {
      for (const f of forms(secret)) expect(haystack.includes(f), `leaked: ${secret.slice(0, 12)}…`).toBe(false);
    }
  });

  it("stores credentials sealed, bound to their row", async () => {
    const w = await newWorkspace();
    const a = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "a", bucket: "bucket-a", aws_access_key_id: "AKIAEXAMPLE00000003", aws_secret_access_key: SECRETS.s3 } });
    const b = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "b", bucket: "bucket-b", aws_access_key_id: "AKIAEXAMPLE00000004", aws_secret_access_key: "other" } });
    const rowA = await db.connector.findUniqueOrThrow({ where: { id: a.body.connector_id } });
    expect(rowA.sealedCredentials).not.toContain(SECRETS.s3);
    expect(JSON.parse(unseal(rowA.sealedCredentials, connectorAad(rowA.id), keyring()).toString()).secretAccessKey).toBe(SECRETS.s3);
    // moved to another row, the ciphertext no longer opens
    expect(() => unseal(rowA.sealedCredentials, connectorAad(b.body.connector_id), keyring())).toThrow();
  });
});
