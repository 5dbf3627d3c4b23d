import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { db } from "@/lib/db";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");

async function gantry(...args: string[]) {
  try {
    const r = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/gantry.ts", ...args], { cwd: ROOT, env: process.env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("operator CLI (npm run gantry)", () => {
  it("creates a user, then an API key printed alone on the last line, which works", async () => {
    const email = `cli-${Date.now()}@example.test`;
    const u = await gantry("users", "create", "--email", email, "--password", "a very good password");
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain(email);
    const k = await gantry("api-keys", "create", "--email", email, "--name", "automation", "--scopes", "admin");
    expect(k.code, k.stderr).toBe(0);
    const lines = k.stdout.trim().split("\n");
    const key = lines[lines.length - 1];
    expect(key).toMatch(/^sk_live_[0-9a-f]{48}$/);
    const res = await api("POST", "indexes", { apiKey: key, json: { name: "from cli" } });
    expect(res.status).toBe(201);
    const row = await db.apiKey.findFirstOrThrow({ where: { name: "automation", workspace: { memberships: { some: { user: { email } } } } } });
    expect(row.scopes).toEqual(["admin"]);
  });

  it("applies the API's validation rules and exits non-zero with the field at fault", async () => {
    const short = await gantry("users", "create", "--email", `x-${Date.now()}@example.test`, "--password", "short");
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain("password");
    const email = `dup-${Date.now()}@example.test`;
    expect((await gantry("users", "create", "--email", email, "--password", "long enough password")).code).toBe(0);
    const dup = await gantry("users", "create", "--email", email, "--password", "long enough password");
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain("email");
    const badScope = await gantry("api-keys", "create", "--email", email, "--name", "n", "--scopes", "root");
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain("scopes");
    const noUser = await gantry("api-keys", "create", "--email", "nobody@example.test", "--name", "n");
    expect(noUser.code).not.toBe(0);
  });
});
