// bench/RESULTS.md: a header explaining the benches' method (written once), then one dated section per run.
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "RESULTS.md");

const HEADER = `# Bench results

Measurements recorded by \`npm run bench -- <name>\`; each run appends a dated section below (newest last).
They are measurements, not tests: a run that misses its goal still exits 0 and says MISS.

## browse — HTTP API vs the providers' own SDK listing

Issue: "seed 10,000 objects on each emulator, then time browsing all of them through the HTTP API (pages of
1,000) against a raw SDK listing loop in the same run; print the ratio (goal: ≤ 1.15×) and peak memory."

Method (\`bench/browse.ts\`):

1. Storage emulators as in the test suite (\`scripts/emulators\`): S3 on Ceph radosgw (fauxqs when radosgw
   is not installed), Azure on Azurite (account key, HTTP), GCS on the project's JSON-API emulator (in a
   process of its own). Reused when \`GANTRY_TEST_*\` variables point at running ones.
2. Seeds N small objects (default 10,000; \`bench/<run id>/dir-NN/file-NNNNNN.mp4\`, a few bytes each) in a
   fresh bucket/container per provider, with bounded concurrency. Seeding time is printed, not counted.
3. Starts the real production server (\`tsx scripts/start.ts start\`: launcher + embedded PGlite database +
   \`next start\`) on a free port with a fresh data dir, rate limits raised out of the way, log level warn,
   outbound allowlist \`127.0.0.1,localhost\`. A user and an admin API key are made with the operator CLI
   (which borrows the server's embedded database through its owner lock). One connector per provider is
   created through the API.
4. Per provider: one warm-up of each side (not counted), then R rounds (default 3), alternating which side
   goes first to cancel drift:
   - **API**: \`POST /api/v2/connectors/{id}/browse\` \`{prefix, pattern: "*", recursive: true, limit: 1000}\`
     following \`X-Next-Cursor\` until it is absent; response bodies fully read and parsed (fetch, keep-alive).
   - **raw SDK**: the provider's own SDK listing loop over the same prefix, pages of 1,000, one long-lived
     client (S3 \`ListObjectsV2\` + \`ContinuationToken\`; Azure \`listBlobsFlat().byPage({maxPageSize})\`;
     GCS \`getFiles({autoPaginate: false, maxResults})\` following \`nextQuery\`).
   Both must count exactly N objects. Reported: median ms of each side, ratio = API / raw (goal ≤ 1.15),
   per-page medians, and the per-request overhead (API − raw) / pages.
5. Memory: "server peak RSS" is the largest VmHWM over the server's process tree (the launcher, which also
   hosts the embedded PGlite database, \`next start\`, next-server; not summed), "next-server peak RSS" the
   Next.js server process alone (where browse runs). VmHWM is reset (\`/proc/PID/clear_refs\` = 5) before
   each provider, so each figure is the peak during that provider's rounds. The bench's own peak RSS
   (\`maxRSS\`) is the client side (SDK loop, fetch) plus seeding.
6. \`--breakdown\` adds HTTP probes (a no-op authenticated request; one \`limit: 10000\` browse request vs ten
   \`limit: 1000\` ones) and in-process timings of each step a browse request performs (same lib/ code, same
   database server), to show where the API time goes.

The machine's load average is recorded with every run: other processes (test suites, builds) share its CPUs
and move the absolute numbers; the ratio is measured in the same run, interleaved, so it is more robust.
`;

export function appendResults(section: string): void {
  if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, HEADER);
  appendFileSync(RESULTS_FILE, `\n${section.trimEnd()}\n`);
}
