/**
 * The code cache the launcher runs the server through: the first run
 * writes it, the next compiles from it, and a rejected, corrupt or stale
 * cache only means a normal compile. Real V8 caches, in a temp folder, each
 * run in a Node process of its own (within one process V8 reuses the
 * script it compiled before, whatever the cache holds). The built library
 * (dist/lib) is what runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { spawnSync } from "node:child_process"
import { pathToFileURL } from "node:url"
import { cacheFolder, cacheName } from "../src/compileCache.js"

const built = pathToFileURL(join(import.meta.dirname, "..", "dist", "lib", "compileCache.js")).href

/**
 * `runCached(file, folder)` in a fresh Node process: whether it compiled from the cache, and the name
 * of the cache file for that process (its options are part of the name).
 */
const runCached = (file: string, folder: string | undefined): { readonly used: boolean; readonly name: string } => {
  // The paths come by the environment: the script, part of Node's options, is the same for every run.
  const script = `import { readFileSync } from "node:fs"
import { cacheName, runCached } from ${JSON.stringify(built)}
const file = process.env.TEST_BUNDLE, folder = process.env.TEST_CACHE_FOLDER || undefined
const used = runCached(file, folder)
process.stdout.write(JSON.stringify({ used, name: cacheName(readFileSync(file, "utf8"), process.version, process.execArgv) }))`
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, TEST_BUNDLE: file, TEST_CACHE_FOLDER: folder ?? "" }
  })
  if (run.status !== 0) throw new Error(run.stderr)
  return JSON.parse(run.stdout.slice(run.stdout.lastIndexOf("{")))
}

const bundle = (dir: string, body: string) => {
  const file = join(dir, "bundle.cjs")
  writeFileSync(file, `#!/usr/bin/env node\n${body}`)
  return file
}

describe("cacheFolder", () => {
  it("is cache/ in the gateway's folder, unless turned off", () => {
    expect(cacheFolder({ LLM_GATEWAY_HOME: "/g" })).toBe("/g/cache")
    expect(cacheFolder({ LLM_GATEWAY_HOME: "/g", LLM_GATEWAY_COMPILE_CACHE: "true" })).toBe("/g/cache")
    for (const off of ["false", "0", "off", "no", " FALSE "]) {
      expect(cacheFolder({ LLM_GATEWAY_HOME: "/g", LLM_GATEWAY_COMPILE_CACHE: off })).toBeUndefined()
    }
  })
})

describe("cacheName", () => {
  it("changes with the bundle, Node's version and its options", () => {
    const a = cacheName("x", "v20.0.0", [])
    expect(a).toMatch(/^gateway-[0-9a-f]{24}\.v8cache$/)
    expect(cacheName("y", "v20.0.0", [])).not.toBe(a)
    expect(cacheName("x", "v22.0.0", [])).not.toBe(a)
    expect(cacheName("x", "v20.0.0", ["--max-old-space-size=100"])).not.toBe(a)
    expect(cacheName("x", "v20.0.0", [])).toBe(a)
  })
})

describe("runCached", () => {
  it("runs the bundle as CommonJS; writes the cache once (0600 in a 0700 folder), then compiles from it", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    const folder = join(dir, "cache")
    const out = join(dir, "out.txt")
    const file = bundle(dir, `require("node:fs").appendFileSync(${JSON.stringify(out)}, typeof module.exports + " " + __filename + "\\n")`)
    const first = runCached(file, folder)
    expect(first.used).toBe(false)
    expect(readdirSync(folder)).toEqual([first.name])
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    expect(statSync(join(folder, first.name)).mode & 0o777).toBe(0o600)
    expect(runCached(file, folder).used).toBe(true)
    expect(readFileSync(out, "utf8")).toBe(`object ${file}\n`.repeat(2))
  })

  it("a corrupt cache is rejected by V8 and written anew; another build's cache is removed", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    const folder = join(dir, "cache")
    const file = bundle(dir, "module.exports = 2")
    const { name } = runCached(file, folder)
    writeFileSync(join(folder, name), Buffer.from("not a V8 code cache"))
    writeFileSync(join(folder, "gateway-0123456789abcdef01234567.v8cache"), "old build")
    expect(runCached(file, folder).used).toBe(false)
    expect(readdirSync(folder)).toEqual([name])
    expect(readFileSync(join(folder, name)).length).toBeGreaterThan(100)
    expect(runCached(file, folder).used).toBe(true)
  })

  it("a cache shipped beside the bundle (cache/) is used when the gateway's folder has none, and is not copied there", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    const file = bundle(dir, "module.exports = 3")
    const made = join(dir, "made")
    const { name } = runCached(file, made)
    mkdirSync(join(dir, "cache"))
    copyFileSync(join(made, name), join(dir, "cache", name))
    const fresh = join(dir, "fresh")
    expect(runCached(file, fresh).used).toBe(true)
    expect(existsSync(fresh)).toBe(false)
    // One V8 rejects is only a compile, and the gateway's own cache is written.
    writeFileSync(join(dir, "cache", name), Buffer.from("not a V8 code cache"))
    expect(runCached(file, fresh).used).toBe(false)
    expect(readdirSync(fresh)).toEqual([name])
  })

  it("the build ships the cache of this Node: the binary started with a new HOME compiles nothing and writes no cache", () => {
    const bin = join(import.meta.dirname, "..", "dist", "bin")
    const name = cacheName(readFileSync(join(bin, "gateway.cjs"), "utf8"), process.version, [])
    expect(readdirSync(join(bin, "cache"))).toEqual([name])
    expect(statSync(join(bin, "cache", name)).mode & 0o044).toBe(0o044)
    const home = mkdtempSync(join(tmpdir(), "compile-cache-home-"))
    // stdin closed: the server starts, then ends.
    const run = spawnSync(process.execPath, [join(bin, "llm-cli-gateway.js")], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 30_000
    })
    expect(run.status, String(run.stderr)).toBe(0)
    expect(existsSync(join(home, ".llm-cli-gateway", "cache"))).toBe(false)
  })

  it("without a folder it only runs the bundle", () => {
    const dir = mkdtempSync(join(tmpdir(), "compile-cache-"))
    const file = bundle(dir, "module.exports = 1")
    expect(runCached(file, undefined).used).toBe(false)
    expect(readdirSync(dir)).toEqual(["bundle.cjs"])
  })
})
