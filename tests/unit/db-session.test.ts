import { describe, expect, it } from "vitest";
import { sessionConfig } from "@/lib/db";

describe("database session settings", () => {
  it("run every session in UTC", () => {
    expect(sessionConfig("postgresql://gantry:s3cr%40t@db.example:5432/gantry")).toEqual({
      connectionString: "postgresql://gantry:s3cr%40t@db.example:5432/gantry",
      options: "-c TimeZone=UTC",
    });
  });
  it("keep the URL's own options (node-postgres would let them replace UTC), UTC last so it wins", () => {
    const c = sessionConfig("postgresql://u@h/db?sslmode=require&options=-c%20search_path%3Dgantry%20-c%20TimeZone%3DEurope%2FParis");
    expect(c.options).toBe("-c search_path=gantry -c TimeZone=Europe/Paris -c TimeZone=UTC");
    expect(c.connectionString).toBe("postgresql://u@h/db?sslmode=require");
  });
  it("read libpq URL forms that WHATWG URL refuses (a Unix socket directory as host)", () => {
    expect(sessionConfig("postgresql://gantry@/gantry?host=/var/run/postgresql")).toEqual({
      connectionString: "postgresql://gantry@/gantry?host=/var/run/postgresql",
      options: "-c TimeZone=UTC",
    });
  });
});
