/**
 * The end-to-end stdio tests with the server on Node 24, run by `npm test`
 * and alone by `npm run test:node24`. vitest and the tests stay on the Node
 * that runs them (so what they open in-process, better-sqlite3 included, is
 * the project's own build); the server they start is the copy that
 * scripts/node24.mjs assembles (run it first: `npm run test:node24` does),
 * on the Node 24 it installs, named by its manifest.json.
 *
 * Every test/e2e file runs, but `inspector.test.ts`: the Inspector CLI
 * starts the server with its own `process.execPath` (the Node of the tests),
 * and the protocol it checks is what the other files check on Node 24.
 * `runtime.node24.ts` checks that the server does run on Node 24.
 */
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { configDefaults, defineConfig } from "vitest/config"

const root = resolve(import.meta.dirname, "../..")
// The folder scripts/node24.mjs prepares (the same default and variable).
const cache = process.env["LLM_GATEWAY_NODE24_DIR"] || join(root, "node_modules/.cache/llm-cli-gateway-node24")
const manifestPath = join(cache, "manifest.json")
if (!existsSync(manifestPath)) {
  throw new Error(`${manifestPath} is missing: run \`node scripts/node24.mjs\` first (\`npm run test:node24\` does)`)
}
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
  readonly nodeVersion: string
  readonly node: string
  readonly app: string
  readonly binary: string
}

export default defineConfig({
  root,
  test: {
    include: ["test/e2e/*.test.ts", "test/e2e/*.node24.ts"],
    exclude: [...configDefaults.exclude, "test/e2e/inspector.test.ts"],
    env: {
      LLM_GATEWAY_TEST_NODE: manifest.node,
      LLM_GATEWAY_TEST_BINARY: manifest.binary,
      LLM_GATEWAY_TEST_NODE_VERSION: manifest.nodeVersion,
      LLM_GATEWAY_TEST_APP: manifest.app
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
