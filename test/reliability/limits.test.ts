/**
 * Limits: one caller must never take down the others. Oversized requests,
 * stored rows that grew large, and floods of calls each fail alone, with a
 * small typed answer, while other work of the same client and of another
 * client on the same store goes on to its result.
 */
import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { suiteRecorder } from "./helpers/results.js"
import {
  callTool,
  type JsonRpcMessage,
  memoryOf,
  type RawServer,
  startGateway,
  startRaw,
  tempDir
} from "./helpers/server.js"

const results = suiteRecorder(
  "limits",
  "Two servers on one database: client A (the MCP SDK's `Client`) runs a job while client B (raw JSON-RPC) sends " +
    "what used to disconnect a client or end the server. The answer budget is `LLM_GATEWAY_MAX_ANSWER_BYTES` " +
    "(8 MiB by default; an SDK client drops a message over 10 MiB), the input-line bound `LLM_GATEWAY_MAX_LINE_BYTES` " +
    "(16 MiB), the admission limit `LLM_GATEWAY_MAX_CONCURRENT_CALLS` (256)."
)
afterAll(() => results.flush())

const bytesOf = (message: JsonRpcMessage): number => Buffer.byteLength(JSON.stringify(message))
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`

/** Every page of a job's reply, read with llm_job_result from offset 0 until nextOffset is null. */
const readAllPages = async (server: RawServer, jobId: string, maxChars: number) => {
  let text = ""
  let offset: number | null = 0
  let pages = 0
  let largest = 0
  while (offset !== null && pages < 1000) {
    const page = await server.callTool("llm_job_result", { jobId, offset, maxChars })
    largest = Math.max(largest, bytesOf(page))
    expect(page.result.isError ?? false).toBe(false)
    text += page.result.structuredContent.text as string
    offset = page.result.structuredContent.nextOffset as number | null
    pages++
  }
  return { text, pages, largest }
}

describe("one caller cannot take down the others", () => {
  it("oversized requests and rows of one client fail alone, while another client's job runs to its result", async () => {
    const row = results.begin(
      "B01",
      "Client B's oversized requests and grown rows, while client A's job (and one of B's own) runs"
    )
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db") }
    const a = await startGateway(env, { dir })
    // B keeps a small answer budget, so that a reply of control characters is over it without 10 MB of test data.
    const budget = 256 * 1024
    const b = startRaw(dir, { ...env, LLM_GATEWAY_MAX_ANSWER_BYTES: String(budget) })
    try {
      await b.initialize()
      const aJob = await callTool(a, "claude_request_async", { prompt: "[[fake:sleep=3000]] client A's job" })
      const aJobId = aJob.structuredContent!.jobId as string
      const bJob = await b.callTool("codex_request_async", { prompt: "[[fake:sleep=2000]] client B's own job" })
      const bJobId = bJob.result.structuredContent.jobId as string

      const figures: Record<string, string> = {}
      const refused = async (what: string, send: () => Promise<JsonRpcMessage>, tag: string) => {
        const start = Date.now()
        const answer = await send()
        const ms = Date.now() - start
        const size = bytesOf(answer)
        expect(answer.result?.isError, what).toBe(true)
        expect(answer.result.structuredContent.error._tag, what).toBe(tag)
        expect(size, what).toBeLessThan(16 * 1024)
        figures[what] = `${kib(size)} in ${ms} ms`
      }
      // 1. Arguments that used to be echoed once per member of a union, or once per array element.
      await refused(
        "1 MB invalid model",
        () => b.callTool("claude_request", { prompt: "x", model: "-".repeat(1_000_000) }),
        "InvalidRequest"
      )
      await refused(
        "600 KB array argument",
        () => b.callTool("claude_request", { prompt: "x", allowedTools: Array.from({ length: 120_000 }, () => "-bad") }),
        "InvalidRequest"
      )
      await refused(
        "2,000 allowedTools (bounded at the door)",
        () => b.callTool("claude_request", { prompt: "x", approvalStrategy: "mcp_managed", allowedTools: Array.from({ length: 2000 }, (_, i) => `Tool${i}`) }),
        "InvalidRequest"
      )

      // 2. A reply of control characters: each weighs 6 bytes once escaped, and a page is sent twice.
      const controls = "\u0001".repeat(99_000)
      const cJob = await b.callTool("claude_request_async", { prompt: controls })
      const cJobId = cJob.result.structuredContent.jobId as string
      await b.callTool("llm_job_wait", { jobId: cJobId, timeoutMs: 20_000 })
      const pages = await readAllPages(b, cJobId, 2_000_000)
      expect(pages.text).toContain(controls)
      expect(pages.largest).toBeLessThanOrEqual(budget)
      expect(pages.pages).toBeGreaterThan(1)
      figures["control-character reply"] = `${pages.text.length} chars in ${pages.pages} pages, largest ${kib(pages.largest)}`

      // 3. Stored rows that grew: 600 sessions with 500-character descriptions of control characters.
      for (let i = 0; i < 600; i++) {
        const made = await b.callTool("session_create", { cli: "gemini", description: "\u0002".repeat(500), setAsActive: false })
        expect(made.result.isError ?? false).toBe(false)
      }
      const listed = await b.callTool("session_list", { cli: "gemini", limit: 500 })
      expect(listed.result.isError ?? false).toBe(false)
      expect(bytesOf(listed)).toBeLessThanOrEqual(budget)
      expect(listed.result.structuredContent.total).toBe(600)
      expect(listed.result.structuredContent.nextCursor).not.toBeNull()
      const resource = await b.request("resources/read", { uri: "sessions://gemini" })
      expect(resource.error).toBeUndefined()
      expect(bytesOf(resource)).toBeLessThanOrEqual(budget)
      figures["session_list of 600 grown sessions"] = `${listed.result.structuredContent.sessions.length} on the first page, ${kib(bytesOf(listed))}`

      // 4. A line over the input bound (16 MiB) is answered alone, with its id.
      const start = Date.now()
      const huge = `{"jsonrpc":"2.0","id":"huge-line","method":"tools/call","params":{"name":"claude_request","arguments":{"prompt":"${"y".repeat(17 * 1024 * 1024)}"}}}\n`
      const hugeAnswer = new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          if (chunk.toString().includes('"huge-line"')) {
            b.child.stdout.off("data", onData)
            resolve()
          }
        }
        b.child.stdout.on("data", onData)
      })
      await b.writeRaw(huge)
      await hugeAnswer
      figures["17 MiB line"] = `answered with its id in ${Date.now() - start} ms`

      // Every job completes; both clients are still served.
      const aDone = await callTool(a, "llm_job_wait", { jobId: aJobId, timeoutMs: 30_000 })
      expect(aDone.structuredContent).toMatchObject({ status: "completed" })
      const bDone = await b.callTool("llm_job_wait", { jobId: bJobId, timeoutMs: 30_000 })
      expect(bDone.result.structuredContent).toMatchObject({ status: "completed" })
      expect((await b.request("tools/list")).result.tools.length).toBeGreaterThan(10)
      expect((await a.client.listTools()).tools.length).toBeGreaterThan(10)
      expect(b.garbage()).toEqual([])
      row.pass("each refused alone with a small typed answer; A's and B's jobs completed; both clients still served", figures)
    } finally {
      await a.close()
      b.kill("SIGTERM")
      await b.exited
    }
  }, 180_000)

  it("a flood of calls past the admission limit is refused at once, nothing is lost, memory stays bounded", async () => {
    const row = results.begin(
      "B02",
      "2,000 parallel sync requests with 50 KB prompts (one 15 s job: dedup), admission limit 64; the same without a limit"
    )
    /** The flood on a fresh server; every answer classified; the server's peak RSS. */
    const flood = async (limit: number) => {
      const dir = tempDir()
      const server = startRaw(dir, {
        LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db"),
        LLM_GATEWAY_MAX_CONCURRENT_CALLS: String(limit)
      })
      try {
        await server.initialize()
        // The admitted calls wait on one long job (the same prompt: dedup), so that the limit is reached however
        // slowly the 100 MB of calls are read.
        const prompt = `[[fake:sleep=15000]] ${"p".repeat(50_000)}`
        const start = Date.now()
        let firstRefusal = Infinity
        const answers = await Promise.all(
          Array.from({ length: 2000 }, () =>
            server.callTool("claude_request", { prompt }, 120_000).then((m) => {
              if (m.result?.isError) firstRefusal = Math.min(firstRefusal, Date.now() - start)
              return m
            })
          )
        )
        const ms = Date.now() - start
        const tags = answers.map((m) =>
          m.result?.isError ? m.result.structuredContent.error._tag : m.error !== undefined ? "jsonrpc-error" : "accepted"
        )
        expect((await server.request("ping")).error).toBeUndefined()
        return {
          accepted: tags.filter((t) => t === "accepted").length,
          overloaded: tags.filter((t) => t === "Overloaded").length,
          ms,
          firstRefusal,
          hwmMiB: Math.round(memoryOf(server.pid).hwmKb / 1024)
        }
      } finally {
        server.kill("SIGTERM")
        await server.exited
      }
    }
    const limited = await flood(64)
    // The same prompt: dedup makes the admitted calls one job, and each answers its reply.
    expect(limited.accepted + limited.overloaded).toBe(2000)
    expect(limited.overloaded).toBeGreaterThan(0)
    expect(limited.accepted).toBeGreaterThanOrEqual(64)
    const unlimited = await flood(1_000_000)
    expect(unlimited.accepted).toBe(2000)
    row.pass("every call answered: accepted, or Overloaded at once while the limit is reached; the server lives", {
      "limit 64": `${limited.accepted} accepted, ${limited.overloaded} Overloaded (the first after ${limited.firstRefusal} ms), ` +
        `all answered in ${limited.ms} ms, peak RSS ${limited.hwmMiB} MiB`,
      "no limit": `${unlimited.accepted} accepted, all answered in ${unlimited.ms} ms, peak RSS ${unlimited.hwmMiB} MiB`
    })
  }, 180_000)
})
