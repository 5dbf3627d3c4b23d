import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/config/env";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "gantry-env-"));

describe("environment parsing", () => {
  it("names the variable at fault and never echoes a secret value", () => {
    const bad = { GANTRY_MAX_BODY_BYTES: "lots", AUTH_SECRET: "short-secret-value", GANTRY_DATA_DIR: tmp() } as unknown as NodeJS.ProcessEnv;
    let message = "";
    try {
      parseEnv(bad);
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      message = (err as Error).message;
    }
    expect(message).toContain("GANTRY_MAX_BODY_BYTES");
    expect(message).toContain("AUTH_SECRET: must be at least 32 characters");
    expect(message).not.toContain("short-secret-value");
  });

  it("requires AUTH_SECRET and GANTRY_KEK in production with PostgreSQL", () => {
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgresql://db/gantry", GANTRY_DATA_DIR: tmp() } as unknown as NodeJS.ProcessEnv))
      .toThrow(/AUTH_SECRET, GANTRY_KEK must be set in production/);
  });

  it("generates secrets once into the data directory in embedded mode (mode 0600)", () => {
    const dir = tmp();
    const a = parseEnv({ GANTRY_DATA_DIR: dir } as unknown as NodeJS.ProcessEnv);
    const b = parseEnv({ GANTRY_DATA_DIR: dir } as unknown as NodeJS.ProcessEnv);
    expect(a.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(a.GANTRY_KEK).toMatch(/^v1:[A-Za-z0-9+/]{43}=$/);
    expect(b.AUTH_SECRET).toBe(a.AUTH_SECRET);
    const file = path.join(dir, "secrets.json");
    expect(JSON.parse(readFileSync(file, "utf8")).GANTRY_KEK).toBe(a.GANTRY_KEK);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(a.embedded).toBe(true);
  });

  it("applies defaults and coerces numbers", () => {
    const e = parseEnv({ GANTRY_DATA_DIR: tmp(), GANTRY_RATE_LIMIT_PER_MINUTE: "42" } as unknown as NodeJS.ProcessEnv);
    expect(e.GANTRY_RATE_LIMIT_PER_MINUTE).toBe(42);
    expect(e.GANTRY_MAX_BODY_BYTES).toBe(1_048_576);
    expect(e.GANTRY_WORKER).toBe("inline");
  });
});
