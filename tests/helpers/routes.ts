import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../app/api/v2");

export type RouteFile = { file: string; pattern: string; regex: RegExp; paramNames: string[] };

/** Every app/api/v2 route file as its contract path (`/indexes/{index_id}`) and a matcher. */
export function listRouteFiles(dir = ROOT): RouteFile[] {
  const out: RouteFile[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listRouteFiles(full));
    else if (entry === "route.ts") {
      const rel = path.relative(ROOT, path.dirname(full)).split(path.sep).filter(Boolean);
      const paramNames: string[] = [];
      const pattern = "/" + rel.map((seg) => seg.replace(/^\[(?:\.\.\.)?(.+)\]$/, (_m, n) => `{${n}}`)).join("/");
      const regex = new RegExp(
        "^/" + rel.map((seg) => {
          const m = /^\[(\.\.\.)?(.+)\]$/.exec(seg);
          if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          paramNames.push(m[2]);
          return m[1] ? "(.+)" : "([^/]+)";
        }).join("/") + "$",
      );
      out.push({ file: full, pattern: pattern === "/" ? "/" : pattern, regex, paramNames });
    }
  }
  // Static segments win over dynamic ones, as in Next's router.
  return out.sort((a, b) => a.paramNames.length - b.paramNames.length);
}
