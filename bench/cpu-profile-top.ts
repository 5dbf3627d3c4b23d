// Where did a process's CPU go? Reads a V8 .cpuprofile (GANTRY_CPU_PROFILE_DIR, or node --cpu-prof) and
// prints self time by package / file and by function, for a window counted back from the profile's end.
//
//   npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [from-seconds-before-end] [to-seconds-before-end]
//
// Without a window it prints busy time per half second first, to find the stretch to look at (a bench's
// timed rounds are usually the last few seconds before the server stopped).
import fs from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

function main(): number {
  const [file, fromArg, toArg] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [from-s-before-end] [to-s-before-end]");
    return 2;
  }
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let t = p.startTime;
  const times = p.timeDeltas.map((d) => (t += d));
  const from = fromArg === undefined ? -Infinity : p.endTime - Number(fromArg) * 1e6;
  const to = toArg === undefined ? Infinity : p.endTime - Number(toArg) * 1e6;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const perHalfSecond = new Map<number, number>();
  let busy = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const at = times[i];
    const dt = (times[i + 1] ?? at) - at;
    const cf = byId.get(id)!.callFrame;
    const isIdle = cf.functionName === "(idle)";
    if (!isIdle) {
      const bucket = Math.floor((p.endTime - at) / 5e5);
      perHalfSecond.set(bucket, (perHalfSecond.get(bucket) ?? 0) + dt);
    }
    if (at < from || at > to) return;
    if (isIdle) return void (idle += dt);
    busy += dt;
    const fn = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/.*node_modules\//, "")}:${cf.lineNumber}:${cf.columnNumber}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    const pkg = cf.url.includes("node_modules/")
      ? cf.url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1")
      : cf.url.startsWith("node:") ? cf.url : cf.url ? cf.url.replace(/.*\.next\/server\/chunks\//, ".next chunk ") : cf.functionName;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
  });
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  if (fromArg === undefined) {
    const buckets = [...perHalfSecond].sort((a, b) => a[0] - b[0]).slice(0, 120);
    console.log("busy ms per half second, by seconds before the end:");
    console.log(buckets.map(([b, us]) => `${b / 2}s:${Math.round(us / 1000)}`).join(" "));
  }
  console.log(`\nwindow: busy ${ms(busy).trim()} ms, idle ${ms(idle).trim()} ms\n\nby package / file:`);
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(ms(v), k);
  console.log("\nby function (self time):");
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(ms(v), k);
  return 0;
}

process.exitCode = main();
