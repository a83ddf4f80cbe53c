/**
 * The library as an app bundles and imports it: `npx tsx bench/library.ts`
 * (after `npm run build`). Not part of `npm run bench` (it measures no
 * server).
 *
 * 1. Bundle size: esbuild bundles (platform node, ESM, minified and not)
 *    of an app that imports one module, from the package's main entry
 *    (`import { Errors } from "llm-cli-gateway"`) and from its subpath
 *    (`import * as Errors from "llm-cli-gateway/Errors"`).
 * 2. Import time: a fresh `node` that imports the main entry (and a
 *    subpath), best of several, next to a `node` that imports nothing.
 *
 * The app is a temporary folder whose `node_modules/llm-cli-gateway` links
 * to this repository, so the package is resolved through its own
 * package.json (`exports`, `sideEffects`) exactly as an installed copy.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { build } from "esbuild"

const root = resolve(import.meta.dirname, "..")
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 7)
const modules = (process.env.BENCH_MODULES ?? "Errors,CommandRunner,JobManager,Gateway").split(",")

const app = mkdtempSync(join(tmpdir(), "gateway-library-bench-"))
mkdirSync(join(app, "node_modules"))
symlinkSync(root, join(app, "node_modules", "llm-cli-gateway"))

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`

/** The bytes of the bundle of `source`, or the reason it cannot be built. */
const bundleSize = async (source: string, minify: boolean): Promise<number | string> => {
  try {
    const result = await build({
      stdin: { contents: source, resolveDir: app, loader: "js" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify,
      write: false,
      logLevel: "silent",
      // A native addon: kept out, as every bundler must.
      external: ["better-sqlite3"]
    })
    return result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0)
  } catch (e) {
    return (e as { errors?: ReadonlyArray<{ text: string }> }).errors?.[0]?.text ?? String(e)
  }
}

/** Best wall time, in ms, of a fresh `node` running `code` as an ES module in the app. */
const importMs = (code: string): number => {
  let best = Infinity
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint()
    execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: app, stdio: "ignore" })
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6)
  }
  return best
}

try {
  console.log("| import | bundle (minified) | bundle (not minified) |")
  console.log("|---|---|---|")
  for (const name of modules) {
    for (const [label, source] of [
      [`{ ${name} } from "llm-cli-gateway"`, `import { ${name} } from "llm-cli-gateway"\nconsole.log(${name})\n`],
      [`* as ${name} from "llm-cli-gateway/${name}"`, `import * as ${name} from "llm-cli-gateway/${name}"\nconsole.log(${name})\n`]
    ] as const) {
      const min = await bundleSize(source, true)
      const full = await bundleSize(source, false)
      const show = (v: number | string) => (typeof v === "number" ? kb(v) : `fails: ${v}`)
      console.log(`| \`import ${label}\` | ${show(min)} | ${show(full)} |`)
    }
  }
  writeFileSync(join(app, "package.json"), JSON.stringify({ type: "module" }))
  const nothing = importMs("")
  const index = importMs(`await import("llm-cli-gateway")`)
  const errors = (() => {
    try {
      return importMs(`await import("llm-cli-gateway/Errors")`)
    } catch {
      return NaN
    }
  })()
  console.log(`\nimport time, best of ${RUNS} (a node that imports nothing: ${nothing.toFixed(0)} ms):`)
  console.log(`  "llm-cli-gateway":        ${index.toFixed(0)} ms (+${(index - nothing).toFixed(0)} ms)`)
  console.log(`  "llm-cli-gateway/Errors": ${Number.isNaN(errors) ? "fails" : `${errors.toFixed(0)} ms (+${(errors - nothing).toFixed(0)} ms)`}`)
} finally {
  rmSync(app, { recursive: true, force: true })
}
