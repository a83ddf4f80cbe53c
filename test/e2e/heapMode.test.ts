/**
 * The binary runs in its V8 heap mode and says so: `llm_process_health`
 * reports the mode and the server's memory, lean by default, V8's own
 * settings with LLM_GATEWAY_HEAP=default, Node's command line when that
 * sets the heap; a bad LLM_GATEWAY_HEAP is a clear error.
 */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { binary, callTool, startGateway, tempDir } from "./harness.js"

const memoryOf = async (env: Record<string, string>, nodeArgs: ReadonlyArray<string> = []) => {
  const gateway = await startGateway(env, { nodeArgs })
  try {
    const health = await callTool(gateway, "llm_process_health", {})
    return { health, stderr: gateway.stderr() }
  } finally {
    await gateway.close()
  }
}

describe("the heap mode over stdio", () => {
  it("is lean by default, and the memory figures are the server's own", async () => {
    const { health, stderr } = await memoryOf({})
    expect(health.isError ?? false).toBe(false)
    const memory = health.structuredContent?.memory
    expect(memory.heapMode).toBe("lean")
    expect(memory.rssBytes).toBeGreaterThan(20 * 1024 * 1024)
    expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes)
    expect(memory.heapUsedBytes).toBeGreaterThan(0)
    expect(memory.heapTotalBytes).toBeGreaterThanOrEqual(memory.heapUsedBytes)
    expect(health.content[0]?.text).toMatch(/MiB resident, .* MiB at peak \(V8 heap mode: lean\)/)
    // V8 knew every flag (it complains on stderr about those it does not).
    expect(stderr).not.toMatch(/unrecognized flag/i)
  })

  it("is V8's own with LLM_GATEWAY_HEAP=default, and Node's command line wins over both", async () => {
    expect((await memoryOf({ LLM_GATEWAY_HEAP: "default" })).health.structuredContent?.memory.heapMode).toBe("default")
    expect((await memoryOf({}, ["--max-semi-space-size=8"])).health.structuredContent?.memory.heapMode).toBe(
      "node-options"
    )
  })

  it("refuses to start with a value it does not know, naming the variable", () => {
    const home = tempDir()
    const run = spawnSync(process.execPath, [binary], {
      cwd: home,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LLM_GATEWAY_HEAP: "tiny" },
      input: "",
      encoding: "utf8",
      timeout: 10_000
    })
    expect(run.status).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("LLM_GATEWAY_HEAP")
  })
})
