/**
 * The library as an Effect app gets it: the package packed from the built
 * `dist` (`npm test` builds it first; `npm pack --ignore-scripts`, so the
 * work tree's dist is not rebuilt — test/package/pack.test.ts packs a
 * clean copy through prepack), installed from its tarball into a fresh app
 * that depends on the OLDEST versions of the peers the package declares,
 * with `@types/node` and nothing else. The README's library examples
 * (each code block after a `<!-- library-example: NAME -->` marker) are
 * written into the app verbatim, compiled by this repository's TypeScript
 * (strict, NodeNext, `skipLibCheck: false`) and run with node.
 *
 * The app holds one copy of effect (the app's own), no
 * `@effect/platform-node`, no "Executing an Effect versioned …" warning.
 * better-sqlite3 is installed at this repository's version without its
 * install script, and given this repository's compiled addon (compiling it
 * again is pack.test.ts's job). Needs the npm registry (`--prefer-offline`:
 * what npm's cache holds is not fetched again); everything it made is
 * removed at the end.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanUp, root, runCommand, type Run, tempDir } from "../commands/harness.js"

const MINUTE = 60_000

interface Pkg {
  readonly version: string
  readonly exports: Readonly<Record<string, unknown>>
  readonly peerDependencies: Readonly<Record<string, string>>
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Pkg

/** The lowest version a peer range admits: `^3.22.0` → `3.22.0` (the ranges are carets on exact versions). */
const lowest = (range: string): string => {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range)
  if (match === null) throw new Error(`a peer range this test cannot take the lowest version of: ${range}`)
  return match[1]!
}

/** The code blocks of README.md that follow a `<!-- library-example: NAME -->` marker, by name. */
const readmeExamples = (): ReadonlyMap<string, string> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const found = new Map<string, string>()
  for (const m of readme.matchAll(/<!-- library-example: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)) {
    if (found.has(m[1]!)) throw new Error(`two README examples named ${m[1]}`)
    found.set(m[1]!, `${m[2]!}\n`)
  }
  return found
}

/** This process's environment without npm's per-run variables (a run under `npm test` sets them). */
const npmEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0])))

/** The lines an example says it prints: the comment lines after its `// It prints:` line. */
const printed = (example: string): string => {
  const lines = example.split("\n")
  const from = lines.indexOf("// It prints:")
  if (from < 0) throw new Error("an example that does not say what it prints")
  return lines.slice(from + 1).filter((l) => l.startsWith("// ")).map((l) => `${l.slice(3)}\n`).join("")
}

const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

describe.skipIf(process.platform === "win32")("an Effect app on the oldest supported peers, with the packed package", () => {
  const examples = readmeExamples()
  const programs = [...examples.keys()].filter((name) => name.endsWith(".ts"))
  let app: string
  let home: string
  let compile: Run
  let compileIndex: Run
  const runs = new Map<string, Run>()

  beforeAll(async () => {
    if (!existsSync(join(root, "dist/lib/index.js"))) throw new Error("dist is missing: run npm run build first")
    const work = tempDir("gateway-consumer-")
    home = join(work, "home")
    mkdirSync(home)
    const out = join(work, "out")
    mkdirSync(out)
    const pack = await runCommand("npm", ["pack", "--ignore-scripts", "--pack-destination", out], npmEnv(), root, 5 * MINUTE)
    expect(pack.code, pack.stderr).toBe(0)
    const tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz"))!)

    app = join(work, "app")
    mkdirSync(join(app, "src"), { recursive: true })
    // The required peers at their lowest; not PostgreSQL's client (optional): an app on SQLite never needs it.
    const optional = new Set(Object.keys(pkg.peerDependenciesMeta ?? {}))
    const peers = Object.fromEntries(
      Object.entries(pkg.peerDependencies).filter(([name]) => !optional.has(name)).map(([name, range]) => [name, lowest(range)])
    )
    writeFileSync(join(app, "package.json"), JSON.stringify({
      name: "consumer-app",
      private: true,
      type: "module",
      dependencies: {
        "llm-cli-gateway": `file:${tarball}`,
        ...peers,
        "better-sqlite3": installedVersion("better-sqlite3")
      },
      devDependencies: { "@types/node": installedVersion("@types/node") }
    }, null, 2))
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
        strict: true,
        skipLibCheck: false,
        rootDir: "src",
        outDir: "dist"
      },
      include: ["src"]
    }, null, 2))
    for (const name of programs) writeFileSync(join(app, "src", name), examples.get(name)!)
    // Every entry point at once, typechecked on its own.
    mkdirSync(join(app, "every-entry"))
    writeFileSync(
      join(app, "every-entry", "main.ts"),
      Object.keys(pkg.exports)
        .filter((k) => k !== "./package.json")
        .map((k, i) => `import * as M${i} from "${k === "." ? "llm-cli-gateway" : `llm-cli-gateway/${k.slice(2)}`}"\nconsole.log(M${i})\n`)
        .join("")
    )
    writeFileSync(join(app, "tsconfig.every-entry.json"), JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { noEmit: true, rootDir: "." },
      include: ["every-entry"]
    }))

    const installStart = Date.now()
    const install = await runCommand(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"],
      npmEnv(),
      app,
      10 * MINUTE
    )
    expect(install.code, install.stderr).toBe(0)
    cpSync(join(root, "node_modules/better-sqlite3/build"), join(app, "node_modules/better-sqlite3/build"), { recursive: true })
    const installMs = Date.now() - installStart

    const compileStart = Date.now()
    compile = await runCommand(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", app], { PATH: process.env.PATH ?? "" }, app, 5 * MINUTE)
    const compileMs = Date.now() - compileStart
    compileIndex = await runCommand(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", join(app, "tsconfig.every-entry.json")],
      { PATH: process.env.PATH ?? "" },
      app,
      5 * MINUTE
    )
    for (const name of programs) {
      if (compile.code !== 0) break
      runs.set(
        name,
        await runCommand(process.execPath, [join(app, "dist", name.replace(/\.ts$/, ".js"))], { PATH: process.env.PATH ?? "", HOME: home }, app, MINUTE)
      )
    }
    console.info(`consumer app: npm install ${(installMs / 1000).toFixed(0)} s; tsc ${(compileMs / 1000).toFixed(0)} s`)
  }, 20 * MINUTE)

  afterAll(cleanUp)

  it("README holds the install line and the examples", () => {
    expect([...examples.keys()].sort()).toEqual(["install", "job.ts", "request.ts"])
  })

  it("README's install line installs the package with exactly its peers", () => {
    const words = examples.get("install")!.trim().split(/\s+/)
    expect(words.slice(0, 3)).toEqual(["npm", "install", "llm-cli-gateway"])
    // The required peers; PostgreSQL's client (optional) only for those who use it.
    const optional = new Set(Object.keys(pkg.peerDependenciesMeta ?? {}))
    expect(words.slice(3).sort()).toEqual(Object.keys(pkg.peerDependencies).filter((n) => !optional.has(n)).sort())
  })

  it("npm finds every peer satisfied, and the app holds one copy of effect: its own, at the oldest supported version", async () => {
    const ls = await runCommand("npm", ["ls", "--all"], npmEnv(), app)
    expect(ls.code, ls.stdout + ls.stderr).toBe(0)
    const copies = await runCommand("npm", ["ls", "effect", "--all", "--parseable"], npmEnv(), app)
    expect(copies.stdout.trim().split("\n")).toEqual([join(app, "node_modules", "effect")])
    const effect = JSON.parse(readFileSync(join(app, "node_modules/effect/package.json"), "utf8")) as { version: string }
    expect(effect.version).toBe(lowest(pkg.peerDependencies["effect"]!))
    const installed = JSON.parse(readFileSync(join(app, "node_modules/llm-cli-gateway/package.json"), "utf8")) as { version: string }
    expect(installed.version).toBe(pkg.version)
    expect(existsSync(join(app, "node_modules/llm-cli-gateway/node_modules"))).toBe(false)
    for (const binaryOnly of ["@effect/platform-node", "@effect/cluster", "@effect/workflow", "@effect/rpc", "@parcel/watcher"]) {
      expect(existsSync(join(app, "node_modules", binaryOnly)), binaryOnly).toBe(false)
    }
  })

  it("the examples compile: strict, NodeNext, skipLibCheck false", () => {
    expect(compile.stdout + compile.stderr).toBe("")
    expect(compile.code).toBe(0)
  })

  it("every entry point typechecks with skipLibCheck false, but for the MCP SDK's own declaration that Gateway and McpServer reach", () => {
    // The SDK's shared/transport.d.ts names the DOM's HeadersInit, which a Node app (lib ES2022, @types/node) lacks.
    // `Gateway` and `McpServer` name the SDK's Transport and Server in their signatures; nothing else reaches it.
    const errors = (compileIndex.stdout + compileIndex.stderr).split("\n").filter((l) => l.includes("error TS"))
    expect(errors.every((l) => l.includes("@modelcontextprotocol/sdk/dist/esm/shared/transport.d.ts") && l.includes("HeadersInit")), errors.join("\n")).toBe(true)
  })

  it("request.ts: claude's reply through one composed service, and codex's login failure caught by its tag", () => {
    const run = runs.get("request.ts")!
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(printed(examples.get("request.ts")!))
    expect(run.stdout).toMatch(/^claude: You said: hello \(session s-1\)\ncodex: not logged in: run codex login/)
    expect(run.stderr).not.toMatch(/Executing an Effect versioned/)
  })

  it("job.ts: an async job on in-memory SQLite, its reply, and the same request deduped", () => {
    const run = runs.get("job.ts")!
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(printed(examples.get("job.ts")!))
    expect(run.stdout).toBe("completed: Reviewed: the diff of PR 42\nthe same request again: deduped\n")
    expect(run.stderr).not.toMatch(/Executing an Effect versioned/)
  })

  it("the examples wrote nothing in HOME", () => {
    expect(readdirSync(home)).toEqual([])
  })
})
