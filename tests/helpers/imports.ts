import { readFileSync } from "node:fs";
import path from "node:path";
import { api } from "./api";

export const MEDIA_DIR = path.resolve(__dirname, "../fixtures/media");
export const fixture = (name: string) => readFileSync(path.join(MEDIA_DIR, name));

/** Polls GET /import-jobs/{id} until it reaches a terminal status (or times out with the last state). */
export async function waitForJob(apiKey: string, jobId: string, timeoutMs = 60_000, until = ["completed", "failed", "cancelled"]) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await api("GET", `import-jobs/${jobId}`, { apiKey });
    if (until.includes(last.body.status)) return last.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${last.body.status}: ${JSON.stringify(last.body.progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
