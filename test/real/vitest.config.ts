/**
 * The contract suite: the real CLI binaries, at the versions `package.json`
 * here pins, installed once by `install.ts` (the global setup). Run last by
 * `npm test` and alone by `npm run test:real`.
 */
import { resolve } from "node:path"
import { defineConfig } from "vitest/config"

export default defineConfig({
  root: resolve(import.meta.dirname, "../.."),
  test: {
    include: ["test/real/**/*.real.test.ts"],
    globalSetup: ["test/real/install.ts"],
    // A real CLI takes up to ~150 s to give up on its own (claude's retries);
    // most tests stop it far earlier.
    testTimeout: 150_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Each real CLI is a heavy process (a native binary or a large Node
    // bundle): at most two at a time, whatever the number of cores.
    maxConcurrency: 2,
    fileParallelism: false
  }
})
