import { defineConfig } from "prisma/config";

// Prisma 7 reads the datasource URL from here (the CLI is only used for `generate`;
// migrations run through scripts/db.ts and the wasm schema engine, see README).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/gantry" },
});
