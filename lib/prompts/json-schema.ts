import Ajv, { type ValidateFunction } from "ajv";
import type { FieldError } from "@/lib/api/errors";

// Prompt schemas are real JSON Schemas, checked by ajv (draft-07 meta-schema) and compiled once, so an
// engine's output can be validated against exactly what the user wrote.
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });

/** Problems with `schema` as a prompt output schema (root must be `type: "object"`), as field errors. */
export function checkOutputSchema(schema: unknown, field: string): FieldError[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    return [{ field, message: "must be a JSON Schema object" }];
  }
  const s = schema as Record<string, unknown>;
  if (s.type !== "object") return [{ field: `${field}.type`, message: 'the root of the schema must have type "object"' }];
  if (!ajv.validateSchema(s)) {
    return (ajv.errors ?? []).slice(0, 10).map((e) => ({
      field: `${field}${e.instancePath ? e.instancePath.replaceAll("/", ".") : ""}`,
      message: `not a valid JSON Schema: ${e.message ?? "invalid"}`,
    }));
  }
  try {
    ajv.compile(s);
  } catch (err) {
    return [{ field, message: `not a valid JSON Schema: ${(err as Error).message.slice(0, 300)}` }];
  }
  return [];
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `value` against `schema`; returns readable messages (empty = valid). */
export function validateAgainst(schema: object, value: unknown): string[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return [];
  return (fn.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`);
}
