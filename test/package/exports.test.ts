/**
 * The package's entry points as an app meets them, on the built `dist`
 * (`npm test` builds it first): one subpath per namespace of the main
 * entry, declared side-effect free, so that a bundler keeps only what an
 * app imports; importing the main entry starts nothing and touches no file;
 * the peer dependencies are the Effect packages, and nothing in
 * `dependencies` is only the binary's.
 */
import { build } from "esbuild"
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanUp, root, runCommand, tempDir } from "../commands/harness.js"

interface Pkg {
  readonly sideEffects: ReadonlyArray<string>
  readonly exports: Readonly<Record<string, { readonly types: string; readonly default: string } | string>>
  readonly dependencies: Readonly<Record<string, string>>
  readonly peerDependencies: Readonly<Record<string, string>>
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>
  readonly devDependencies: Readonly<Record<string, string>>
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Pkg
const index = readFileSync(join(root, "src/index.ts"), "utf8")
/** `export * as Name from "./path.js"` of src/index.ts: name → path without extension. */
const namespaces = [...index.matchAll(/export \* as (\w+) from "\.\/(.+)\.js"/g)].map((m) => [m[1]!, m[2]!] as const)

describe("the package's entry points", () => {
  it("has one subpath per namespace of the main entry, at its module, with its types", () => {
    expect(namespaces.length).toBeGreaterThan(30)
    for (const [name, path] of namespaces) {
      expect(pkg.exports[`./${name}`], name).toEqual({ types: `./dist/lib/${path}.d.ts`, default: `./dist/lib/${path}.js` })
    }
    const others = Object.keys(pkg.exports).filter((k) => !namespaces.some(([name]) => k === `./${name}`))
    expect(others.sort()).toEqual([".", "./package.json", "./testing"])
  })

  it("every file an entry point names is built", () => {
    for (const target of Object.values(pkg.exports)) {
      for (const file of typeof target === "string" ? [target] : [target.types, target.default]) {
        expect(existsSync(join(root, file)), file).toBe(true)
      }
    }
  })

  it("declares side effects only for the binary's entry files", () => {
    expect([...pkg.sideEffects].sort()).toEqual([
      "./dist/bin/*",
      "./dist/lib/applyHeapMode.js",
      "./dist/lib/bin.js",
      "./dist/lib/main.js",
      "./src/applyHeapMode.ts",
      "./src/bin.ts",
      "./src/main.ts"
    ])
    // No module of the library imports one of them.
    for (const [, path] of namespaces) {
      const source = readFileSync(join(root, "src", `${path}.ts`), "utf8")
      expect(source, path).not.toMatch(/from "\.{1,2}\/(?:.*\/)?(?:applyHeapMode|main|bin)\.js"|import "\.{1,2}\//)
    }
  })

  it("peers are the Effect packages; dependencies hold nothing that only the bundled binary uses", () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      "@effect/experimental",
      "@effect/platform",
      "@effect/sql",
      "@effect/sql-pg",
      "@effect/sql-sqlite-node",
      "effect",
      "pg"
    ])
    // PostgreSQL's client only for those who point the gateway at PostgreSQL (`Database.layerUrl`).
    expect(pkg.peerDependenciesMeta).toEqual({ "@effect/sql-pg": { optional: true }, pg: { optional: true } })
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@modelcontextprotocol/sdk", "better-sqlite3", "jose"])
    // Development runs on the peers too, at versions inside their ranges (checked by the consumer test at their lowest).
    for (const name of [...Object.keys(pkg.peerDependencies).filter((n) => n !== "pg"), "@effect/platform-node"]) {
      expect(pkg.devDependencies[name], name).toBeDefined()
    }
    // The library never loads @effect/platform-node: only the binary (bundled) does.
    const lib = join(root, "dist/lib")
    const offenders: Array<string> = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith(".js") && readFileSync(path, "utf8").includes("@effect/platform-node")) {
          offenders.push(path.slice(lib.length + 1))
        }
      }
    }
    walk(lib)
    expect(offenders.sort()).toEqual(["commands/run.js", "main.js"])
  })
})

describe("importing the library", () => {
  let app: string

  beforeAll(() => {
    // An app whose node_modules/llm-cli-gateway is this package: resolved through its own package.json.
    app = tempDir("gateway-exports-")
    mkdirSync(join(app, "node_modules"))
    symlinkSync(root, join(app, "node_modules", "llm-cli-gateway"))
    // The app's own effect (a peer): this repository's.
    symlinkSync(join(root, "node_modules", "effect"), join(app, "node_modules", "effect"))
  })

  afterAll(cleanUp)

  it("starts nothing and touches no file (no timer, socket, listener beyond effect's own): the process ends at once, HOME, TMPDIR and the working folder stay empty", async () => {
    const home = tempDir("gateway-exports-home-")
    const tmp = tempDir("gateway-exports-tmp-")
    const code = [
      "const names = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'warning']",
      // What effect itself holds once imported (it looks at stdout): the baseline.
      "await import('effect'); await new Promise((r) => setImmediate(r))",
      "const before = names.map((n) => process.listenerCount(n))",
      "const held = process.getActiveResourcesInfo()",
      "const lib = await import('llm-cli-gateway')",
      "const testing = await import('llm-cli-gateway/testing')",
      "await new Promise((r) => setImmediate(r))",
      "console.log(JSON.stringify({ namespaces: Object.keys(lib).length, testing: Object.keys(testing).length,",
      "  held, resources: process.getActiveResourcesInfo(), listeners: names.filter((n, i) => process.listenerCount(n) !== before[i]) }))"
    ].join("\n")
    const started = Date.now()
    const run = await runCommand(process.execPath, ["--input-type=module", "-e", code], {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      TMPDIR: tmp
    }, app, 20_000)
    const elapsedMs = Date.now() - started
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toBe("")
    const report = JSON.parse(run.stdout) as {
      namespaces: number
      testing: number
      held: Array<string>
      resources: Array<string>
      listeners: Array<string>
    }
    expect(report.namespaces).toBe(namespaces.length + 1) // and VERSION
    expect(report.testing).toBeGreaterThan(5)
    expect(report.resources).toEqual(report.held)
    expect(report.listeners).toEqual([])
    expect(readdirSync(home)).toEqual([])
    expect(readdirSync(tmp)).toEqual([])
    expect(readdirSync(app)).toEqual(["node_modules"])
    expect(elapsedMs).toBeLessThan(15_000)
  })

  /** The bytes of an esbuild bundle (minified, for Node) of an app made of `source`. */
  const bundle = async (source: string): Promise<{ bytes: number; text: string }> => {
    const result = await build({
      stdin: { contents: source, resolveDir: app, loader: "js" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      write: false,
      logLevel: "silent",
      external: ["better-sqlite3"]
    })
    const text = result.outputFiles.map((f) => f.text).join("")
    return { bytes: Buffer.byteLength(text), text }
  }

  it("a bundler keeps only what the app imports: one module is a fraction of the whole library, and no MCP SDK", async () => {
    const whole = await bundle(`import * as lib from "llm-cli-gateway"\nconsole.log(lib)\n`)
    const fromIndex = await bundle(`import { Errors } from "llm-cli-gateway"\nconsole.log(Errors)\n`)
    const errors = await bundle(`import * as Errors from "llm-cli-gateway/Errors"\nconsole.log(Errors)\n`)
    const jobs = await bundle(`import * as JobManager from "llm-cli-gateway/JobManager"\nconsole.log(JobManager)\n`)
    console.info(
      `bundles (minified): the whole library ${kb(whole.bytes)}; { Errors } from the index ${kb(fromIndex.bytes)}; ` +
        `llm-cli-gateway/Errors ${kb(errors.bytes)}; llm-cli-gateway/JobManager ${kb(jobs.bytes)}`
    )
    expect(whole.text).toContain("modelcontextprotocol")
    for (const small of [fromIndex, errors, jobs]) expect(small.text).not.toMatch(/modelcontextprotocol|ajv/i)
    expect(errors.bytes).toBeLessThan(whole.bytes / 3)
    expect(fromIndex.bytes).toBeLessThan(whole.bytes / 3)
    expect(jobs.bytes).toBeLessThan(whole.bytes / 2)
  }, 60_000)
})

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`
