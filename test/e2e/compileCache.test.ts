/**
 * The binary compiles the server through V8's code cache: the first start
 * writes it to the gateway's folder (0600 in 0700), the next starts read it,
 * and LLM_GATEWAY_COMPILE_CACHE=false writes none.
 */
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callTool, startGateway, tempDir } from "./harness.js"

const serve = async (dir: string, env: Record<string, string> = {}) => {
  const gateway = await startGateway(env, { dir })
  try {
    expect((await callTool(gateway, "llm_process_health", {})).isError ?? false).toBe(false)
  } finally {
    await gateway.close()
  }
}

describe("the code cache over stdio", () => {
  it("is written by the first start and kept by the next", async () => {
    const dir = tempDir()
    const folder = join(dir, ".llm-cli-gateway", "cache")
    await serve(dir)
    const [file] = readdirSync(folder)
    expect(file).toMatch(/^gateway-[0-9a-f]{24}\.v8cache$/)
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    expect(statSync(join(folder, file!)).mode & 0o777).toBe(0o600)
    const written = statSync(join(folder, file!)).mtimeMs
    await serve(dir)
    // Read, not rewritten: V8 accepted it.
    expect(readdirSync(folder)).toEqual([file])
    expect(statSync(join(folder, file!)).mtimeMs).toBe(written)
  })

  it("is neither read nor written with LLM_GATEWAY_COMPILE_CACHE=false", async () => {
    const dir = tempDir()
    await serve(dir, { LLM_GATEWAY_COMPILE_CACHE: "false" })
    expect(existsSync(join(dir, ".llm-cli-gateway", "cache"))).toBe(false)
  })
})
