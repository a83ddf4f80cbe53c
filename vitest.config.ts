import { configDefaults, defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The contract suite on the real CLIs has its own config (test/real/vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/real/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
