/**
 * Azure Blob emulation with Azurite (npm azurite@3.37.0, pinned: older versions refuse the SDK's API
 * version without --skipApiVersionCheck, which we do not pass).
 *
 * - startAzurite(): plain HTTP, shared-key / SAS auth, account devstoreaccount1 and its well-known key.
 * - startAzuriteOAuth(): HTTPS Azurite with `--oauth basic` plus a small local HTTPS token endpoint
 *   that speaks enough of the Microsoft identity platform v2 protocol for
 *   `ClientSecretCredential(tenantId, clientId, clientSecret, { authorityHost, disableInstanceDiscovery: true })`.
 *
 * TLS trust for the OAuth instance: the certificates come from a throwaway test CA (ensureTestCa).
 * In-process, no environment variable needed: pass `tlsOptions.ca` to both SDKs (withTestCa):
 *
 *   const credential = new ClientSecretCredential(tenantId, clientId, clientSecret,
 *     withTestCa({ authorityHost, disableInstanceDiscovery: true }, oauth.caPem));
 *   const service = new BlobServiceClient(oauth.endpoint, credential, withTestCa({}, oauth.caPem));
 *
 * Without trust, the credential fails with CredentialUnavailableError "endpoints_resolution_error".
 *
 * Code that cannot take TLS options (e.g. the application's own Azure provider) can instead run in a
 * process started with NODE_EXTRA_CA_CERTS=<caCertPath>: Node reads it only at process start, so the
 * CA must exist before the process (e.g. the vitest fork workers) starts: call ensureTestCa() from the
 * parent (vitest globalSetup) and pass the same dir to startAzuriteOAuth({ caDir }).
 *
 * Azurite's basic OAuth check (verified in its BlobTokenAuthenticator): HTTPS only; the token is
 * decoded, not verified; it needs iat/nbf/exp in range, `iss` starting with https://sts.windows.net/
 * (or another Azure STS prefix; the v2 `https://login.microsoftonline.com/{tenant}/v2.0` issuer is
 * REJECTED), and `aud` https://storage.azure.com (or the account's own blob URL).
 */
import type { ChildProcess } from "node:child_process";
import { createHmac, randomUUID, X509Certificate } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import https from "node:https";
import tls from "node:tls";
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { killPid, logTails, pollUntil, repoRoot, runCommand, spawnDaemon } from "./util";

export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
/** Azurite's documented, public development-storage key. */
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Fixed service-principal test values accepted by the local token endpoint. */
export const AZURE_TEST_TENANT_ID = "6a7a6e74-7279-4000-8000-00000000a2e0";
export const AZURE_TEST_CLIENT_ID = "c11e0001-6a7a-4e74-8000-00000000a2e1";
export const AZURE_TEST_CLIENT_SECRET = "gantry-test-client-secret~0123456789";

export interface AzuriteHandle {
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  endpoint: string;
  port: number;
  accountName: typeof AZURITE_ACCOUNT_NAME;
  accountKey: string;
  /** Shared-key connection string for tools that want one. */
  connectionString: string;
  dir: string;
  bootMs: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Port on 127.0.0.1 (default: a free one chosen by the OS). */
  port?: number;
  /** Workspace dir (absent or empty; default: a fresh temp dir). Removed on stop() unless keepDir. */
  dir?: string;
  /** Keep data in memory instead of `dir` (Azurite's --inMemoryPersistence). Default false. */
  inMemory?: boolean;
  /** --loose: ignore unsupported headers/params instead of failing. Default false (strict like Azure). */
  loose?: boolean;
  timeoutMs?: number;
  keepDir?: boolean;
  log?: (msg: string) => void;
}

export interface TestCa {
  dir: string;
  /** PEM of the CA to trust (NODE_EXTRA_CA_CERTS or withTestCa). */
  caCertPath: string;
  caPem: string;
  /** Server certificate (SAN 127.0.0.1, ::1, localhost) and key, signed by the CA. */
  certPath: string;
  keyPath: string;
}

export interface AzuriteOAuthHandle extends Omit<AzuriteHandle, "connectionString"> {
  /** https://127.0.0.1:P/devstoreaccount1 (the account key also works here). */
  endpoint: string;
  connectionString: string;
  /** Token service root, e.g. https://127.0.0.1:T (pass as `authorityHost`). */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  caPem: string;
  /** Requests the token endpoint received (method + path + outcome), for assertions and debugging. */
  tokenRequests: Array<{ method: string; path: string; status: number; clientId?: string }>;
}

export interface AzuriteOAuthOptions extends Omit<AzuriteOptions, "loose"> {
  loose?: boolean;
  /** CA dir from ensureTestCa() (default: ensureTestCa() of the default dir). */
  caDir?: string;
  /** Port for the token endpoint (default: free). */
  tokenPort?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (default 3600). */
  tokenLifetimeSec?: number;
}

// ---------------------------------------------------------------------------------------------------

function azuriteMainJs(): string {
  const candidates = [
    path.join(process.cwd(), "node_modules", "azurite", "dist", "src", "blob", "main.js"),
    path.join(repoRoot, "node_modules", "azurite", "dist", "src", "blob", "main.js"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`azurite: not installed (looked for ${candidates.join(", ")}); run npm ci`);
  return found;
}

function prepareDir(dir: string | undefined, prefix: string): string {
  if (!dir) return mkdtempSync(path.join(os.tmpdir(), prefix));
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) throw new Error(`azurite: dir ${abs} is not empty`);
  mkdirSync(abs, { recursive: true });
  return abs;
}

interface AzuriteProcess {
  port: number;
  child: ChildProcess;
}

async function launchAzurite(
  dir: string,
  logFile: string,
  opts: AzuriteOptions & { tls?: { certPath: string; keyPath: string }; oauth?: boolean },
): Promise<AzuriteProcess> {
  const args = [azuriteMainJs(), "--blobHost", "127.0.0.1", "--blobPort", String(opts.port ?? 0)];
  if (opts.inMemory) args.push("--inMemoryPersistence");
  else args.push("--location", path.join(dir, "data"));
  args.push("--disableTelemetry", "--silent");
  if (opts.loose) args.push("--loose");
  if (opts.tls) args.push("--cert", opts.tls.certPath, "--key", opts.tls.keyPath);
  if (opts.oauth) args.push("--oauth", "basic");
  if (!opts.inMemory) mkdirSync(path.join(dir, "data"), { recursive: true });

  const child = spawnDaemon(process.execPath, args, logFile, { cwd: dir });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Azurite prints "successfully listens on http(s)://127.0.0.1:PORT" (the real port, also for port 0).
  let port = 0;
  const ok = await pollUntil(
    () => {
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(readFileSync(logFile, "utf8"));
      if (m) port = Number(m[1]);
      return port > 0;
    },
    {
      timeoutMs,
      intervalMs: 50,
      abort: () =>
        child.exitCode !== null || child.signalCode !== null
          ? `azurite exited early (${child.signalCode ?? `code ${child.exitCode}`})\n${logTails([["azurite", logFile]])}`
          : null,
    },
  );
  if (!ok) {
    child.kill("SIGKILL");
    throw new Error(`azurite did not listen within ${timeoutMs} ms\n${logTails([["azurite", logFile]])}`);
  }
  return { port, child };
}

function connectionString(endpoint: string): string {
  return (
    `DefaultEndpointsProtocol=${endpoint.startsWith("https") ? "https" : "http"};AccountName=${AZURITE_ACCOUNT_NAME};` +
    `AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${endpoint};`
  );
}

/** Plain-HTTP Azurite (shared key, SAS). */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const t0 = Date.now();
  const dir = prepareDir(options.dir, "gantry-azurite-");
  const logFile = path.join(dir, "azurite.log");
  let proc: AzuriteProcess;
  try {
    proc = await launchAzurite(dir, logFile, options);
  } catch (err) {
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${proc.port}/${AZURITE_ACCOUNT_NAME}`;
  const bootMs = Date.now() - t0;
  options.log?.(`azurite: ready at ${endpoint} in ${bootMs} ms`);
  let stopped = false;
  return {
    endpoint,
    port: proc.port,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    connectionString: connectionString(endpoint),
    dir,
    bootMs,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc.child.pid) await killPid(proc.child.pid, 3000);
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- test CA ---------------------------------------------------------------------------------------

export function defaultTestCaDir(): string {
  return path.join(os.tmpdir(), "gantry-test-ca");
}

function readCa(dir: string): TestCa | null {
  const caCertPath = path.join(dir, "ca.pem");
  const certPath = path.join(dir, "server.pem");
  const keyPath = path.join(dir, "server-key.pem");
  if (![caCertPath, certPath, keyPath].every((p) => existsSync(p))) return null;
  try {
    const caPem = readFileSync(caCertPath, "utf8");
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(readFileSync(certPath));
    const dayMs = 24 * 3600 * 1000;
    // Reuse only while both are valid for at least another day and the leaf was issued by this CA.
    if (Date.parse(leaf.validTo) - Date.now() < dayMs || Date.parse(ca.validTo) - Date.now() < dayMs) return null;
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return null;
    if (!leaf.checkIP("127.0.0.1") || !leaf.checkHost("localhost")) return null;
    return { dir, caCertPath, caPem, certPath, keyPath };
  } catch {
    return null;
  }
}

/**
 * Creates (once) a throwaway CA and a server certificate for 127.0.0.1/::1/localhost in `dir`
 * (default: $TMPDIR/gantry-test-ca) with openssl, and returns their paths. Idempotent and safe to call
 * from several processes at once (generated in a side dir, then renamed into place).
 * The CA's private key stays in `dir`; it is a test-only CA, never trust it outside tests.
 */
export async function ensureTestCa(dir: string = defaultTestCaDir()): Promise<TestCa> {
  dir = path.resolve(dir);
  const existing = readCa(dir);
  if (existing) return existing;

  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await runCommand("openssl", [
      "req", "-x509", "-new", ...ec, "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "3650",
      "-subj", "/CN=Gantry Test CA (throwaway)",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ], { cwd: work });
    await runCommand("openssl", [
      "req", "-new", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
    ], { cwd: work });
    writeFileSync(
      path.join(work, "server.ext"),
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
        "",
      ].join("\n"),
    );
    await runCommand("openssl", [
      "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
      "-out", "server.pem", "-days", "825", "-sha256", "-extfile", "server.ext",
    ], { cwd: work });
    if (existsSync(dir)) {
      // Someone else finished first, or an old/invalid set is there.
      const raced = readCa(dir);
      if (raced) return raced;
      rmSync(dir, { recursive: true, force: true });
    }
    try {
      renameSync(work, dir);
    } catch (err) {
      const raced = readCa(dir);
      if (raced) return raced;
      throw err;
    }
    const made = readCa(dir);
    if (!made) throw new Error(`ensureTestCa: generated certificates in ${dir} do not validate`);
    return made;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Returns `options` with `tlsOptions.ca` set to the system roots plus `caPem`, for the Azure SDKs:
 *
 *   new ClientSecretCredential(tenantId, clientId, secret, withTestCa({ authorityHost, disableInstanceDiscovery: true }, caPem))
 *   new BlobServiceClient(endpoint, credential, withTestCa({}, caPem))
 *
 * Why this works: both SDKs build their pipeline with core-rest-pipeline's createPipelineFromOptions,
 * which adds a tlsPolicy for `tlsOptions`; the Node HTTP client spreads those settings into the
 * https.Agent it creates, so `ca` reaches TLS. `ca` is not in the declared TlsSettings type (and
 * StoragePipelineOptions does not declare tlsOptions at all, though getCoreClientOptions passes it
 * on), hence the casts. Verified with @azure/storage-blob 12.32.0, @azure/identity 4.13.0,
 * @azure/core-rest-pipeline 1.24.0. A plain `httpClient` override does NOT work for storage-blob
 * (it expects a core-http v1 client there).
 */
export function withTestCa<T extends object>(options: T, caPem: string | string[]): T {
  const extra = Array.isArray(caPem) ? caPem : [caPem];
  const current = (options as { tlsOptions?: Record<string, unknown> }).tlsOptions ?? {};
  return { ...options, tlsOptions: { ...current, ca: [...tls.rootCertificates, ...extra] } } as T;
}

// --- OAuth (service principal) flavour --------------------------------------------------------------

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function makeJwt(payload: Record<string, unknown>, key: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function aadError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace("T", " ").replace("Z", "Z"),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

interface TokenServer {
  authorityHost: string;
  requests: AzuriteOAuthHandle["tokenRequests"];
  close(): Promise<void>;
}

async function startTokenServer(o: {
  ca: TestCa;
  port: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  lifetimeSec: number;
}): Promise<TokenServer> {
  const requests: TokenServer["requests"] = [];
  const signingKey = randomUUID();
  let base = "";
  const server = https.createServer(
    { cert: readFileSync(o.ca.certPath), key: readFileSync(o.ca.keyPath) },
    (req, res) => {
      void (async () => {
        const url = new URL(req.url ?? "/", base);
        const parts = url.pathname.split("/").filter(Boolean);
        const tenant = parts[0] ?? "";
        const rest = parts.slice(1).join("/");
        const record = (status: number, clientId?: string) =>
          requests.push({ method: req.method ?? "", path: url.pathname, status, clientId });
        const tenantOk = tenant === o.tenantId || tenant === "organizations" || tenant === "common";

        if (req.method === "GET" && rest === "v2.0/.well-known/openid-configuration") {
          if (!tenantOk) {
            record(400);
            return aadError(res, 400, "invalid_tenant", 90002, `Tenant '${tenant}' not found.`);
          }
          record(200);
          const t = `${base}/${tenant}`;
          return sendJson(res, 200, {
            token_endpoint: `${t}/oauth2/v2.0/token`,
            token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            jwks_uri: `${t}/discovery/v2.0/keys`,
            response_modes_supported: ["query", "fragment", "form_post"],
            subject_types_supported: ["pairwise"],
            id_token_signing_alg_values_supported: ["RS256"],
            response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
            scopes_supported: ["openid", "profile", "email", "offline_access"],
            issuer: `${t}/v2.0`,
            request_uri_parameter_supported: false,
            userinfo_endpoint: `${base}/oidc/userinfo`,
            authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
            device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
            http_logout_supported: true,
            frontchannel_logout_supported: true,
            end_session_endpoint: `${t}/oauth2/v2.0/logout`,
            claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid"],
            kerberos_endpoint: `${t}/kerberos`,
            tenant_region_scope: "EU",
            cloud_instance_name: "microsoftonline.com",
            cloud_graph_host_name: "graph.windows.net",
            msgraph_host: "graph.microsoft.com",
            rbac_url: "https://pas.windows.net",
          });
        }

        if (req.method === "POST" && rest === "oauth2/v2.0/token") {
          const form = new URLSearchParams(await readBody(req));
          let clientId = form.get("client_id") ?? "";
          let clientSecret = form.get("client_secret") ?? "";
          const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
          if (basic) {
            const [u, p] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
            clientId ||= decodeURIComponent(u ?? "");
            clientSecret ||= decodeURIComponent(p ?? "");
          }
          if (!tenantOk || tenant !== o.tenantId) {
            record(400, clientId);
            return aadError(res, 400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
          }
          if (form.get("grant_type") !== "client_credentials") {
            record(400, clientId);
            return aadError(res, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
          }
          if (clientId !== o.clientId) {
            record(400, clientId);
            return aadError(
              res, 400, "unauthorized_client", 700016,
              `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
            );
          }
          if (clientSecret !== o.clientSecret) {
            record(401, clientId);
            return aadError(
              res, 401, "invalid_client", 7000215,
              `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
            );
          }
          const scope = form.get("scope") ?? "";
          const resource = scope.split(" ").find((s) => s.endsWith("/.default"));
          if (!resource) {
            record(400, clientId);
            return aadError(res, 400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid.`);
          }
          const now = Math.floor(Date.now() / 1000);
          const aud = resource.slice(0, -"/.default".length);
          const oid = randomUUID();
          const accessToken = makeJwt(
            {
              aud,
              iss: `https://sts.windows.net/${o.tenantId}/`,
              iat: now - 5,
              nbf: now - 5,
              exp: now + o.lifetimeSec,
              appid: clientId,
              appidacr: "1",
              idp: `https://sts.windows.net/${o.tenantId}/`,
              oid,
              sub: oid,
              tid: o.tenantId,
              uti: randomUUID(),
              ver: "1.0",
            },
            signingKey,
          );
          record(200, clientId);
          return sendJson(res, 200, {
            token_type: "Bearer",
            expires_in: o.lifetimeSec,
            ext_expires_in: o.lifetimeSec,
            access_token: accessToken,
          });
        }

        record(404);
        return aadError(res, 404, "not_found", 90000, `No such endpoint on the test token service: ${req.method} ${url.pathname}`);
      })().catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: "server_error", error_description: err.message });
        else res.destroy();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  base = `https://127.0.0.1:${port}`;
  return {
    authorityHost: base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * HTTPS Azurite with `--oauth basic` and a local token endpoint for service-principal auth.
 * See the file header for how clients trust its certificate.
 */
export async function startAzuriteOAuth(options: AzuriteOAuthOptions = {}): Promise<AzuriteOAuthHandle> {
  const t0 = Date.now();
  const ca = await ensureTestCa(options.caDir);
  const dir = prepareDir(options.dir, "gantry-azurite-oauth-");
  const logFile = path.join(dir, "azurite.log");
  const tenantId = options.tenantId ?? AZURE_TEST_TENANT_ID;
  const clientId = options.clientId ?? AZURE_TEST_CLIENT_ID;
  const clientSecret = options.clientSecret ?? AZURE_TEST_CLIENT_SECRET;

  let proc: AzuriteProcess | undefined;
  let tokens: TokenServer | undefined;
  try {
    [proc, tokens] = await Promise.all([
      launchAzurite(dir, logFile, { ...options, tls: { certPath: ca.certPath, keyPath: ca.keyPath }, oauth: true }),
      startTokenServer({
        ca,
        port: options.tokenPort ?? 0,
        tenantId,
        clientId,
        clientSecret,
        lifetimeSec: options.tokenLifetimeSec ?? 3600,
      }),
    ]);
  } catch (err) {
    if (proc?.child.pid) await killPid(proc.child.pid, 2000);
    await tokens?.close();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const p = proc;
  const tk = tokens;
  const endpoint = `https://127.0.0.1:${p.port}/${AZURITE_ACCOUNT_NAME}`;
  const bootMs = Date.now() - t0;
  options.log?.(`azurite (oauth): ready at ${endpoint}, token service ${tk.authorityHost}, in ${bootMs} ms`);
  let stopped = false;
  return {
    endpoint,
    port: p.port,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    connectionString: connectionString(endpoint),
    dir,
    bootMs,
    authorityHost: tk.authorityHost,
    tenantId,
    clientId,
    clientSecret,
    caCertPath: ca.caCertPath,
    caPem: ca.caPem,
    tokenRequests: tk.requests,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([p.child.pid ? killPid(p.child.pid, 3000) : undefined, tk.close()]);
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
