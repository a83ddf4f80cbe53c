/**
 * The whole 1.4.0 surface over stdio: every tool listed, and the session,
 * model, CLI lifecycle and approval tools working against the fake CLIs.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callTool, type Gateway, startGateway } from "./harness.js"

const upstream = JSON.parse(
  readFileSync(new URL("../fixtures/upstream-1.4.0-tools.json", import.meta.url), "utf8")
) as { tools: ReadonlyArray<{ name: string }> }

describe("the 1.4.0 surface end to end", () => {
  let gateway: Gateway
  beforeAll(async () => {
    gateway = await startGateway({ LLM_GATEWAY_APPROVAL_POLICY: "strict", CLAUDE_DEFAULT_MODEL: "opus" })
  })
  afterAll(async () => {
    await gateway?.close()
  })

  it("lists all 22 tools of 1.4.0, plus llm_job_wait", async () => {
    const { tools } = await gateway.client.listTools()
    const names = tools.map((t) => t.name)
    expect(upstream.tools).toHaveLength(22)
    for (const tool of upstream.tools) expect(names).toContain(tool.name)
    expect(names).toContain("llm_job_wait")
  })

  it("sessions: create, list, set active, get, delete, clear; a request's CLI session is recorded and a linked gw- id resumes it", async () => {
    const created = await callTool(gateway, "session_create", { cli: "claude" })
    const gwId = created.structuredContent!.session.id as string
    expect(gwId).toMatch(/^gw-/)
    const listed = await callTool(gateway, "session_list", { cli: "claude" })
    expect(listed.structuredContent!.activeSessions.claude).toBe(gwId)

    const unlinked = await callTool(gateway, "claude_request", { prompt: "hi", sessionId: gwId })
    expect(unlinked.structuredContent!.error._tag).toBe("GatewaySessionUnlinked")

    const first = await callTool(gateway, "claude_request", { prompt: "start a conversation" })
    const cliSession = first.structuredContent!.sessionId as string
    const got = await callTool(gateway, "session_get", { sessionId: gwId })
    expect(got.structuredContent!.session.cliSessionId).toBe(cliSession)

    const before = gateway.records().length
    const resumed = await callTool(gateway, "claude_request", { prompt: "continue it", sessionId: gwId })
    expect(resumed.isError ?? false).toBe(false)
    const run = gateway.records().slice(before).find((r) => r.cli === "claude")!
    expect(run.argv).toContain("--resume")
    expect(run.argv).toContain(cliSession)

    const cleared = await callTool(gateway, "session_set_active", { cli: "claude", sessionId: null })
    expect(cleared.structuredContent!.activeSessionId).toBeNull()
    const deleted = await callTool(gateway, "session_delete", { sessionId: gwId })
    expect(deleted.structuredContent!.deleted).toBe(true)
    const missing = await callTool(gateway, "session_get", { sessionId: gwId })
    expect(missing.structuredContent!.error._tag).toBe("SessionNotFound")
    const all = await callTool(gateway, "session_clear_all", {})
    expect(all.structuredContent!.removed).toBeGreaterThanOrEqual(1)
  })

  it("models: list_models reports the env default, and `default` resolves to it in a request", async () => {
    const listing = await callTool(gateway, "list_models", { cli: "claude" })
    const claude = listing.structuredContent!.clis.claude
    expect(claude.defaultModel).toBe("opus")
    expect(claude.defaultModelSource).toBe("env")
    const before = gateway.records().length
    await callTool(gateway, "claude_request", { prompt: "which model?", model: "default" })
    const run = gateway.records().slice(before).find((r) => r.cli === "claude")!
    expect(run.argv).toContain("opus")
    expect(run.argv).not.toContain("default")
  })

  it("CLI lifecycle: cli_versions reports each fake's version; cli_upgrade plans without running, and refuses an npm alias", async () => {
    const versions = await callTool(gateway, "cli_versions", {})
    const byCli = Object.fromEntries(
      (versions.structuredContent!.versions as Array<{ cli: string; status: string; version?: string }>).map((v) => [v.cli, v])
    )
    for (const cli of ["claude", "codex", "gemini", "grok"]) expect(byCli[cli]?.status).toBe("installed")
    const plan = await callTool(gateway, "cli_upgrade", { cli: "gemini", target: "latest" })
    expect(plan.structuredContent!.dryRun).toBe(true)
    expect(plan.structuredContent!.plan.argv.join(" ")).toContain("@google/gemini-cli@latest")
    const hostile = await callTool(gateway, "cli_upgrade", { cli: "codex", target: "npm:evil-package", dryRun: false })
    expect(hostile.structuredContent!.error._tag).toBe("UpgradeTargetInvalid")
  })

  it("approvals: a strict mcp_managed request asking for a bypass is denied before any process, and the log shows it", async () => {
    const before = gateway.records().length
    const denied = await callTool(gateway, "codex_request", {
      prompt: "do anything",
      approvalStrategy: "mcp_managed",
      dangerouslyBypassApprovalsAndSandbox: true
    })
    expect(denied.structuredContent!.error._tag).toBe("ApprovalDenied")
    expect(gateway.records().length).toBe(before)
    const log = await callTool(gateway, "approval_list", { cli: "codex", limit: 5 })
    const latest = (log.structuredContent!.approvals as Array<{ status: string; policy: string }>)[0]!
    expect(latest).toMatchObject({ status: "denied", policy: "strict" })

    const permissive = await callTool(gateway, "codex_request", {
      prompt: "do anything, permitted",
      approvalStrategy: "mcp_managed",
      approvalPolicy: "permissive",
      dangerouslyBypassApprovalsAndSandbox: true
    })
    expect(permissive.isError ?? false).toBe(false)
    const run = gateway.records().slice(before).find((r) => r.cli === "codex")!
    expect(run.argv).toContain("--dangerously-bypass-approvals-and-sandbox")
  })

  it("approvals: strict refuses every shell form; a request the adapter refuses is not logged as approved", async () => {
    const forms: ReadonlyArray<readonly [string, string]> = [
      ["claude", "Bash(sh:*)"],
      ["claude", "Bash(bash -c:*)"],
      ["claude", "Bash(env:*)"],
      ["claude", "Bash(git log:*)"],
      ["gemini", "run_shell_command(rm)"],
      ["gemini", "run_shell_command"]
    ]
    const before = gateway.records().length
    for (const [cli, tool] of forms) {
      const denied = await callTool(gateway, `${cli}_request`, {
        prompt: "tidy up",
        approvalStrategy: "mcp_managed",
        allowedTools: [tool]
      })
      expect(denied.structuredContent!.error._tag, tool).toBe("ApprovalDenied")
    }
    expect(gateway.records().length).toBe(before)
    const logged = async () =>
      ((await callTool(gateway, "approval_list", { cli: "gemini", limit: 500 })).structuredContent!.approvals as Array<unknown>)
        .length
    const count = await logged()
    // balanced would approve the shell rule, but gemini reads the comma as a list separator: refused, and not logged.
    const comma = await callTool(gateway, "gemini_request", {
      prompt: "read two files",
      approvalStrategy: "mcp_managed",
      approvalPolicy: "balanced",
      allowedTools: ["run_shell_command(git log,git diff)"]
    })
    expect(comma.structuredContent!.error._tag).toBe("InvalidRequest")
    expect(await logged()).toBe(count)
  })
})

describe("MCP servers from the user's registry", () => {
  it("claude gets the defined servers in a private --mcp-config (removed after the run); missing ones are reported, or refused when strict; gemini gets their names", async () => {
    const { mkdtempSync, writeFileSync, existsSync } = await import("node:fs")
    const { join } = await import("node:path")
    const { tmpdir } = await import("node:os")
    const dir = mkdtempSync(join(tmpdir(), "gateway-mcp-"))
    const registry = join(dir, "mcp-servers.json")
    writeFileSync(registry, JSON.stringify({ mcpServers: { docs: { command: "docs-server", args: ["--stdio"] } } }))
    const gateway = await startGateway({ LLM_GATEWAY_MCP_SERVERS: registry })
    try {
      const before = gateway.records().length
      const answer = await callTool(gateway, "claude_request", { prompt: "use docs", mcpServers: ["docs", "nope"] })
      expect(answer.isError ?? false).toBe(false)
      expect(answer.structuredContent!.mcpServers).toEqual({ requested: ["docs", "nope"], enabled: ["docs"], missing: ["nope"] })
      const run = gateway.records().slice(before).find((r) => r.cli === "claude")!
      const at = run.argv!.indexOf("--mcp-config")
      expect(at).toBeGreaterThan(-1)
      expect(existsSync(run.argv![at + 1]!)).toBe(false)

      const strict = await callTool(gateway, "claude_request", { prompt: "strict", mcpServers: ["nope"], strictMcpConfig: true })
      expect(strict.structuredContent!.error._tag).toBe("McpServersMissing")

      const gem = await callTool(gateway, "gemini_request", { prompt: "use docs too", mcpServers: ["docs", "nope"] })
      expect(gem.isError ?? false).toBe(false)
      const gemRun = gateway.records().slice(before).find((r) => r.cli === "gemini")!
      expect(gemRun.argv).toEqual(expect.arrayContaining(["--allowed-mcp-server-names", "docs"]))
      expect(gemRun.argv).not.toContain("nope")
    } finally {
      await gateway.close()
    }
  })
})
