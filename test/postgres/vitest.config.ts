/**
 * The store suite on PostgreSQL: the store tests that must pass on both
 * stores, run again against one real PostgreSQL server that the global setup
 * starts for the run (test/postgres/globalSetup.ts) and names in
 * `LLM_GATEWAY_TEST_POSTGRES_URL`; their databases come from
 * `testDatabaseAt` (test/support/testDatabase.ts), which then opens a fresh
 * PostgreSQL database per path instead of a SQLite file. Tests of SQLite
 * itself (files, modes, pragmas) stay in files this config does not include.
 * PostgreSQL-only tests go in test/postgres/. Part of `npm test`; alone:
 * `npx vitest run --config test/postgres/vitest.config.ts`.
 */
import { resolve } from "node:path"
import { configDefaults, defineConfig } from "vitest/config"
import main from "../../vitest.config.js"

/** The store tests run on both stores (on SQLite by the main config). */
export const storeTests = [
  "test/jobs/JobStore.test.ts",
  "test/jobs/Instances.test.ts",
  "test/jobs/JobManager.test.ts",
  "test/jobs/JobManager.reply.test.ts",
  "test/jobs/housekeeping.test.ts",
  "test/jobs/attempts.test.ts",
  "test/sessions/SessionStore.test.ts",
  "test/sessions/principals.test.ts",
  "test/sessions/tools.test.ts",
  "test/approvals/ApprovalPolicy.test.ts",
  "test/observability/FlightRecorder.test.ts"
]

export default defineConfig({
  ...main,
  root: resolve(import.meta.dirname, "../.."),
  test: {
    ...main.test,
    include: [...storeTests, "test/postgres/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    globalSetup: ["test/postgres/globalSetup.ts"]
  }
})
