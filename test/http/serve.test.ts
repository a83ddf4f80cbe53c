/**
 * MCP over Streamable HTTP end to end: the SDK's client against
 * `Gateway.serveHttpWith` in this process (the live services on a SQLite
 * file, the fake CLIs): the tools, sync and async requests, progress,
 * cancellation, client logging per session, and sessions that end by
 * DELETE, with the calls they run.
 */
import { CallToolResultSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alive, connect, type HttpGateway, noProcessLeft, raw, startHttpGateway, waitUntil } from "./harness.js"

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

describe("MCP over Streamable HTTP", () => {
  let gateway: HttpGateway
  beforeAll(async () => {
    gateway = await startHttpGateway({ config: { progressHeartbeatMs: 1_000, flushIntervalMs: 100 } })
  })
  afterAll(async () => {
    if (gateway === undefined) return
    await noProcessLeft(gateway)
    await gateway.stop()
  })

  it("initializes, lists the tools and answers a sync request on one session", async () => {
    const { client, transport } = await connect(gateway.url)
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/)
      expect(client.getServerVersion()?.name).toBe("llm-cli-gateway")
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["claude_request", "llm_job_wait"]))
      const result = (await client.callTool({ name: "claude_request", arguments: { prompt: "hello over http" } })) as Result
      expect(result.isError ?? false).toBe(false)
      expect(result.structuredContent!.cli).toBe("claude")
      expect(result.content[0]?.text).toContain("hello over http")
      expect(gateway.records().some((r) => r.cli === "claude")).toBe(true)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  it("starts an async request and waits for it with llm_job_wait", async () => {
    const { client, transport } = await connect(gateway.url)
    try {
      const started = (await client.callTool({ name: "gemini_request_async", arguments: { prompt: "[[fake:sleep=300]] later" } })) as Result
      expect(started.isError ?? false).toBe(false)
      const jobId = started.structuredContent!.jobId as string
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
      const waited = (await client.callTool({ name: "llm_job_wait", arguments: { jobId, timeoutMs: 20_000 } })) as Result
      expect(waited.structuredContent!.status).toBe("completed")
      const page = (await client.callTool({ name: "llm_job_result", arguments: { jobId } })) as Result
      expect(page.structuredContent!.text).toContain("later")
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  it("sends progress notifications on the call's stream while it runs", async () => {
    const { client, transport } = await connect(gateway.url)
    try {
      const heard: Array<{ readonly progress: number; readonly message?: string | undefined }> = []
      const result = await client.callTool(
        { name: "claude_request", arguments: { prompt: "[[fake:chunks=5]] [[fake:delay=600]] stream to me" } },
        CallToolResultSchema,
        { onprogress: (p) => heard.push({ progress: p.progress, message: p.message }) }
      )
      expect(result.isError ?? false).toBe(false)
      expect(heard.length).toBeGreaterThanOrEqual(2)
      for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress)
      expect(heard.some((h) => /bytes of output/.test(h.message ?? ""))).toBe(true)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  it("a cancelled call ends its CLI, and the session goes on", async () => {
    const { client, transport } = await connect(gateway.url)
    try {
      const before = gateway.records().length
      const controller = new AbortController()
      const pending = client.callTool(
        { name: "codex_request", arguments: { prompt: "[[fake:silent]] cancel me" } },
        CallToolResultSchema,
        { signal: controller.signal }
      ).catch((e: unknown) => e)
      await waitUntil(() => gateway.records().slice(before).some((r) => r.cli === "codex"))
      const pid = gateway.records().slice(before).find((r) => r.cli === "codex")!.pid!
      expect(alive(pid)).toBe(true)
      controller.abort("changed my mind")
      expect(await pending).toBeInstanceOf(Error)
      await waitUntil(() => !alive(pid), 5_000)
      const health = (await client.callTool({ name: "llm_process_health", arguments: {} })) as Result
      expect(health.structuredContent!.running).toHaveLength(0)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  it("DELETE ends the session and the calls it runs; its id then answers 404", async () => {
    const { client, transport } = await connect(gateway.url)
    const sessionId = transport.sessionId!
    const before = gateway.records().length
    const pending = client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:silent]] end with the session" } })
      .catch((e: unknown) => e)
    try {
      await waitUntil(() => gateway.records().slice(before).some((r) => r.cli === "claude"))
      const pid = gateway.records().slice(before).find((r) => r.cli === "claude")!.pid!
      await transport.terminateSession()
      await waitUntil(() => !alive(pid), 5_000)
      const after = await raw(gateway.address, {
        headers: { "Mcp-Session-Id": sessionId },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" })
      })
      expect(after.status).toBe(404)
      expect(JSON.parse(after.body).error.code).toBe(-32001)
      const deleted = await raw(gateway.address, { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })
      expect(deleted.status).toBe(404)
    } finally {
      await client.close()
      await pending
    }
  })

  it("two sessions at once each get their own answers, and ending one leaves the other", async () => {
    const a = await connect(gateway.url)
    const b = await connect(gateway.url)
    try {
      expect(a.transport.sessionId).not.toBe(b.transport.sessionId)
      const [ra, rb] = (await Promise.all([
        a.client.callTool({ name: "claude_request", arguments: { prompt: "[[fake:sleep=200]] from a" } }),
        b.client.callTool({ name: "gemini_request", arguments: { prompt: "[[fake:sleep=200]] from b" } })
      ])) as [Result, Result]
      expect(ra.content[0]?.text).toContain("from a")
      expect(rb.content[0]?.text).toContain("from b")
      await a.transport.terminateSession()
      const again = (await b.client.callTool({ name: "grok_request", arguments: { prompt: "still here" } })) as Result
      expect(again.content[0]?.text).toContain("still here")
    } finally {
      await b.transport.terminateSession()
      await a.client.close()
      await b.client.close()
    }
  })

  it("client logging is per session: the level one client sets brings it its calls' lines, and only it", async () => {
    const a = await connect(gateway.url)
    const b = await connect(gateway.url)
    const heardA: Array<any> = []
    const heardB: Array<any> = []
    a.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      heardA.push(n.params)
    })
    b.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      heardB.push(n.params)
    })
    try {
      await a.client.setLoggingLevel("info")
      const answer = (await a.client.callTool({ name: "claude_request", arguments: { prompt: "log me" } })) as Result
      const jobId = answer.structuredContent!.jobId as string
      await b.client.callTool({ name: "gemini_request", arguments: { prompt: "do not log me" } })
      await waitUntil(() => heardA.some((m) => m.data?.annotations?.jobId === jobId && m.data.message === "request completed"))
      expect(heardA.find((m) => m.data?.annotations?.jobId === jobId)).toMatchObject({ level: "info", logger: "llm-cli-gateway" })
      // A's lines are A's: none of B's job, and B (no level set) hears nothing at all.
      expect(heardA.some((m) => m.data?.annotations?.cli === "gemini")).toBe(false)
      await b.client.ping()
      await new Promise((r) => setTimeout(r, 200))
      expect(heardB).toEqual([])
    } finally {
      await a.transport.terminateSession()
      await b.transport.terminateSession()
      await a.client.close()
      await b.client.close()
    }
  })
})
