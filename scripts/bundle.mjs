// Bundles src/main.ts into the one-file binary that `bin` points at.
// Start-up is dominated by module resolution, so the binary is a single ESM file;
// native addons stay external.
import { build } from "esbuild"
import { chmod } from "node:fs/promises"

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
  logLevel: "warning"
})
await chmod(outfile, 0o755)
