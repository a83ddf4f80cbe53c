/**
 * The slow part of the reliability suite (the 1,000-job load), run by
 * last by `npm test` and alone by `npm run test:reliability`.
 */
import { resolve } from "node:path"
import { defineConfig } from "vitest/config"

export default defineConfig({
  root: resolve(import.meta.dirname, "../.."),
  test: {
    include: ["test/reliability/**/*.slow.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
