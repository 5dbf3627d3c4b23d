import { createHash } from "node:crypto";
import type { z } from "zod";
import { ApiError, type FieldError } from "./errors";

/** Reads a request body with a hard cap, whatever Content-Length claims. */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function tooLarge(max: number): ApiError {
  return new ApiError("payload_too_large", `The request body exceeds the limit of ${max} bytes.`, { limit_bytes: max });
}

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ field: [...issue.path, key].join("."), message: "unknown field" });
    } else {
      out.push({ field: issue.path.join(".") || "(body)", message: issue.message });
    }
  }
  return out;
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown, where: "body" | "query" = "body"): T {
  const r = schema.safeParse(input);
  if (!r.success) throw ApiError.validation(zodFieldErrors(r.error), where === "query" ? "The query parameters are invalid." : undefined);
  return r.data;
}

export function parseJsonBody(raw: Buffer, contentType: string | null): unknown {
  if (raw.length === 0) return {};
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON.");
  }
}

export type UploadedFile = { filename: string; contentType: string; bytes: Buffer };
export type MultipartFields = Record<string, string | string[] | UploadedFile>;

/** Multipart form → plain object: repeated fields become arrays, file parts become UploadedFile. */
export async function parseMultipart(raw: Buffer, contentType: string | null): Promise<{ fields: MultipartFields; fingerprint: string }> {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the body as multipart/form-data.");
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new ApiError("invalid_multipart", "The multipart body could not be parsed.");
  }
  const fields: MultipartFields = {};
  // Fingerprint over field values and file bytes (not the boundary), so a retried upload matches.
  const hash = createHash("sha256");
  const keys = [...new Set([...form.keys()])].sort();
  for (const key of keys) {
    const values = form.getAll(key);
    const converted: (string | UploadedFile)[] = [];
    for (const v of values) {
      if (typeof v === "string") {
        converted.push(v);
        hash.update(`${key}=s:${v}\n`);
      } else {
        const bytes = Buffer.from(await v.arrayBuffer());
        converted.push({ filename: v.name, contentType: v.type, bytes });
        hash.update(`${key}=f:${createHash("sha256").update(bytes).digest("hex")}\n`);
      }
    }
    const strings = converted.filter((c): c is string => typeof c === "string");
    fields[key] = converted.length === 1 ? converted[0] : strings.length === converted.length ? strings : converted[0];
  }
  return { fields, fingerprint: hash.digest("hex") };
}
