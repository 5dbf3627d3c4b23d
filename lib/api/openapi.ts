import { z } from "zod";
import { ERROR_CODES } from "./errors";
import type { Operation } from "./operation";

type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete out.$schema;
  return out;
}

const ErrorEnvelope: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "details", "request_id", "timestamp"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_CODES) },
        message: { type: "string" },
        details: { type: "object" },
        request_id: { type: "string" },
        timestamp: { type: "string", format: "date-time" },
      },
    },
  },
};

function pathParams(path: string) {
  return [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({
    name: m[1], in: "path", required: true, schema: { type: "string" },
  }));
}

function queryParams(op: Operation) {
  if (!op.query) return [];
  const js = schemaOf(op.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, schema]) => ({
    name, in: "query", required: (js.required ?? []).includes(name), schema,
  }));
}

/** OpenAPI 3.1 built from the same zod schemas the handlers parse with. */
export function buildOpenApiDocument(operations: Operation[], serverUrl = "/api/v2") {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const status = String(op.status ?? 200);
    const responses: Record<string, unknown> = {};
    if (status === "204") responses[status] = { description: "No content" };
    else {
      const headers = op.list === "array"
        ? { "X-Next-Cursor": { description: "Cursor of the next page, when there is one", schema: { type: "string" } } }
        : undefined;
      responses[status] = {
        description: op.summary,
        ...(headers ? { headers } : {}),
        content: op.responseMediaType
          ? { [op.responseMediaType]: { schema: { type: "string", format: "binary" } } }
          : { "application/json": { schema: op.response ? schemaOf(op.response, "output") : {} } },
      };
    }
    responses.default = { description: "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };

    const operation: Record<string, unknown> = {
      operationId: op.id,
      summary: op.summary,
      tags: [op.tag],
      parameters: [...pathParams(op.path), ...queryParams(op)],
      responses,
      security: op.scope === "none" ? [] : op.auth === "session" ? [{ sessionCookie: [] }] : [{ apiKey: [] }, { bearer: [] }, { sessionCookie: [] }],
      "x-required-scope": op.scope,
    };
    if (op.body) {
      const mediaType = op.bodyKind === "multipart" ? "multipart/form-data" : "application/json";
      operation.requestBody = { required: !op.bodyOptional, content: { [mediaType]: { schema: schemaOf(op.body, "input") } } };
    }
    paths[op.path] ??= {};
    paths[op.path][op.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Gantry API",
      version: "2.0.0",
      description: "Storage-workflow API (wire-compatible with the VideoVector /api/v2 storage surface).",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: ErrorEnvelope },
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        bearer: { type: "http", scheme: "bearer" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "authjs.session-token" },
      },
    },
  };
}
