/**
 * The built server, started over stdio and spoken to with the MCP SDK's
 * Client, runs each CLI (fakes that mimic their flags and formats).
 */
import { allClis } from "../../src/domain/Cli.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alive, type Gateway, startGateway, waitUntil } from "./harness.js"

interface Structured {
  readonly cli?: string
  readonly text?: string
  readonly sessionId?: string
  readonly correlationId?: string
  readonly exitCode?: number
  readonly model?: string
  readonly usage?: Record<string, number>
  readonly error?: { readonly _tag: string; readonly [k: string]: unknown }
}

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Structured
}

const clis = allClis
/** A model name each CLI takes (opencode names its provider). */
const modelFor = (cli: string) => (cli === "opencode" ? "opencode/big-pickle" : "test-model")

describe("stdio end to end", () => {
  let gateway: Gateway
  const call = async (name: string, args: Record<string, unknown>): Promise<Result> =>
    (await gateway.client.callTool({ name, arguments: args })) as unknown as Result

  beforeAll(async () => {
    gateway = await startGateway()
  })
  afterAll(async () => {
    await gateway?.close()
  })

  it("initializes with the server's name and instructions, and lists the request tools", async () => {
    expect(gateway.client.getServerVersion()?.name).toBe("llm-cli-gateway")
    expect(gateway.client.getInstructions()).toContain("claude_request")
    const { tools } = await gateway.client.listTools()
    const names = tools.map((t) => t.name)
    for (const cli of clis) expect(names).toContain(`${cli}_request`)
    const claude = tools.find((t) => t.name === "claude_request")!
    expect(claude.inputSchema.required).toEqual(["prompt"])
    expect(claude.annotations?.openWorldHint).toBe(true)
  })

  for (const cli of clis) {
    it(`${cli}_request runs the ${cli} CLI and answers with its reply, session id and metadata`, async () => {
      const before = gateway.records().length
      const result = await call(`${cli}_request`, { prompt: `hello ${cli}`, model: modelFor(cli), correlationId: `e2e-${cli}` })
      expect(result.isError ?? false).toBe(false)
      const text = result.content[0]?.text ?? ""
      expect(text).toContain(`hello ${cli}`)
      const s = result.structuredContent!
      expect(s.cli).toBe(cli)
      expect(s.text).toBe(text)
      expect(s.correlationId).toBe(`e2e-${cli}`)
      expect(s.exitCode).toBe(0)
      // The CLI's own id: a UUID, or opencode's `ses_…`.
      expect(s.sessionId).toMatch(/^([0-9a-f-]{36}|ses_[0-9A-Za-z]+)$/)
      const runs = gateway.records().slice(before).filter((r) => r.cli === cli)
      expect(runs).toHaveLength(1)
      const run = runs[0]!
      expect(run.prompt).toContain(`hello ${cli}`)
      // Its own element, or joined to its option (`--model=test-model`).
      expect(run.argv!.some((a) => a === modelFor(cli) || a.endsWith(`=${modelFor(cli)}`))).toBe(true)
      expect(run.argv!.join(" ")).not.toContain("hello")
    })
  }

  it("a prompt that is a flag reaches every CLI as prompt text, never as an option", async () => {
    const before = gateway.records().length
    for (const cli of clis) {
      const result = await call(`${cli}_request`, { prompt: "--dangerously-skip-permissions" })
      expect(result.isError ?? false).toBe(false)
    }
    const runs = gateway.records().slice(before).filter((r) => r.cli !== undefined)
    expect(runs.map((r) => r.cli).sort()).toEqual([...clis].sort())
    for (const run of runs) {
      expect(run.argv).not.toContain("--dangerously-skip-permissions")
      // qwen, like the real one, hears stdin and two newlines.
      expect(run.prompt?.trimEnd()).toBe("--dangerously-skip-permissions")
    }
  })

  it("refuses a model of --help, a model of '; rm -rf /' and a session id of ../../etc/passwd without starting a process", async () => {
    const before = gateway.records().length
    const cases = [
      ["claude_request", { prompt: "hi", model: "--help" }, "model"],
      ["codex_request", { prompt: "hi", model: "; rm -rf /" }, "model"],
      ["gemini_request", { prompt: "hi", sessionId: "../../etc/passwd" }, "sessionId"],
      ["grok_request", { prompt: "nul \u0000 byte" }, "prompt"]
    ] as const
    for (const [tool, args, field] of cases) {
      const result = await call(tool, args)
      expect(result.isError).toBe(true)
      expect(result.structuredContent?.error?._tag).toBe("InvalidRequest")
      expect(result.structuredContent?.error?.field).toBe(field)
      expect(result.content[0]?.text).toContain(field)
    }
    expect(gateway.records().length).toBe(before)
  })

  it("a failed run arrives as a typed error with the CLI's message and what to do", async () => {
    const result = await call("claude_request", { prompt: "[[fake:auth]] hi" })
    expect(result.isError).toBe(true)
    const error = result.structuredContent?.error
    expect(error?._tag).toBe("CliAuthRequired")
    expect(String(error?.loginCommand)).toContain("claude")
    expect(String(error?.cliMessage).length).toBeGreaterThan(0)
    expect(result.content[0]?.text).toContain("What to do")

    const untrusted = await call("gemini_request", { prompt: "[[fake:untrusted]] hi" })
    expect(untrusted.structuredContent?.error?._tag).toBe("CliWorkspaceUntrusted")
  })

  it("an unknown tool is a protocol error, not a crash", async () => {
    await expect(gateway.client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(/no_such_tool/)
    const { tools } = await gateway.client.listTools()
    expect(tools.length).toBeGreaterThan(0)
  })
})

describe("stdio with a missing CLI", () => {
  it("a CLI that is not installed is CliNotFound naming the CLI, the binary and how to fix it", async () => {
    const gateway = await startGateway({ LLM_GATEWAY_GROK_BIN: "/nonexistent/grok" })
    try {
      const result = (await gateway.client.callTool({ name: "grok_request", arguments: { prompt: "hi" } })) as unknown as Result
      expect(result.isError).toBe(true)
      const error = result.structuredContent?.error
      expect(error?._tag).toBe("CliNotFound")
      expect(error?.cli).toBe("grok")
      expect(String(error?.message)).toContain("/nonexistent/grok")
      expect(String(error?.hint)).toContain("LLM_GATEWAY_GROK_BIN")
      expect(gateway.stderr()).not.toContain("died")
    } finally {
      await gateway.close()
    }
  })
})

describe("stdio shutdown", () => {
  it("when the client closes stdin mid-request, the server exits within a second and the CLI is gone", async () => {
    const gateway = await startGateway()
    const pending = gateway.client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:silent]] wait" } })
      .catch(() => undefined)
    await waitUntil(() => gateway.records().some((r) => r.cli === "claude"))
    const cliPid = gateway.records().find((r) => r.cli === "claude")!.pid!
    expect(alive(cliPid)).toBe(true)
    const serverPid = gateway.transport.pid!
    const start = Date.now()
    await gateway.close()
    const took = Date.now() - start
    await pending
    expect(took).toBeLessThan(1500)
    expect(alive(serverPid)).toBe(false)
    expect(alive(cliPid)).toBe(false)
  })

  it("on SIGTERM the server ends a running CLI that ignores SIGTERM, then exits", async () => {
    const gateway = await startGateway()
    const pending = gateway.client.callTool({
      name: "codex_request",
      arguments: { prompt: "[[fake:silent]] [[fake:ignore-term]] wait" }
    }).catch(() => undefined)
    await waitUntil(() => gateway.records().some((r) => r.cli === "codex"))
    const cliPid = gateway.records().find((r) => r.cli === "codex")!.pid!
    const serverPid = gateway.transport.pid!
    process.kill(serverPid, "SIGTERM")
    await waitUntil(() => !alive(serverPid), 3000)
    expect(alive(cliPid)).toBe(false)
    await pending
    await gateway.close()
  })
})
