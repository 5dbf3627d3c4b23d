import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError, type FieldError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { pageByIdDesc } from "@/lib/api/pagination";
import { Prisma, type Prompt } from "@/lib/generated/prisma/client";
import { checkOutputSchema } from "./json-schema";
import type { PromptBody, PromptObject } from "./schemas";

type Body = z.infer<typeof PromptBody>;

export function toPromptDto(p: Prompt): z.infer<typeof PromptObject> {
  return {
    prompt_id: p.id,
    name: p.name,
    description: p.description,
    prompt_text: p.promptText,
    json_schema: p.jsonSchema as Record<string, unknown>,
    video_level: (p.videoLevel as z.infer<typeof PromptObject>["video_level"]) ?? null,
    is_active: p.isActive,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

function assertSchemas(body: Body): void {
  const errors: FieldError[] = [...checkOutputSchema(body.json_schema, "json_schema")];
  if (body.video_level?.json_schema) errors.push(...checkOutputSchema(body.video_level.json_schema, "video_level.json_schema"));
  if (errors.length) throw ApiError.validation(errors, "The prompt's JSON Schema is invalid.");
}

function columns(body: Body) {
  return {
    name: body.name,
    description: body.description ?? null,
    promptText: body.prompt_text,
    jsonSchema: body.json_schema as object,
    videoLevel: body.video_level ? (body.video_level as object) : Prisma.DbNull,
    isActive: body.is_active,
  };
}

export async function createPrompt(workspaceId: string, body: Body) {
  assertSchemas(body);
  return db.prompt.create({ data: { id: newId("prompt"), workspaceId, ...columns(body) } });
}

export async function getPrompt(workspaceId: string, promptId: string) {
  const p = await db.prompt.findFirst({ where: { id: promptId, workspaceId } });
  if (!p) throw ApiError.notFound("prompt_not_found", "prompt", promptId);
  return p;
}

export async function listPrompts(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.prompt.findMany({ where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take }),
  );
}

/** PUT: full replacement of the mutable fields. Runs already started keep their snapshot. */
export async function replacePrompt(workspaceId: string, promptId: string, body: Body) {
  await getPrompt(workspaceId, promptId);
  assertSchemas(body);
  return db.prompt.update({ where: { id: promptId }, data: columns(body) });
}

export async function deletePrompt(workspaceId: string, promptId: string): Promise<void> {
  await getPrompt(workspaceId, promptId);
  await db.prompt.deleteMany({ where: { id: promptId, workspaceId } });
}
