/**
 * The whole surface over Streamable HTTP, against the built binary
 * (`--http`, a tokens file, a temporary HOME, the fake CLIs): every tool
 * the server lists called at least once with valid arguments and its answer
 * checked, the resources listed and read, a task-augmented call followed by
 * tasks/get and tasks/result, and what the binary refuses (401, 403, 413)
 * as its environment configures it. Every session ends by DELETE; the
 * server ends on SIGTERM with no CLI left.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { CallToolResultSchema, CreateTaskResultSchema, RELATED_TASK_META_KEY } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allClis } from "../../src/domain/Cli.js"
import { type BinaryServer, runningInGroups, startBinaryServer } from "./binaryServer.js"
import { alive, type Connected, connect, initializeBody, raw, waitUntil } from "./harness.js"

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

const TOKEN = "lcg_all-tools-test-token-0123456789abcdefghij"
const MAX_BODY = 2_048

describe("every tool, resource and task over HTTP, against the built binary", () => {
  let server: BinaryServer
  let session: Connected
  let listed: ReadonlyArray<string> = []
  const called = new Set<string>()
  const sessions: Array<Connected> = []

  const call = async (name: string, args: Record<string, unknown>, client: Client = session.client): Promise<Result> => {
    called.add(name)
    return (await client.callTool({ name, arguments: args })) as Result
  }
  const ok = (result: Result, what: string): Record<string, any> => {
    expect(result.isError ?? false, `${what}: ${JSON.stringify(result.structuredContent)}`).toBe(false)
    expect(result.content.length, what).toBeGreaterThan(0)
    expect(result.content[0]!.type).toBe("text")
    expect(result.structuredContent, what).toBeDefined()
    return result.structuredContent!
  }
  const open = async (): Promise<Connected> => {
    const connected = await connect(server.url, { token: TOKEN })
    sessions.push(connected)
    return connected
  }

  beforeAll(async () => {
    server = await startBinaryServer({
      tokens: { ci: TOKEN },
      env: {
        LLM_GATEWAY_HTTP_MAX_BODY_BYTES: String(MAX_BODY),
        // An npm that is not there: a real upgrade cannot run here, and must say so, typed.
        LLM_GATEWAY_NPM_BIN: "/nonexistent/npm",
        LLM_GATEWAY_APPROVAL_POLICY: "strict",
        LLM_GATEWAY_FLUSH_INTERVAL_MS: "100"
      }
    })
    session = await open()
    // The client validates structuredContent against each listed outputSchema from here on.
    listed = (await session.client.listTools()).tools.map((t) => t.name)
  }, 60_000)

  afterAll(async () => {
    if (server === undefined) return
    for (const s of sessions) {
      await s.transport.terminateSession().catch(() => undefined)
      await s.client.close().catch(() => undefined)
    }
    await server.stop()
  })

  it("lists every request tool of each CLI and the service tools", () => {
    for (const cli of allClis) expect(listed).toEqual(expect.arrayContaining([`${cli}_request`, `${cli}_request_async`]))
    expect(listed).toEqual(expect.arrayContaining([
      "llm_job_status",
      "llm_job_wait",
      "llm_job_result",
      "llm_job_cancel",
      "llm_process_health",
      "approval_list",
      "list_models",
      "cli_versions",
      "cli_upgrade",
      "session_create",
      "session_list",
      "session_set_active",
      "session_get",
      "session_delete",
      "session_clear_all"
    ]))
    expect(server.stderr()).toContain("bearer tokens required (1)")
  })

  it("each CLI's sync request answers its own reply", async () => {
    const answers = await Promise.all(allClis.map((cli) => call(`${cli}_request`, { prompt: `sync question for ${cli}` })))
    for (const [i, cli] of allClis.entries()) {
      const out = ok(answers[i]!, `${cli}_request`)
      expect(out.cli).toBe(cli)
      expect(out.jobId).toMatch(/^[0-9a-f-]{36}$/)
      expect(answers[i]!.content[0]!.text).toContain(`sync question for ${cli}`)
      expect(out.text).toContain(`sync question for ${cli}`)
    }
    for (const cli of allClis) expect(server.records().some((r) => r.cli === cli && r.prompt?.includes(`for ${cli}`))).toBe(true)
  })

  it("each CLI's async request starts a job that the job tools follow to its result", async () => {
    for (const cli of allClis) {
      const started = ok(await call(`${cli}_request_async`, { prompt: `[[fake:sleep=100]] async question for ${cli}` }), `${cli}_request_async`)
      const jobId = started.jobId as string
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
      const status = ok(await call("llm_job_status", { jobId }), "llm_job_status")
      expect(status.jobId).toBe(jobId)
      expect(["queued", "running", "completed"]).toContain(status.status)
      const waited = ok(await call("llm_job_wait", { jobId, timeoutMs: 20_000 }), "llm_job_wait")
      expect(waited.status).toBe("completed")
      const page = ok(await call("llm_job_result", { jobId }), "llm_job_result")
      expect(page.text).toContain(`async question for ${cli}`)
    }
  })

  it("llm_job_cancel ends a running job and its CLI; llm_process_health shows it running, then not", async () => {
    const before = server.records().length
    const started = ok(await call("codex_request_async", { prompt: "[[fake:silent]] cancel me over http" }), "codex_request_async")
    const jobId = started.jobId as string
    await waitUntil(() => server.records().slice(before).some((r) => r.cli === "codex"), 10_000)
    const pid = server.records().slice(before).find((r) => r.cli === "codex")!.pid!
    const running = ok(await call("llm_process_health", {}), "llm_process_health")
    expect(running.running.map((r: { jobId: string }) => r.jobId)).toContain(jobId)
    expect(running.limits.global).toBeGreaterThan(0)
    const cancelled = ok(await call("llm_job_cancel", { jobId }), "llm_job_cancel")
    expect(cancelled.jobId).toBe(jobId)
    expect(["canceled", "cancelling"]).toContain(cancelled.status)
    await waitUntil(() => !alive(pid), 5_000)
    const after = ok(await call("llm_process_health", {}), "llm_process_health")
    expect(after.running.map((r: { jobId: string }) => r.jobId)).not.toContain(jobId)
    expect(ok(await call("llm_job_status", { jobId }), "llm_job_status").status).toBe("canceled")
  })

  it("a job tool given an unknown job answers a typed error, not a protocol error", async () => {
    const unknown = await call("llm_job_status", { jobId: "00000000-0000-4000-8000-000000000000" })
    expect(unknown.isError).toBe(true)
    expect(unknown.structuredContent!.error._tag).toBe("JobNotFound")
  })

  it("approvals: a strict mcp_managed bypass is denied before any process, and approval_list shows it", async () => {
    const before = server.records().length
    const denied = await call("codex_request", {
      prompt: "do anything",
      approvalStrategy: "mcp_managed",
      dangerouslyBypassApprovalsAndSandbox: true
    })
    expect(denied.isError).toBe(true)
    expect(denied.structuredContent!.error._tag).toBe("ApprovalDenied")
    expect(server.records().length).toBe(before)
    const log = ok(await call("approval_list", { cli: "codex", limit: 5 }), "approval_list")
    expect(log.approvals[0]).toMatchObject({ status: "denied", policy: "strict" })
  })

  it("models and CLI versions: list_models and cli_versions report each fake", async () => {
    const models = ok(await call("list_models", {}), "list_models")
    for (const cli of allClis) expect(models.clis[cli], cli).toBeDefined()
    const versions = ok(await call("cli_versions", {}), "cli_versions")
    const byCli = Object.fromEntries((versions.versions as Array<{ cli: string; status: string }>).map((v) => [v.cli, v]))
    for (const cli of allClis) expect(byCli[cli]?.status, cli).toBe("installed")
  })

  it("cli_upgrade plans by default; a real run that cannot run here is a typed error", async () => {
    const plan = ok(await call("cli_upgrade", { cli: "gemini", target: "latest" }), "cli_upgrade")
    expect(plan.dryRun).toBe(true)
    expect(plan.plan.argv.join(" ")).toContain("@google/gemini-cli@latest")
    const run = await call("cli_upgrade", { cli: "gemini", target: "latest", dryRun: false, timeoutMs: 30_000 })
    expect(run.isError).toBe(true)
    expect(run.structuredContent!.error).toMatchObject({ _tag: "CliNotFound", command: "/nonexistent/npm" })
    expect(run.content[0]!.text).toContain("/nonexistent/npm")
  })

  it("sessions: create, list, set active, get, delete, clear", async () => {
    const created = ok(await call("session_create", { cli: "claude" }), "session_create")
    const id = created.session.id as string
    expect(id).toMatch(/^gw-/)
    const listedSessions = ok(await call("session_list", { cli: "claude" }), "session_list")
    expect(listedSessions.activeSessions.claude).toBe(id)
    const cleared = ok(await call("session_set_active", { cli: "claude", sessionId: null }), "session_set_active")
    expect(cleared.activeSessionId).toBeNull()
    const set = ok(await call("session_set_active", { cli: "claude", sessionId: id }), "session_set_active")
    expect(set.activeSessionId).toBe(id)
    expect(ok(await call("session_get", { sessionId: id }), "session_get").session.id).toBe(id)
    expect(ok(await call("session_delete", { sessionId: id }), "session_delete").deleted).toBe(true)
    const missing = await call("session_get", { sessionId: id })
    expect(missing.isError).toBe(true)
    expect(missing.structuredContent!.error._tag).toBe("SessionNotFound")
    ok(await call("session_create", { cli: "gemini" }), "session_create")
    expect(ok(await call("session_clear_all", {}), "session_clear_all").removed).toBeGreaterThanOrEqual(1)
  })

  it("resources: every listed resource reads, and the jobs://{id} template reads a job", async () => {
    const { resources } = await session.client.listResources()
    const uris = resources.map((r) => r.uri)
    expect(uris).toEqual(expect.arrayContaining(["jobs://recent", "sessions://all"]))
    for (const uri of uris) {
      if (uri === "metrics://performance") {
        // Every principal's counts: the operator's only, refused to a token's session.
        await expect(session.client.readResource({ uri })).rejects.toThrow(/operator/)
        continue
      }
      const { contents } = await session.client.readResource({ uri })
      expect(contents.length, uri).toBeGreaterThan(0)
      expect(contents[0]!.uri, uri).toBe(uri)
      expect(String((contents[0] as { text?: string }).text ?? "").length, uri).toBeGreaterThan(0)
    }
    const recent = JSON.parse(((await session.client.readResource({ uri: "jobs://recent" })).contents[0] as { text: string }).text)
    expect(JSON.stringify(recent)).toMatch(/[0-9a-f-]{36}/)
    const { resourceTemplates } = await session.client.listResourceTemplates()
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("jobs://{id}")
    const job = ok(await call("claude_request", { prompt: "a job to read as a resource" }), "claude_request")
    const read = await session.client.readResource({ uri: `jobs://${job.jobId}` })
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ jobId: job.jobId, status: "completed" })
  })

  it("a task: tools/call with a task answers at once; tasks/get follows it; tasks/result is the tool's result", async () => {
    const created = await session.client.request(
      {
        method: "tools/call",
        params: { name: "grok_request", arguments: { prompt: "[[fake:sleep=400]] a task over http" }, task: { ttl: 60_000 } }
      },
      CreateTaskResultSchema
    )
    called.add("grok_request")
    const taskId = created.task.taskId
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.task.status).toBe("working")
    const got = await session.client.experimental.tasks.getTask(taskId)
    expect(got.taskId).toBe(taskId)
    expect(["working", "completed"]).toContain(got.status)
    const result = await session.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)
    expect(result.isError ?? false).toBe(false)
    expect((result.structuredContent as any).jobId).toBe(taskId)
    expect((result.content[0] as { text: string }).text).toContain("a task over http")
    expect((result._meta as any)[RELATED_TASK_META_KEY]).toEqual({ taskId })
    expect((await session.client.experimental.tasks.getTask(taskId)).status).toBe("completed")
    // Another session of the same principal sees the task too.
    const other = await open()
    expect((await other.client.experimental.tasks.getTask(taskId)).status).toBe("completed")
    const tasks = await other.client.experimental.tasks.listTasks()
    expect(tasks.tasks.map((t) => t.taskId)).toContain(taskId)
  })

  it("a wrong token answers 401 with the challenge; a request without one 401 too", async () => {
    const address = { host: server.host, port: server.port }
    const wrong = await raw(address, { headers: { Authorization: "Bearer lcg_not-the-token" }, body: initializeBody() })
    expect(wrong.status).toBe(401)
    expect(wrong.headers["www-authenticate"]).toBe('Bearer realm="llm-cli-gateway", error="invalid_token"')
    const none = await raw(address, { body: initializeBody() })
    expect(none.status).toBe(401)
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="llm-cli-gateway"')
    await expect(connect(server.url, { token: `${TOKEN}x` })).rejects.toBeInstanceOf(Error)
  })

  it("a bad Origin or Host answers 403, even with the token", async () => {
    const address = { host: server.host, port: server.port }
    const auth = { Authorization: `Bearer ${TOKEN}` }
    const origin = await raw(address, { headers: { ...auth, Origin: "https://evil.example" }, body: initializeBody() })
    expect(origin.status).toBe(403)
    expect(JSON.parse(origin.body).error.message).toContain("Origin")
    const host = await raw(address, { headers: { ...auth, Host: `attacker.test:${server.port}` }, body: initializeBody() })
    expect(host.status).toBe(403)
    expect(JSON.parse(host.body).error.message).toContain("Host")
  })

  it("a body over LLM_GATEWAY_HTTP_MAX_BODY_BYTES answers 413; the session goes on", async () => {
    const address = { host: server.host, port: server.port }
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 77,
      method: "tools/call",
      params: { name: "claude_request", arguments: { prompt: "x".repeat(MAX_BODY * 2) } }
    })
    const before = server.records().length
    const refused = await raw(address, {
      headers: { Authorization: `Bearer ${TOKEN}`, "Mcp-Session-Id": session.transport.sessionId!, "Mcp-Protocol-Version": "2025-11-25" },
      body: big
    })
    expect(refused.status).toBe(413)
    expect(JSON.parse(refused.body).error.message).toContain(String(MAX_BODY))
    // Nothing of it ran.
    expect(server.records().slice(before).some((r) => r.prompt?.includes("xxxxxxxx"))).toBe(false)
    const after = ok(await call("claude_request", { prompt: "still served after a 413" }), "claude_request")
    expect(after.text).toContain("still served after a 413")
  })

  it("every listed tool was called", () => {
    expect([...listed].filter((name) => !called.has(name))).toEqual([])
  })

  it("every session ends by DELETE, then the server ends on SIGTERM with no CLI left and nothing on stdout", async () => {
    for (const s of sessions.splice(0)) {
      const id = s.transport.sessionId!
      await s.transport.terminateSession()
      await s.client.close()
      const after = await raw({ host: server.host, port: server.port }, {
        headers: { Authorization: `Bearer ${TOKEN}`, "Mcp-Session-Id": id },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" })
      })
      expect(after.status).toBe(404)
    }
    const pids = server.records().flatMap((r) => r.pid !== undefined ? [r.pid] : [])
    expect(pids.length).toBeGreaterThan(0)
    expect(await server.stop()).toBe(0)
    await waitUntil(() => pids.every((pid) => !alive(pid)), 5_000)
    expect(runningInGroups(new Set(pids))).toEqual([])
    expect(alive(server.pid)).toBe(false)
    expect(server.stdout()).toBe("")
  })
})
