import { z } from "zod";
import { loadOrCreateLocalSecrets } from "./local-secrets";

// Environment is parsed once, typed, at start-up (house rule 9). A bad value stops the process with a
// message naming the variable; secret values are never printed.
const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").optional(),
  GANTRY_DATABASE_MODE: z.enum(["embedded", "external"]).optional(),
  GANTRY_DATA_DIR: z.string().default(".data"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  GANTRY_KEK: z.string().optional(),
  GANTRY_PUBLIC_URL: z.string().url().optional(),
  GANTRY_OUTBOUND_ALLOWLIST: z.string().optional(),
  GANTRY_MAX_BODY_BYTES: int(1_048_576, 1024),
  GANTRY_RATE_LIMIT_PER_MINUTE: int(600, 1),
  GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE: int(60, 1),
  GANTRY_CRON_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  GANTRY_WORKER: z.enum(["inline", "off"]).default("inline"),
  GANTRY_WORKER_CONCURRENCY: int(4, 1),
  GANTRY_DB_POOL_SIZE: int(10, 1),
  GANTRY_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  GANTRY_SIGNUP: z.enum(["open", "closed"]).default("open"),
  GANTRY_AZURE_AUTHORITY_HOST: z.string().url().optional(),
  // Prompt runs: the OpenAI-compatible extraction engine (processing_model "llm" or the model's name).
  GANTRY_LLM_BASE_URL: z.string().url().optional(),
  GANTRY_LLM_API_KEY: z.string().optional(),
  GANTRY_LLM_MODEL: z.string().min(1).optional(),
  GANTRY_LLM_TIMEOUT_MS: int(120_000, 1000),
  GANTRY_PROMPT_RUN_CONCURRENCY: int(4, 1),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AUTH_TRUST_HOST: bool.optional(),
});

export type Env = z.infer<typeof EnvSchema> & { AUTH_SECRET: string; GANTRY_KEK: string; embedded: boolean };

export class EnvError extends Error {}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid Gantry configuration:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  const embedded = env.GANTRY_DATABASE_MODE === "embedded" || !env.DATABASE_URL;
  let { AUTH_SECRET, GANTRY_KEK } = env;
  if (!AUTH_SECRET || !GANTRY_KEK) {
    if (env.NODE_ENV === "production" && !embedded) {
      const missing = [!AUTH_SECRET && "AUTH_SECRET", !GANTRY_KEK && "GANTRY_KEK"].filter(Boolean);
      throw new EnvError(
        `Invalid Gantry configuration:\n  ${missing.join(", ")} must be set in production with PostgreSQL ` +
          `(generate with: npm run gantry -- secrets generate)`,
      );
    }
    const local = loadOrCreateLocalSecrets(env.GANTRY_DATA_DIR);
    AUTH_SECRET ??= local.AUTH_SECRET;
    GANTRY_KEK ??= local.GANTRY_KEK;
  }
  return { ...env, AUTH_SECRET: AUTH_SECRET!, GANTRY_KEK: GANTRY_KEK!, embedded };
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}
/** Tests change the environment between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
