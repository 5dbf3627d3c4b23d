import type { z } from "zod";
import type { Scope } from "@/lib/auth/scopes";
import type { ErrorCode } from "./errors";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

// One declaration per endpoint: the handler wrapper enforces it and the OpenAPI document is generated
// from it, so the two cannot drift apart.
export type Operation = {
  id: string;
  method: HttpMethod;
  /** Contract path under /api/v2, with {param} placeholders. */
  path: string;
  summary: string;
  tag: string;
  /** Minimum scope. "none" = public. */
  scope: Scope | "none";
  /** "session": only a signed-in user (API keys refused); "any": API key or session. */
  auth?: "any" | "session";
  body?: z.ZodType;
  /** "auto": JSON or multipart by Content-Type; the handler validates (e.g. per connector provider). */
  bodyKind?: "json" | "multipart" | "auto";
  query?: z.ZodType;
  response?: z.ZodType;
  /** Media type of a non-JSON success response (e.g. a streamed file). */
  responseMediaType?: string;
  /** The body may be omitted entirely (all its fields optional). */
  bodyOptional?: boolean;
  /** 200 by default; 201 for creations, 202 for accepted work, 204 for empty. */
  status?: number;
  /** "array": bare JSON array + X-Next-Cursor; "page": {data, pagination}. */
  list?: "array" | "page";
  rateClass?: "default" | "costly";
  errors?: ErrorCode[];
  /** Audit target type for mutations (defaults to tag). */
  auditTarget?: string;
};

export function defineOperation<const O extends Operation>(op: O): O {
  return op;
}
