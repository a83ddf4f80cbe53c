/**
 * Two bearer tokens on one gateway over Streamable HTTP: each token is a
 * principal, and a client holding one learns nothing of the other's jobs,
 * tasks, sessions or approvals. Another principal's id answers exactly as
 * an unknown one (the same error, the id aside); identical requests of two
 * principals never join one run.
 */
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connect, type Connected, type HttpGateway, noProcessLeft, startHttpGateway, stubTokens } from "./harness.js"

interface Result {
  readonly isError?: boolean
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>
  readonly structuredContent?: Record<string, any>
}

const ALICE = "token-of-alice"
const BOB = "token-of-bob"
const UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"

const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<Result> =>
  (await client.callTool({ name, arguments: args })) as Result

/** A tool's answer with one id written as another: what an unknown id would have answered. */
const asIf = (result: Result, id: string, instead: string): unknown =>
  JSON.parse(JSON.stringify({ content: result.content, structured: result.structuredContent, isError: result.isError })
    .replaceAll(id, instead))

/** The JSON-RPC error of a request, with the id written as another. */
const rpcError = async (promise: Promise<unknown>, id: string, instead: string) => {
  try {
    await promise
  } catch (e) {
    if (e instanceof McpError) return { code: e.code, message: e.message.replaceAll(id, instead) }
    throw e
  }
  throw new Error("the request did not fail")
}

describe("principals over Streamable HTTP", () => {
  let gateway: HttpGateway
  let alice: Connected
  let bob: Connected
  beforeAll(async () => {
    gateway = await startHttpGateway({ tokens: stubTokens({ [ALICE]: "alice", [BOB]: "bob" }) })
    alice = await connect(gateway.url, { token: ALICE })
    bob = await connect(gateway.url, { token: BOB })
  })
  afterAll(async () => {
    for (const side of [alice, bob]) {
      if (side === undefined) continue
      await side.transport.terminateSession().catch(() => undefined)
      await side.client.close()
    }
    if (gateway === undefined) return
    await noProcessLeft(gateway)
    await gateway.stop()
  })

  it("another token's job answers status, result, wait and cancel exactly as an unknown id, and runs on", async () => {
    const started = await call(alice.client, "codex_request_async", { prompt: "[[fake:sleep=1500]] alice's secret job" })
    expect(started.isError ?? false).toBe(false)
    const jobId = started.structuredContent!.jobId as string
    for (
      const [tool, args] of [
        ["llm_job_status", {}],
        ["llm_job_result", {}],
        ["llm_job_wait", { timeoutMs: 50 }],
        ["llm_job_cancel", {}]
      ] as const
    ) {
      const theirs = await call(bob.client, tool, { jobId, ...args })
      const unknown = await call(bob.client, tool, { jobId: UNKNOWN_JOB, ...args })
      expect(theirs.isError, tool).toBe(true)
      expect(theirs.structuredContent?.error?._tag ?? theirs.structuredContent?._tag, tool).toBe("JobNotFound")
      expect(asIf(theirs, jobId, UNKNOWN_JOB), tool).toEqual(asIf(unknown, UNKNOWN_JOB, UNKNOWN_JOB))
    }
    // Bob's views of the server hold nothing of it.
    const health = await call(bob.client, "llm_process_health", {})
    expect(JSON.stringify(health)).not.toContain(jobId)
    const listed = await bob.client.listResources()
    for (const resource of listed.resources.filter((r) => r.uri.startsWith("jobs://"))) {
      expect(JSON.stringify(await bob.client.readResource({ uri: resource.uri }))).not.toContain(jobId)
    }
    expect(JSON.stringify(await bob.client.experimental.tasks.listTasks())).not.toContain(jobId)
    // The server's metrics count every principal's requests: a token's session cannot read them.
    await expect(bob.client.readResource({ uri: "metrics://performance" })).rejects.toThrow(/operator/)
    // Bob's cancel did nothing: Alice's job completes, and she sees it.
    const waited = await call(alice.client, "llm_job_wait", { jobId, timeoutMs: 20_000 })
    expect(waited.structuredContent!.status).toBe("completed")
    expect(JSON.stringify(await alice.client.experimental.tasks.listTasks())).toContain(jobId)
  })

  it("another token's task answers tasks/get, tasks/result and tasks/cancel as an unknown one", async () => {
    const created = await alice.client.request(
      { method: "tools/call", params: { name: "gemini_request", arguments: { prompt: "[[fake:sleep=800]] a task" }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema
    )
    const taskId = created.task.taskId
    const tasks = bob.client.experimental.tasks
    for (
      const [what, theirs, unknown] of [
        ["get", () => tasks.getTask(taskId), () => tasks.getTask(UNKNOWN_JOB)],
        [
          "result",
          () => tasks.getTaskResult(taskId, CallToolResultSchema),
          () => tasks.getTaskResult(UNKNOWN_JOB, CallToolResultSchema)
        ],
        ["cancel", () => tasks.cancelTask(taskId), () => tasks.cancelTask(UNKNOWN_JOB)]
      ] as const
    ) {
      expect(await rpcError(theirs(), taskId, UNKNOWN_JOB), what).toEqual(await rpcError(unknown(), UNKNOWN_JOB, UNKNOWN_JOB))
    }
    const result = await alice.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)
    expect(JSON.stringify(result.content)).toContain("a task")
  })

  it("identical requests of two tokens make two runs; one token's repeat joins its own", async () => {
    const prompt = "the very same request"
    const runs = () => gateway.records().filter((r) => r.prompt?.includes(prompt)).length
    const first = await call(alice.client, "claude_request", { prompt })
    const again = await call(alice.client, "claude_request", { prompt })
    const theirs = await call(bob.client, "claude_request", { prompt })
    for (const answer of [first, again, theirs]) expect(answer.isError ?? false).toBe(false)
    expect(runs()).toBe(2)
    expect(theirs.structuredContent!.deduped ?? false).toBe(false)
  })

  it("sessions and approvals are each token's own", async () => {
    const made = await call(alice.client, "session_create", { cli: "claude", description: "alice's plans" })
    const sessionId = made.structuredContent!.session?.id ?? made.structuredContent!.sessionId
    expect(sessionId).toMatch(/^gw-/)
    const listed = await call(bob.client, "session_list", {})
    expect(JSON.stringify(listed)).not.toContain(sessionId)
    expect(JSON.stringify(listed)).not.toContain("alice's plans")
    const unknownSession = "gw-00000000-0000-4000-8000-000000000000"
    for (const tool of ["session_get", "session_delete", "session_set_active"] as const) {
      const args = tool === "session_set_active" ? { cli: "claude" } : {}
      const theirs = await call(bob.client, tool, { sessionId, ...args })
      const unknown = await call(bob.client, tool, { sessionId: unknownSession, ...args })
      expect(theirs.isError, tool).toBe(true)
      expect(asIf(theirs, sessionId, unknownSession), tool).toEqual(asIf(unknown, unknownSession, unknownSession))
    }
    expect(JSON.stringify(await call(alice.client, "session_list", {}))).toContain(sessionId)

    const managed = await call(alice.client, "codex_request", { prompt: "approve me", approvalStrategy: "mcp_managed" })
    expect(managed.isError ?? false).toBe(false)
    const mine = await call(alice.client, "approval_list", {})
    expect(mine.structuredContent!.total).toBeGreaterThan(0)
    const bobs = await call(bob.client, "approval_list", {})
    expect(bobs.structuredContent!.total).toBe(0)
  })
})

describe("the admission limit over Streamable HTTP", () => {
  it("counts the calls of all one token's sessions together; another token is not held back", async () => {
    const gateway = await startHttpGateway({
      tokens: stubTokens({ [ALICE]: "alice", [BOB]: "bob" }),
      config: { maxConcurrentCalls: 2 }
    })
    const sides: Array<Connected> = []
    try {
      for (const token of [ALICE, ALICE, ALICE, BOB]) sides.push(await connect(gateway.url, { token }))
      const [a1, a2, a3, b] = sides as [Connected, Connected, Connected, Connected]
      const slow = (side: Connected, tag: string) => call(side.client, "claude_request", { prompt: `[[fake:sleep=1500]] ${tag}` })
      const running = [slow(a1, "one"), slow(a2, "two")]
      await new Promise((resolve) => setTimeout(resolve, 300))
      const refused = await slow(a3, "three")
      expect(refused.isError).toBe(true)
      expect(refused.structuredContent?.error?._tag ?? refused.structuredContent?._tag).toBe("Overloaded")
      expect(refused.content[0]?.text).toContain("2 calls of yours")
      const bobs = await call(b.client, "claude_request", { prompt: "bob is not held back" })
      expect(bobs.isError ?? false).toBe(false)
      for (const answer of await Promise.all(running)) expect(answer.isError ?? false).toBe(false)
      // Places given back: Alice's third session is served now.
      expect((await slow(a3, "four")).isError ?? false).toBe(false)
    } finally {
      for (const side of sides) {
        await side.transport.terminateSession().catch(() => undefined)
        await side.client.close()
      }
      await noProcessLeft(gateway)
      await gateway.stop()
    }
  })
})
