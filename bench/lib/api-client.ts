// HTTP side of the browse bench: the public /api/v2 API of a running Gantry, through fetch (undici,
// keep-alive), exactly as an API client would call it.
import { serviceAccountFile } from "../../tests/helpers/storage-seed";
import type { EmulatorEnv } from "../../scripts/emulators/index";
import type { ProviderName, Target } from "./storage";

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  async call(method: string, path: string, init: { json?: unknown; form?: FormData } = {}): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { "x-api-key": this.apiKey };
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    } else if (init.form) {
      body = init.form;
    }
    const res = await fetch(`${this.baseUrl}/api/v2/${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async createConnector(target: Target, env: EmulatorEnv, name: string): Promise<string> {
    let res;
    switch (target.provider) {
      case "s3": {
        const e = env.s3!;
        res = await this.call("POST", "connectors/s3", {
          json: {
            name,
            bucket: target.bucket,
            region: e.region,
            aws_access_key_id: e.accessKeyId,
            aws_secret_access_key: e.secretAccessKey,
            endpoint: e.endpoint,
            force_path_style: true,
          },
        });
        break;
      }
      case "azure": {
        const e = env.azure!;
        res = await this.call("POST", "connectors/azure", {
          json: { name, storage_account: e.accountName, container: target.bucket, account_key: e.accountKey, endpoint: e.endpoint },
        });
        break;
      }
      case "gcs": {
        const fd = new FormData();
        fd.append("name", name);
        fd.append("bucket", target.bucket);
        fd.append("gcp_project_id", "gantry-bench");
        fd.append("endpoint", env.gcs!.endpoint);
        fd.append("credentials_file", new Blob([JSON.stringify(serviceAccountFile())], { type: "application/json" }), "key.json");
        res = await this.call("POST", "connectors/gcs", { form: fd });
        break;
      }
    }
    if (res.status !== 201) throw new Error(`creating the ${target.provider} connector: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { connector_id: string }).connector_id;
  }

  /**
   * Browses everything under the prefix, following X-Next-Cursor; returns the entry count and the
   * wall-clock ms of each request (response fully read and parsed).
   */
  async browseAll(connectorId: string, prefix: string, limit: number): Promise<{ count: number; pages: number[]; firstPath?: string }> {
    let cursor: string | undefined;
    let count = 0;
    let firstPath: string | undefined;
    const pages: number[] = [];
    do {
      const t = performance.now();
      const res = await fetch(`${this.baseUrl}/api/v2/connectors/${connectorId}/browse`, {
        method: "POST",
        headers: { "x-api-key": this.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ prefix, pattern: "*", recursive: true, limit, ...(cursor ? { cursor } : {}) }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`browse: HTTP ${res.status} ${text.slice(0, 500)}`);
      const entries = JSON.parse(text) as Array<{ path: string }>;
      pages.push(performance.now() - t);
      count += entries.length;
      firstPath ??= entries[0]?.path;
      cursor = res.headers.get("x-next-cursor") ?? undefined;
    } while (cursor);
    return { count, pages, firstPath };
  }
}

export type { ProviderName };
