import { ApiError } from "@/lib/api/errors";
import { env } from "@/lib/config/env";
import { openAiEngine } from "./openai";
import { probeEngine } from "./probe";
import type { ExtractionEngine } from "./types";

export const ENGINES: Record<ExtractionEngine["name"], ExtractionEngine> = { probe: probeEngine, openai: openAiEngine };

/**
 * processing_model → engine. "probe" (the default) is always available; "llm", or the configured
 * GANTRY_LLM_MODEL name, selects the OpenAI-compatible engine when GANTRY_LLM_BASE_URL is set.
 */
export function resolveEngine(processingModel: string | undefined | null, field = "processing_model"): { engine: ExtractionEngine["name"]; processingModel: string; model: string | null } {
  const requested = processingModel ?? "probe";
  if (requested === "probe") return { engine: "probe", processingModel: "probe", model: null };
  const e = env();
  if (requested === "llm" || (e.GANTRY_LLM_MODEL && requested === e.GANTRY_LLM_MODEL)) {
    if (!e.GANTRY_LLM_BASE_URL || !e.GANTRY_LLM_MODEL) {
      throw ApiError.validation([{ field, message: "the OpenAI-compatible engine is not configured on this server (GANTRY_LLM_BASE_URL, GANTRY_LLM_MODEL)" }]);
    }
    return { engine: "openai", processingModel: requested, model: e.GANTRY_LLM_MODEL };
  }
  const allowed = ["probe", ...(e.GANTRY_LLM_BASE_URL && e.GANTRY_LLM_MODEL ? ["llm", e.GANTRY_LLM_MODEL] : [])];
  throw ApiError.validation([{ field, message: `unknown processing model; available: ${allowed.join(", ")}` }]);
}

/** Whether this process can run `engine` (the OpenAI-compatible one needs its configuration here). */
export function engineAvailableHere(engine: string): boolean {
  if (engine !== "openai") return true;
  const e = env();
  return !!(e.GANTRY_LLM_BASE_URL && e.GANTRY_LLM_MODEL);
}
