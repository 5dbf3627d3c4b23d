import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { api } from "../helpers/api";
import { listRouteFiles } from "../helpers/routes";

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const res = await api("GET", "openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every method of every route file under app/api/v2", async () => {
    const doc = (await api("GET", "openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const routes = listRouteFiles().filter((r) => r.pattern !== "/openapi.json");
    let checked = 0;
    for (const r of routes) {
      const methods = [...readFileSync(r.file, "utf8").matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
      expect(methods.length, r.file).toBeGreaterThan(0);
      for (const m of methods) {
        expect(doc.paths[r.pattern]?.[m.toLowerCase()], `${m} ${r.pattern}`).toBeDefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it("describes request bodies from the handlers' zod schemas (strict: no additional properties)", async () => {
    const doc = (await api("GET", "openapi.json")).body;
    const schema = doc.paths["/indexes"].post.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("documents exports and the export automation (optional create body, streamed download)", async () => {
    const doc = (await api("GET", "openapi.json")).body;
    const create = doc.paths["/exports/index/{index_id}"].post;
    expect(create.requestBody.required).toBe(false);
    expect(Object.keys(create.requestBody.content["application/json"].schema.properties).sort()).toEqual(
      ["destination_connector_id", "destination_subpath", "format", "prompt_run_ids"]);
    expect(create.responses["202"]).toBeDefined();
    expect(doc.paths["/exports/{export_id}/download"].get.responses["200"].content["application/octet-stream"]).toBeDefined();
    expect(Object.keys(doc.paths["/exports/{export_id}/download-url"].post.responses["200"].content["application/json"].schema.properties).sort())
      .toEqual(["destination_connector_id", "destination_type", "download_url", "export_id", "status"]);
    expect(Object.keys(doc.paths["/indexes/{index_id}/automations/export"]).sort()).toEqual(["delete", "get", "put"]);
    expect(doc.paths["/exports"].get["x-required-scope"]).toBe("read");
  });
});
