/**
 * The binary compiles the server through V8's code cache: the build ships
 * the cache of the Node that built it beside the bundle, which a first start
 * on that Node reads (writing none); without it (another Node, or a copy of
 * the binary without it) the first start writes the cache to the gateway's
 * folder (0600 in 0700) and the next starts read it; and
 * LLM_GATEWAY_COMPILE_CACHE=false writes none.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { cacheName } from "../../src/compileCache.js"
import { binary, callTool, node, startGateway, tempDir } from "./harness.js"

const serve = async (dir: string, env: Record<string, string> = {}, bin?: string) => {
  const gateway = await startGateway(env, { dir, ...(bin !== undefined ? { binary: bin } : {}) })
  try {
    expect((await callTool(gateway, "llm_process_health", {})).isError ?? false).toBe(false)
  } finally {
    await gateway.close()
  }
}

/** Whether the build shipped a cache for the Node that runs the server (LLM_GATEWAY_TEST_NODE may be another). */
const shippedForServerNode = (): boolean => {
  const version = spawnSync(node, ["-p", "process.version"], { encoding: "utf8" }).stdout.trim()
  const name = cacheName(readFileSync(join(dirname(binary), "gateway.cjs"), "utf8"), version, [])
  return existsSync(join(dirname(binary), "cache", name))
}

const copies: Array<string> = []
afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true })
})

/**
 * The binary and its bundle, copied without the shipped cache, inside the folder that holds the binary's
 * dist/ (the project, or the app scripts/node24.mjs assembles), so that its node_modules resolve.
 */
const copyWithoutCache = (): string => {
  const app = resolve(dirname(binary), "..", "..")
  mkdirSync(join(app, ".tmp"), { recursive: true })
  const copy = mkdtempSync(join(app, ".tmp", "binary-"))
  copies.push(copy)
  for (const file of ["llm-cli-gateway.js", "gateway.cjs"]) copyFileSync(join(dirname(binary), file), join(copy, file))
  return join(copy, "llm-cli-gateway.js")
}

describe("the code cache over stdio", () => {
  it("a first start with a new HOME reads the cache shipped for its Node and writes none (on another Node, its own)", async () => {
    const dir = tempDir()
    await serve(dir)
    const folder = join(dir, ".llm-cli-gateway", "cache")
    if (shippedForServerNode()) expect(existsSync(folder)).toBe(false)
    else expect(readdirSync(folder)).toHaveLength(1)
  })

  it("without a shipped cache, is written by the first start and kept by the next", async () => {
    const bin = copyWithoutCache()
    const dir = tempDir()
    const folder = join(dir, ".llm-cli-gateway", "cache")
    await serve(dir, {}, bin)
    const [file] = readdirSync(folder)
    expect(file).toMatch(/^gateway-[0-9a-f]{24}\.v8cache$/)
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    expect(statSync(join(folder, file!)).mode & 0o777).toBe(0o600)
    const written = statSync(join(folder, file!)).mtimeMs
    await serve(dir, {}, bin)
    // Read, not rewritten: V8 accepted it.
    expect(readdirSync(folder)).toEqual([file])
    expect(statSync(join(folder, file!)).mtimeMs).toBe(written)
  })

  it("is neither read nor written with LLM_GATEWAY_COMPILE_CACHE=false", async () => {
    const dir = tempDir()
    await serve(dir, { LLM_GATEWAY_COMPILE_CACHE: "false" }, copyWithoutCache())
    expect(existsSync(join(dir, ".llm-cli-gateway", "cache"))).toBe(false)
  })
})
