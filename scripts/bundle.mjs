// Bundles src/main.ts into dist/bin/gateway.cjs, and src/bin.ts into the launcher that `bin` points at.
// Start-up is dominated by module resolution and compilation, so the server is a single file that the
// launcher compiles through V8's code cache; native addons stay external.
import { build } from "esbuild"
import { chmod } from "node:fs/promises"
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
  define: { "import.meta.url": "__gatewayModuleUrl" },
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
