// Bundles src/main.ts into the one-file binary that `bin` points at.
// Start-up is dominated by module resolution, so the binary is a single ESM file;
// native addons stay external.
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

const outfile = "dist/bin/llm-cli-gateway.js"

await build({
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3"],
  // CommonJS dependencies bundled into ESM need a `require` of their own.
  banner: {
    js: "import { createRequire as __gatewayCreateRequire } from 'node:module';\nconst require = __gatewayCreateRequire(import.meta.url);"
  },
  legalComments: "none",
  minify: true,
  keepNames: false,
  sourcemap: false,
  logLevel: "warning",
  plugins: [withoutAjv, lazyBetterSqlite]
})
await chmod(outfile, 0o755)
