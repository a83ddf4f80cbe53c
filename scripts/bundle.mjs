// Bundles src/main.ts into dist/bin/gateway.cjs, and src/bin.ts into the launcher that `bin` points at.
// Start-up is dominated by module resolution and compilation, so the server is a single file that the
// launcher compiles through V8's code cache; native addons stay external.
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs"
import { chmod } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const ajvStub = fileURLToPath(new URL("./ajv-provider-stub.mjs", import.meta.url))
const lazySqlite = fileURLToPath(new URL("./better-sqlite3-lazy.mjs", import.meta.url))

/** The SDK's Ajv provider, replaced by a stub (see scripts/ajv-provider-stub.mjs). */
const withoutAjv = {
  name: "without-ajv",
  setup(build) {
    build.onResolve({ filter: /validation\/ajv-provider\.js$/ }, (args) =>
      args.importer.includes("@modelcontextprotocol/sdk") ? { path: ajvStub } : undefined
    )
  }
}

/** better-sqlite3, as @effect/sql-sqlite-node imports it, loaded on first use (see scripts/better-sqlite3-lazy.mjs). */
const lazyBetterSqlite = {
  name: "lazy-better-sqlite3",
  setup(build) {
    build.onResolve({ filter: /^better-sqlite3$/ }, (args) =>
      args.importer.includes("@effect/sql-sqlite-node") ? { path: lazySqlite } : undefined
    )
  }
}

const launcher = "dist/bin/llm-cli-gateway.js"

// The JSON Schemas of every tool the binary can list, derived here from the library just compiled (the same
// sources) and written into the bundle, so that a server does not derive them at start (src/mcp/preparedSchemas.ts).
const { servableTools } = await import("../dist/lib/mcp/tools/index.js")
const { prepare } = await import("../dist/lib/mcp/preparedSchemas.js")
const preparedSchemas = JSON.stringify(prepare(servableTools()))

// The server: CommonJS, so that the launcher can compile it through V8's code cache (src/compileCache.ts).
await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/bin/gateway.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["better-sqlite3"],
  // ES modules bundled into CommonJS that ask for their own URL get the bundle's.
  define: { "import.meta.url": "__gatewayModuleUrl", __LLM_GATEWAY_PREPARED_SCHEMAS__: preparedSchemas },
  banner: { js: "var __gatewayModuleUrl = require(\"node:url\").pathToFileURL(__filename).href;" },
  legalComments: "none",
  minify: true,
  keepNames: false,
  sourcemap: false,
  logLevel: "warning",
  plugins: [withoutAjv, lazyBetterSqlite]
})

// The binary: sets the V8 heap mode, then runs the server from the cache.
await build({
  entryPoints: ["src/bin.ts"],
  outfile: launcher,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  minify: true,
  logLevel: "warning"
})
await chmod(launcher, 0o755)

// The code cache of this Node, shipped beside the bundle (src/compileCache.ts): a copy of the binary is started
// once with a HOME of its own and stdin closed (it writes its cache, then ends), and the cache it wrote is kept
// in dist/bin/cache/ (the cache's name does not depend on the bundle's folder). A start on this Node with a new
// HOME then compiles nothing. Best effort: without it, a first start compiles, as before. The cache in place
// is replaced, never removed first: a gateway started meanwhile finds one.
const shipped = "dist/bin/cache"
const home = mkdtempSync(join(tmpdir(), "gateway-build-cache-"))
try {
  // A copy of the binary, without the cache in place beside it (which it would read instead of writing its own).
  mkdirSync(join(home, "bin"))
  for (const file of [launcher, "dist/bin/gateway.cjs"]) copyFileSync(file, join(home, "bin", file.split("/").pop()))
  const run = spawnSync(process.execPath, [join(home, "bin", "llm-cli-gateway.js")], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LLM_GATEWAY_HOME: home },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 60_000
  })
  const made = readdirSync(join(home, "cache")).filter((name) => /^gateway-[0-9a-f]+\.v8cache$/.test(name))
  if (run.status !== 0 || made.length !== 1) throw new Error(`exit ${run.status}: ${String(run.stderr).slice(-500)}`)
  mkdirSync(shipped, { recursive: true })
  const temp = join(shipped, `${made[0]}.${process.pid}.tmp`)
  copyFileSync(join(home, "cache", made[0]), temp)
  // Read by whoever runs the package (the gateway's own cache stays 0600).
  await chmod(temp, 0o644)
  renameSync(temp, join(shipped, made[0]))
  for (const other of readdirSync(shipped)) if (other !== made[0]) rmSync(join(shipped, other), { force: true })
} catch (error) {
  process.stderr.write(`bundle: no code cache shipped (${error instanceof Error ? error.message : String(error)})\n`)
} finally {
  rmSync(home, { recursive: true, force: true })
}
