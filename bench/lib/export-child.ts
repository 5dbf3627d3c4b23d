// Child process of `npm run bench -- export`: runs one export attempt (the same code a queue worker
// runs) and nothing else, then prints one JSON line with its timing and this process's peak RSS.
import { readFileSync } from "node:fs";
import { runExportAttempt } from "../../lib/exports/run-export";
import { db, disconnectDb } from "../../lib/db";

function vmHwmKb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

async function main() {
  const exportId = process.argv[2];
  let heapPeak = 0;
  let externalPeak = 0;
  let heapTotalPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed);
    heapTotalPeak = Math.max(heapTotalPeak, m.heapTotal);
    externalPeak = Math.max(externalPeak, m.external + m.arrayBuffers);
  }, 50);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  await runExportAttempt(exportId);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const e = await db.export.findUnique({ where: { id: exportId } });
  await disconnectDb();
  process.stdout.write(`${JSON.stringify({
    ms, status: e?.status, error: e?.errorMessage ?? e?.lastError ?? null, bytes: Number(e?.fileSizeBytes ?? 0), segments: e?.segmentCount ?? 0,
    videos: e?.videoCount ?? 0, peakRssKb: vmHwmKb(), rssBeforeKb: Math.round(rssBefore / 1024), heapPeakMb: heapPeak / 1e6, heapTotalPeakMb: heapTotalPeak / 1e6, externalPeakMb: externalPeak / 1e6,
  })}\n`);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
