/**
 * The failures a new user meets with the real CLIs, over stdio with the
 * built server and fakes that behave as the real binaries did (see
 * test/fixtures/real): a CLI that never gives up on the network, one that
 * retries by itself, a run past its time bound, another program installed
 * as `grok`, and a request that names no MCP server.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { alive, callTool, type Gateway, root, startGateway, tempDir, waitUntil } from "./harness.js"

const communityGrok = join(root, "test/fixtures/community/grok")

describe("the real CLIs' failures over stdio", () => {
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
    gateway = await startGateway({ LLM_GATEWAY_RETRY_BASE_DELAY_MS: "50", ...env }, { dir })
    return { gateway, dir }
  }

  it("codex reconnecting for ever ends with CliNetworkError once the network bound passes, its process gone", async () => {
    const { gateway: g } = await start({ LLM_GATEWAY_NETWORK_FAIL_AFTER_MS: "1000" })
    const began = Date.now()
    const result = await callTool(g, "codex_request", { prompt: "hi [[fake:no-network=150]]" })
    const took = Date.now() - began
    expect(result.isError).toBe(true)
    const error = result.structuredContent?.error
    expect(error).toMatchObject({ _tag: "CliNetworkError", cli: "codex", retriedByCli: true })
    expect(error.cliMessage).toContain("waiting for network")
    expect(error.hint).toContain("HTTPS_PROXY")
    expect(took).toBeLessThan(15_000)
    const runs = g.records().filter((r) => r.cli === "codex")
    expect(runs).toHaveLength(1)
    await waitUntil(() => !alive(runs[0]!.pid!), 5_000)
  })

  it("claude that gave up after its own retries is not run again (1.4.0 ran it three times)", async () => {
    const { gateway: g } = await start()
    const result = await callTool(g, "claude_request", { prompt: "hi [[fake:no-network=3]] [[fake:delay=50]] [[fake:refused]]" })
    expect(result.isError).toBe(true)
    expect(result.structuredContent?.error).toMatchObject({ _tag: "CliNetworkError", cli: "claude", retriedByCli: true })
    expect(result.structuredContent?.error?.cliMessage).toContain("ECONNREFUSED")
    expect(g.records().filter((r) => r.cli === "claude")).toHaveLength(1)
  })

  it("claude still retrying past the network bound is stopped with CliNetworkError, once", async () => {
    const { gateway: g } = await start({ LLM_GATEWAY_NETWORK_FAIL_AFTER_MS: "800" })
    const began = Date.now()
    const result = await callTool(g, "claude_request", { prompt: "hi [[fake:no-network=100]] [[fake:delay=200]]" })
    expect(Date.now() - began).toBeLessThan(10_000)
    expect(result.structuredContent?.error).toMatchObject({ _tag: "CliNetworkError", retriedByCli: true })
    expect(result.structuredContent?.error?.cliMessage).toContain("claude is retrying")
    expect(g.records().filter((r) => r.cli === "claude")).toHaveLength(1)
  })

  it("a run past maxRunMs ends with RunTimedOut and its process gone", async () => {
    const { gateway: g } = await start()
    const began = Date.now()
    const result = await callTool(g, "claude_request", { prompt: "hi [[fake:sleep=20000]]", maxRunMs: 1_500 })
    expect(Date.now() - began).toBeLessThan(10_000)
    expect(result.structuredContent?.error).toMatchObject({ _tag: "RunTimedOut", cli: "claude", maxRunMs: 1_500 })
    expect(result.structuredContent?.error?.hint).toContain("LLM_GATEWAY_MAX_RUN_MS")
    const runs = g.records().filter((r) => r.cli === "claude")
    expect(runs).toHaveLength(1)
    await waitUntil(() => !alive(runs[0]!.pid!), 5_000)
  })

  it("LLM_GATEWAY_MAX_RUN_MS is the default bound", async () => {
    const { gateway: g } = await start({ LLM_GATEWAY_MAX_RUN_MS: "1200" })
    const result = await callTool(g, "gemini_request", { prompt: "hi [[fake:sleep=20000]]" })
    expect(result.structuredContent?.error).toMatchObject({ _tag: "RunTimedOut", cli: "gemini", maxRunMs: 1_200 })
  })

  it("another program installed as grok: CliIncompatible on request, in cli_versions and in cli_upgrade, and it never runs `update`", async () => {
    const recordDir = tempDir()
    dirs.push(recordDir)
    const record = join(recordDir, "community.jsonl")
    const { gateway: g } = await start({ LLM_GATEWAY_GROK_BIN: communityGrok, FAKE_CLI_COMMUNITY_RECORD: record })
    const request = await callTool(g, "grok_request", { prompt: "Say hi" })
    expect(request.isError).toBe(true)
    expect(request.structuredContent?.error).toMatchObject({ _tag: "CliIncompatible", cli: "grok", path: communityGrok })
    expect(request.structuredContent?.error?.found).toContain('"1.0.1"')
    expect(request.structuredContent?.error?.expected).toContain("x.ai/cli/install.sh")

    const versions = await callTool(g, "cli_versions", { cli: "grok" })
    expect(versions.structuredContent?.versions).toEqual([
      expect.objectContaining({ cli: "grok", status: "incompatible", path: communityGrok })
    ])

    for (const dryRun of [true, false]) {
      const upgrade = await callTool(g, "cli_upgrade", { cli: "grok", dryRun })
      expect(upgrade.isError, `dryRun ${dryRun}`).toBe(true)
      expect(upgrade.structuredContent?.error?._tag).toBe("CliIncompatible")
    }
    const argvs = existsSync(record)
      ? readFileSync(record, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { argv: Array<string> }).argv)
      : []
    expect(argvs.length).toBeGreaterThan(0)
    for (const argv of argvs) expect(["--version", "--help"]).toContain(argv[0])
  })

  it("a request that names no MCP server asks for none, strictMcpConfig included", async () => {
    const { gateway: g } = await start()
    const result = await callTool(g, "claude_request", { prompt: "hi", strictMcpConfig: true })
    expect(result.isError, JSON.stringify(result.structuredContent)).toBeFalsy()
    const argv = g.records().find((r) => r.cli === "claude")!.argv!
    expect(argv).toContain("--strict-mcp-config")
    expect(argv).not.toContain("--mcp-config")
  })
})
