import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { seedAzure, seedGcs, seedS3, serviceAccountFile, uniqueName } from "../helpers/storage-seed";
import { db } from "@/lib/db";
import { findConnectorRow } from "@/lib/providers/factory";

let emu: StorageEmulators;
let w: Awaited<ReturnType<typeof newWorkspace>>;
const bucket = uniqueName("conn").toLowerCase();

const FILES: Record<string, string> = {
  "media/a.mp4": "aaaa",
  "media/b.mov": "bb",
  "media/sub/c.mp4": "ccc",
  "media/sub/deep/d.mp4": "dddddd",
  "media/sub/notes.txt": "n",
  "other/e.mp4": "e",
  "hello? sausage/êé/Hello, 世界/ \" ' @ < > & ? + ≠/z.txt": "unicode",
};

beforeAll(async () => {
  emu = await useStorageEmulators(["s3", "azure", "azureOAuth", "gcs"]);
  w = await newWorkspace();
  await Promise.all([
    seedS3(emu.env.s3!, bucket, FILES),
    seedAzure(emu.env.azure!, bucket, FILES),
    seedGcs(emu.env.gcs!, bucket, FILES),
  ]);
}, 180_000);
afterAll(async () => emu?.stop());

function s3Body(overrides: Record<string, unknown> = {}) {
  const s3 = emu.env.s3!;
  return {
    name: "S3 footage", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey,
    endpoint: s3.endpoint, force_path_style: true, ...overrides,
  };
}
function azureBody(overrides: Record<string, unknown> = {}) {
  const az = emu.env.azure!;
  return { name: "Azure footage", storage_account: az.accountName, container: bucket, account_key: az.accountKey, endpoint: az.endpoint, ...overrides };
}
function gcsForm(fields: Record<string, string | string[]>, file: unknown = serviceAccountFile()) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) fd.append(k, x);
  if (file !== undefined) fd.append("credentials_file", new Blob([typeof file === "string" ? file : JSON.stringify(file)], { type: "application/json" }), "key.json");
  return fd;
}

describe("create", () => {
  it("creates an S3 connector and answers the contract's object without secrets", async () => {
    const res = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body({ scopes: ["import", "export"], export_base_path: "exports//gantry/" }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      connector_id: expect.stringMatching(/^conn_/), name: "S3 footage", provider: "s3", status: "active", scopes: ["import", "export"],
      import_mode: "all", export_base_path: "exports/gantry", bucket, region: emu.env.s3!.region, storage_account: null, container: null,
      gcp_project_id: null, last_tested_at: null, last_test_result: null, last_test_error: null, endpoint: emu.env.s3!.endpoint,
      auth_method: "access_key",
    });
    expect(Object.keys(res.body).sort()).toEqual([
      "auth_method", "bucket", "connector_id", "container", "created_at", "credential_hint", "endpoint", "export_base_path", "gcp_project_id",
      "import_mode", "last_test_error", "last_test_result", "last_tested_at", "name", "provider", "region", "scopes", "status",
      "storage_account", "updated_at",
    ]);
    expect(res.text).not.toContain(emu.env.s3!.secretAccessKey);
  });

  it("creates a GCS connector from multipart with scopes repeated or comma-separated", async () => {
    const a = await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "GCS", bucket, gcp_project_id: "p1", scopes: ["import", "export"], endpoint: emu.env.gcs!.endpoint }) });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ provider: "gcs", scopes: ["import", "export"], gcp_project_id: "p1", auth_method: "service_account", credential_hint: "importer@gantry-test.iam.gserviceaccount.com" });
    const b = await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "GCS2", bucket, gcp_project_id: "p1", scopes: "import,export", endpoint: emu.env.gcs!.endpoint }) });
    expect(b.body.scopes).toEqual(["import", "export"]);
  });

  it.each([
    ["not JSON", "{nope"],
    ["external_account", { type: "external_account", audience: "x" }],
    ["authorized_user", { type: "authorized_user", client_id: "a", client_secret: "b", refresh_token: "c" }],
    ["no private key", { type: "service_account", client_email: "a@b.c" }],
    ["too large", serviceAccountFile({ padding: "x".repeat(70_000) })],
  ])("refuses a credentials file that is %s with 422 invalid_credentials_file", async (_name, file) => {
    const res = await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "bad", bucket, gcp_project_id: "p" }, file) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("invalid_credentials_file");
  });

  it("refuses a key file whose token_uri points inside the network", async () => {
    const res = await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "bad", bucket, gcp_project_id: "p" }, serviceAccountFile({ token_uri: "https://169.254.169.254/token" })) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("endpoint_not_allowed");
  });

  it("creates Azure connectors with an account key, a SAS token, or a service principal, and needs exactly one", async () => {
    const key = await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody() });
    expect(key.status).toBe(201);
    expect(key.body.auth_method).toBe("account_key");
    const sp = await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ account_key: undefined, tenant_id: "t", client_id: "c", client_secret: "s" }) });
    expect(sp.body.auth_method).toBe("service_principal");
    const sas = await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ account_key: undefined, sas_token: "?sv=2024&se=2030-01-01&sig=abc" }) });
    expect(sas.body).toMatchObject({ auth_method: "sas_token", credential_hint: "SAS token (expires 2030-01-01)" });
    const none = await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ account_key: undefined }) });
    expect(none.status).toBe(422);
    const two = await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ sas_token: "sv=1" }) });
    expect(two.status).toBe(422);
  });

  it.each([
    "http://10.0.0.1:9000", "http://169.254.169.254", "http://[::ffff:127.0.0.2]:9000", "http://100.64.0.1", "http://0x7f000002:9000",
  ])("refuses endpoint %s with 422 endpoint_not_allowed", async (endpoint) => {
    const res = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body({ endpoint }) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("endpoint_not_allowed");
    expect(res.body.error.details.fields[0].field).toBe("endpoint");
  });

  it("validates fields and export_base_path", async () => {
    for (const [body, field] of [
      [s3Body({ name: "" }), "name"],
      [s3Body({ scopes: [] }), "scopes"],
      [s3Body({ scopes: ["delete"] }), "scopes.0"],
      [s3Body({ export_base_path: "../up" }), "export_base_path"],
      [s3Body({ export_base_path: "/abs" }), "export_base_path"],
      [s3Body({ import_mode: "some" }), "import_mode"],
      [s3Body({ provider: "gcs" }), "provider"],
    ] as const) {
      const res = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
  });
});

describe("test", () => {
  it.each(["s3", "azure", "gcs"] as const)("%s: import scope lists; export scope writes and deletes a probe", async (provider) => {
    const create = provider === "s3"
      ? api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body({ scopes: ["import", "export"], export_base_path: "probe-dir" }) })
      : provider === "azure"
        ? api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ scopes: ["import", "export"], export_base_path: "probe-dir" }) })
        : api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "g", bucket, gcp_project_id: "p", scopes: ["import", "export"], export_base_path: "probe-dir", endpoint: emu.env.gcs!.endpoint }) });
    const c = (await create).body;
    const res = await api("POST", `connectors/${c.connector_id}/test`, { apiKey: w.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, error_message: null, error_code: null });
    expect(res.body.checks.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(["list", "write"]));
    expect(res.body.checks.every((x: { ok: boolean }) => x.ok)).toBe(true);
    expect(res.body.latency_ms).toBeGreaterThanOrEqual(0);
    const after = await api("GET", `connectors/${c.connector_id}`, { apiKey: w.apiKey });
    expect(after.body).toMatchObject({ status: "active", last_test_result: "success", last_test_error: null });
    expect(after.body.last_tested_at).not.toBeNull();
    // The plain-SQL lookup of the hot paths reads the row exactly as Prisma does (every field, timestamps in UTC).
    const viaPrisma = await db.connector.findFirst({ where: { id: c.connector_id, workspaceId: w.workspaceId } });
    expect(viaPrisma?.lastTestedAt).toBeInstanceOf(Date);
    expect(await findConnectorRow(w.workspaceId, c.connector_id)).toEqual(viaPrisma);
    expect(await findConnectorRow("ws_other", c.connector_id)).toBeNull();
    // the probe is gone
    const probes = await api("POST", `connectors/${c.connector_id}/browse`, { apiKey: w.apiKey, json: { prefix: "probe-dir/", pattern: "*" } });
    expect(probes.body).toEqual([]);
  });

  it.skipIf(process.env.GANTRY_TEST_S3_KIND === "fauxqs")("s3 (radosgw): a wrong secret fails with auth_failed and marks the connector failed", async () => {
    const c = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body({ aws_secret_access_key: "wrong-secret-123" }) })).body;
    const res = await api("POST", `connectors/${c.connector_id}/test`, { apiKey: w.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, error_code: "auth_failed" });
    expect(res.body.checks[0]).toMatchObject({ name: "list", ok: false });
    const after = await api("GET", `connectors/${c.connector_id}`, { apiKey: w.apiKey });
    expect(after.body).toMatchObject({ status: "failed", last_test_result: "failure" });
    expect(after.body.last_test_error).toBeTruthy();
  });

  it("azure: a wrong account key fails with auth_failed; a missing container with bucket_not_found", async () => {
    const bad = (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ account_key: Buffer.from("wrong-key").toString("base64") }) })).body;
    expect((await api("POST", `connectors/${bad.connector_id}/test`, { apiKey: w.apiKey })).body).toMatchObject({ success: false, error_code: "auth_failed" });
    const missing = (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody({ container: "no-such-container-x" }) })).body;
    expect((await api("POST", `connectors/${missing.connector_id}/test`, { apiKey: w.apiKey })).body).toMatchObject({ success: false, error_code: "bucket_not_found" });
  });
});

describe("azure service principal (ClientSecretCredential against Azurite in OAuth mode)", () => {
  it("tests successfully with the right client secret and fails with auth_failed with a wrong one", async () => {
    const oa = emu.env.azureOAuth!;
    const container = uniqueName("sp").toLowerCase();
    const body = (secret: string) => ({
      name: "sp", storage_account: "devstoreaccount1", container, tenant_id: oa.tenantId, client_id: oa.clientId, client_secret: secret,
      endpoint: oa.endpoint, scopes: ["import", "export"],
    });
    // the container must exist: create it through the API's own provider path by testing export with a seeded container
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const { ClientSecretCredential } = await import("@azure/identity");
    const cred = new ClientSecretCredential(oa.tenantId, oa.clientId, oa.clientSecret, { authorityHost: oa.authorityHost, disableInstanceDiscovery: true });
    await new BlobServiceClient(oa.endpoint, cred).getContainerClient(container).createIfNotExists();

    const good = (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: body(oa.clientSecret) })).body;
    expect(good.auth_method).toBe("service_principal");
    const ok = await api("POST", `connectors/${good.connector_id}/test`, { apiKey: w.apiKey });
    expect(ok.body).toMatchObject({ success: true, error_code: null });
    const bad = (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: body("wrong-client-secret") })).body;
    const fail = await api("POST", `connectors/${bad.connector_id}/test`, { apiKey: w.apiKey });
    expect(fail.body).toMatchObject({ success: false, error_code: "auth_failed" });
  });
});

describe("browse", () => {
  let ids: Record<"s3" | "azure" | "gcs", string>;
  beforeAll(async () => {
    ids = {
      s3: (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body() })).body.connector_id,
      azure: (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: azureBody() })).body.connector_id,
      gcs: (await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: gcsForm({ name: "g", bucket, gcp_project_id: "p", endpoint: emu.env.gcs!.endpoint }) })).body.connector_id,
    };
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    ["base-name glob, recursive", { prefix: "media/", pattern: "*.mp4" }, ["media/a.mp4", "media/sub/c.mp4", "media/sub/deep/d.mp4"]],
    ["direct children only", { prefix: "media/", pattern: "*.mp4", recursive: false }, ["media/a.mp4"]],
    ["path glob relative to prefix", { prefix: "media/", pattern: "sub/*.mp4" }, ["media/sub/c.mp4"]],
    ["globstar", { prefix: "media/", pattern: "sub/**/*.mp4" }, ["media/sub/c.mp4", "media/sub/deep/d.mp4"]],
    ["braces", { prefix: "media/", pattern: "*.{mov,txt}" }, ["media/b.mov", "media/sub/notes.txt"]],
    ["case-sensitive", { prefix: "media/", pattern: "*.MP4" }, []],
    ["unicode and punctuation", { prefix: "hello? sausage/", pattern: "*.txt" }, ["hello? sausage/êé/Hello, 世界/ \" ' @ < > & ? + ≠/z.txt"]],
  ];
  for (const provider of ["s3", "azure", "gcs"] as const) {
    it.each(cases)(`${provider}: %s`, async (_n, body, expected) => {
      const res = await api("POST", `connectors/${ids[provider]}/browse`, { apiKey: w.apiKey, json: body });
      expect(res.status).toBe(200);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual([...expected].sort());
    });
  }

  it("answers entries in the contract's shape", async () => {
    const res = await api("POST", `connectors/${ids.s3}/browse`, { apiKey: w.apiKey, json: { prefix: "media/", pattern: "a.mp4" } });
    expect(res.body).toEqual([{ path: "media/a.mp4", name: "a.mp4", size_bytes: 4, last_modified: expect.stringMatching(/Z$/), content_type: "video/mp4", extension: "mp4", etag: expect.any(String) }]);
  });

  it("pages with limit, X-Next-Cursor and cursor, and refuses a foreign cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await api("POST", `connectors/${ids.gcs}/browse`, { apiKey: w.apiKey, json: { prefix: "media/", pattern: "*", limit: 2, cursor } });
      seen.push(...res.body.map((e: { path: string }) => e.path));
      cursor = res.headers.get("x-next-cursor") ?? undefined;
      if (!cursor) break;
      expect(res.body).toHaveLength(2);
    }
    expect(seen.sort()).toEqual(["media/a.mp4", "media/b.mov", "media/sub/c.mp4", "media/sub/deep/d.mp4", "media/sub/notes.txt"]);
    const first = await api("POST", `connectors/${ids.gcs}/browse`, { apiKey: w.apiKey, json: { prefix: "media/", limit: 1 } });
    const foreign = await api("POST", `connectors/${ids.gcs}/browse`, { apiKey: w.apiKey, json: { prefix: "other/", cursor: first.headers.get("x-next-cursor") } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("invalid_cursor");
  });

  it("folders appear with include_folders (+) for the UI", async () => {
    const res = await api("POST", `connectors/${ids.azure}/browse`, { apiKey: w.apiKey, json: { prefix: "media/", recursive: false, include_folders: true } });
    expect(res.body.filter((e: { type: string }) => e.type === "folder").map((e: { path: string }) => e.path)).toEqual(["media/sub/"]);
  });
});

describe("patch, disable, delete", () => {
  it("changes mutable fields, refuses immutable ones, rotates credentials, and disabled connectors refuse browses", async () => {
    const c = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body() })).body;
    const renamed = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { name: "Renamed", scopes: ["export"], import_mode: "new_only", export_base_path: "out" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Renamed", scopes: ["export"], import_mode: "new_only", export_base_path: "out", bucket });
    for (const field of ["bucket", "provider", "container", "storage_account"]) {
      const res = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { [field]: "x" } });
      expect(res.status).toBe(422);
      expect(res.body.error.details.fields).toEqual([{ field, message: "is immutable" }]);
    }
    const half = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { aws_secret_access_key: "only-one" } });
    expect(half.status).toBe(422);
    const rotated = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { aws_access_key_id: "AKIAROTATED00001", aws_secret_access_key: "rotated" } });
    expect(rotated.body.credential_hint).toBe("AKIA…0001");
    const disabled = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { status: "disabled" } });
    expect(disabled.body.status).toBe("disabled");
    const browse = await api("POST", `connectors/${c.connector_id}/browse`, { apiKey: w.apiKey, json: {} });
    expect(browse.status).toBe(409);
    expect(browse.body.error.code).toBe("connector_disabled");
    const wrongProvider = await api("PATCH", `connectors/${c.connector_id}`, { apiKey: w.apiKey, json: { account_key: "abc=" } });
    expect(wrongProvider.status).toBe(422);
  });

  it("deletes (then 404), hides other workspaces' connectors, and needs admin", async () => {
    const c = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: s3Body() })).body;
    const other = await newWorkspace(["write"]);
    expect((await api("GET", `connectors/${c.connector_id}`, { apiKey: other.apiKey })).status).toBe(404);
    // browse reads the connector while the key is checked: another workspace's row is still not found
    const foreign = await api("POST", `connectors/${c.connector_id}/browse`, { apiKey: other.apiKey, json: {} });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("connector_not_found");
    // and an unauthenticated browse is a 401 whatever that read found
    expect((await api("POST", `connectors/${c.connector_id}/browse`, { json: {} })).status).toBe(401);
    expect((await api("DELETE", `connectors/${c.connector_id}`, { apiKey: other.apiKey })).status).toBe(403);
    const del = await api("DELETE", `connectors/${c.connector_id}`, { apiKey: w.apiKey });
    expect(del.status).toBe(200);
    expect(del.body.message).toContain(c.connector_id);
    expect((await api("GET", `connectors/${c.connector_id}`, { apiKey: w.apiKey })).status).toBe(404);
    expect(await db.connector.count({ where: { id: c.connector_id } })).toBe(0);
  });

  it("lists as a bare array, newest first", async () => {
    const res = await api("GET", "connectors?limit=3", { apiKey: w.apiKey });
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(3);
    const ids = res.body.map((c: { connector_id: string }) => c.connector_id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(res.headers.get("x-next-cursor")).toBeTruthy();
  });
});
