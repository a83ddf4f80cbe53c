/**
 * The built server over stdio, with the fake claude failing its first run
 * as a network reset does: the request succeeds on one retry.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { rmSync } from "node:fs"
import { callTool, type Gateway, startGateway, tempDir } from "../e2e/harness.js"

describe("retry over stdio", () => {
  let gateway: Gateway | undefined
  const dirs: Array<string> = []

  afterEach(async () => {
    await gateway?.close()
    gateway = undefined
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  const start = async (env: Record<string, string> = {}) => {
    const dir = tempDir()
    dirs.push(dir)
    gateway = await startGateway({
      FAKE_CLI_STATE: dir,
      LLM_GATEWAY_RETRY_BASE_DELAY_MS: "50",
      LLM_GATEWAY_LOG_LEVEL: "Debug",
      ...env
    }, { dir })
    return gateway
  }

  it("a request whose CLI fails transiently once succeeds with one retry", async () => {
    const g = await start()
    const result = await callTool(g, "claude_request", {
      prompt: "Please  say   hi [[fake:fail-first=1]]",
      optimizePrompt: true,
      optimizeResponse: true,
      mcpServers: []
    })
    expect(result.isError, JSON.stringify(result)).toBeFalsy()
    expect(result.structuredContent?.text).toBe("claude fake reply to: Say hi")
    expect(result.structuredContent?.responseOptimization).toMatchObject({ charsBefore: 28, charsAfter: 28 })
    const runs = g.records().filter((r) => r.cli === "claude")
    expect(runs).toHaveLength(2)
    // The optimized prompt is what the CLI got, both times.
    expect(runs.map((r) => r.prompt)).toEqual(["Say hi [[fake:fail-first=1]]", "Say hi [[fake:fail-first=1]]"])
    expect(g.stderr()).toMatch(/attempt 1 of 3 failed transiently \(CliNetworkError\); retrying in \d+ ms/)
  })

  it("with retries off, the same failure is the answer, typed", async () => {
    const g = await start({ LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1" })
    const result = await callTool(g, "claude_request", { prompt: "hi [[fake:fail-first=1]]", mcpServers: [] })
    expect(result.isError).toBe(true)
    expect(result.structuredContent?.error?._tag).toBe("CliNetworkError")
    expect(result.structuredContent?.error?.cliMessage).toMatch(/ECONNRESET/)
    expect(result.structuredContent?.error?.retriedByCli).toBe(false)
    expect(g.records().filter((r) => r.cli === "claude")).toHaveLength(1)
  })

  it("after repeated failures the breaker answers CircuitOpen without starting the CLI", async () => {
    const g = await start({ LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1", LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2" })
    for (let i = 0; i < 2; i++) {
      const r = await callTool(g, "claude_request", { prompt: `crash ${i} [[fake:crash]]`, mcpServers: [] })
      expect(r.isError).toBe(true)
    }
    const refused = await callTool(g, "claude_request", { prompt: "hi", mcpServers: [] })
    expect(refused.isError).toBe(true)
    expect(refused.structuredContent?.error).toMatchObject({ _tag: "CircuitOpen", cli: "claude" })
    expect(refused.content[0]?.text).toMatch(/What to do: Retry after \d+ s/)
    expect(g.records().filter((r) => r.cli === "claude")).toHaveLength(2)
    // Another CLI is not affected.
    const codex = await callTool(g, "codex_request", { prompt: "hi", mcpServers: [] })
    expect(codex.isError, JSON.stringify(codex)).toBeFalsy()
  })
})
