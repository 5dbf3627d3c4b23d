import path from "node:path";
import { defineConfig } from "vitest/config";

// Unit and integration tests against a real database: DATABASE_URL when set (PostgreSQL), otherwise an
// in-memory embedded PGlite started for the run by tests/setup/global-setup.ts. Browser tests live in
// vitest.e2e.config.ts (`npm run test:e2e`).
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    globalSetup: ["tests/setup/global-setup.ts"],
    // Child processes, not worker threads: PGlite, pg-boss workers and emulators behave like production
    // processes, and a crashing native/wasm module takes down one fork, not the runner.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
