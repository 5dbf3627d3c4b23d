import { z } from "zod";
import { SCOPES } from "@/lib/auth/scopes";

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1).max(4).default(["read"]),
    expires_in_days: z.number().int().min(1).max(365).optional(),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

export const ApiKeyObject = z.object({
  key_id: z.string(),
  name: z.string(),
  key_prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  status: z.enum(["active", "revoked", "expired"]),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const CreatedApiKey = ApiKeyObject.extend({ key: z.string() });
export const RotatedApiKey = z.object({ old_key_id: z.string(), new_key: z.string(), new_key_id: z.string() });
