import { configDefaults, defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The contract suite on the real CLIs has its own config (test/real/vitest.config.ts), and so has
    // the store suite on PostgreSQL (test/postgres/vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/real/**", "test/postgres/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
