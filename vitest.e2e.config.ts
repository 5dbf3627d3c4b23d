import path from "node:path";
import { defineConfig } from "vitest/config";

// Browser tests: a production build served by `npm start` (embedded database in a temp dir), driven by
// playwright-core with Debian's chromium. Run after `npm run build`.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    globalSetup: ["tests/e2e/global-setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
