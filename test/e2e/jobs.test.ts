/**
 * Durable jobs over stdio: async requests, waiting, paging, dedup, cancel,
 * the sync deadline, and results that outlive the server.
 */
import { describe, expect, it } from "vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { alive, callTool, type Gateway, startGateway, tempDir, waitUntil } from "./harness.js"

const withGateway = async (
  env: Record<string, string>,
  body: (gateway: Gateway) => Promise<void>,
  options: { readonly dir?: string } = {}
) => {
  const gateway = await startGateway(env, options)
  try {
    await body(gateway)
  } finally {
    await gateway.close()
  }
}

const runs = (gateway: Gateway, cli: string) => gateway.records().filter((r) => r.cli === cli)

describe("async jobs end to end", () => {
  it("starts a job, waits for it, and reads a long reply in pages", () =>
    withGateway({}, async (gateway) => {
      const started = await callTool(gateway, "claude_request_async", { prompt: "[[fake:big=4500]] long" })
      expect(started.isError ?? false).toBe(false)
      const jobId = started.structuredContent!.jobId as string
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
      expect(["queued", "running"]).toContain(started.structuredContent!.status)
      expect(started.content[0]?.text).toContain("llm_job_wait")

      const waited = await callTool(gateway, "llm_job_wait", { jobId, timeoutMs: 20_000 })
      expect(waited.structuredContent!.status).toBe("completed")
      expect(waited.structuredContent!.resultChars).toBe(4500)

      let text = ""
      let offset: number | null = 0
      let pages = 0
      while (offset !== null) {
        const page = await callTool(gateway, "llm_job_result", { jobId, maxChars: 1000, offset })
        expect(page.isError ?? false).toBe(false)
        text += page.structuredContent!.text
        offset = page.structuredContent!.nextOffset
        pages++
      }
      expect(pages).toBe(5)
      expect(text).toHaveLength(4500)
      expect(text.startsWith("lorem ipsum")).toBe(true)

      const past = await callTool(gateway, "llm_job_result", { jobId, offset: 99_999 })
      expect(past.isError).toBe(true)
      expect(past.structuredContent!.error._tag).toBe("InvalidRequest")
      expect(past.structuredContent!.error.field).toBe("offset")

      const status = await callTool(gateway, "llm_job_status", { jobId })
      expect(status.structuredContent).toMatchObject({ jobId, cli: "claude", status: "completed", exitCode: 0 })
    }))

  it("an unknown job id is JobNotFound, a malformed one InvalidRequest", () =>
    withGateway({}, async (gateway) => {
      const unknown = await callTool(gateway, "llm_job_status", { jobId: "00000000-0000-4000-8000-000000000000" })
      expect(unknown.structuredContent!.error._tag).toBe("JobNotFound")
      const malformed = await callTool(gateway, "llm_job_result", { jobId: "../../etc/passwd" })
      expect(malformed.structuredContent!.error._tag).toBe("InvalidRequest")
    }))

  it("identical requests land on one job (sync and async alike); forceRefresh starts a fresh run", () =>
    withGateway({}, async (gateway) => {
      const a = await callTool(gateway, "codex_request_async", { prompt: "same question" })
      const b = await callTool(gateway, "codex_request_async", { prompt: "same question" })
      expect(b.structuredContent!.jobId).toBe(a.structuredContent!.jobId)
      expect(b.structuredContent!.deduped).toBe(true)
      const sync = await callTool(gateway, "codex_request", { prompt: "same question" })
      expect(sync.isError ?? false).toBe(false)
      expect(sync.structuredContent!.jobId).toBe(a.structuredContent!.jobId)
      expect(sync.structuredContent!.deduped).toBe(true)
      expect(runs(gateway, "codex")).toHaveLength(1)

      const fresh = await callTool(gateway, "codex_request", { prompt: "same question", forceRefresh: true })
      expect(fresh.structuredContent!.jobId).not.toBe(a.structuredContent!.jobId)
      expect(runs(gateway, "codex")).toHaveLength(2)
    }))

  it("twenty identical requests at the same instant start exactly one CLI process", () =>
    withGateway({}, async (gateway) => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => callTool(gateway, "gemini_request", { prompt: "[[fake:sleep=300]] at once" }))
      )
      expect(new Set(answers.map((a) => a.structuredContent!.jobId)).size).toBe(1)
      expect(answers.every((a) => a.isError !== true)).toBe(true)
      expect(runs(gateway, "gemini")).toHaveLength(1)
    }))

  it("cancel ends a running job's process group and records it canceled", () =>
    withGateway({}, async (gateway) => {
      const started = await callTool(gateway, "grok_request_async", { prompt: "[[fake:silent]] [[fake:ignore-term]] hang" })
      const jobId = started.structuredContent!.jobId as string
      await waitUntil(() => runs(gateway, "grok").length === 1)
      const pid = runs(gateway, "grok")[0]!.pid!
      expect(alive(pid)).toBe(true)
      const canceled = await callTool(gateway, "llm_job_cancel", { jobId })
      expect(canceled.structuredContent!.status).toBe("canceled")
      expect(alive(pid)).toBe(false)
      const status = await callTool(gateway, "llm_job_status", { jobId })
      expect(status.structuredContent!.status).toBe("canceled")
      expect(status.structuredContent!.error._tag).toBe("JobCanceled")
    }))

  it("a sync request past SYNC_DEADLINE_MS answers with a deferred job reference, and the run goes on", () =>
    withGateway({ SYNC_DEADLINE_MS: "300" }, async (gateway) => {
      const answer = await callTool(gateway, "claude_request", { prompt: "[[fake:sleep=1200]] slow" })
      expect(answer.isError ?? false).toBe(false)
      expect(answer.structuredContent!.deferred).toBe(true)
      const jobId = answer.structuredContent!.jobId as string
      expect(answer.content[0]?.text).toContain(jobId)
      const waited = await callTool(gateway, "llm_job_wait", { jobId, timeoutMs: 20_000 })
      expect(waited.structuredContent!.status).toBe("completed")
      const result = await callTool(gateway, "llm_job_result", { jobId })
      expect(result.structuredContent!.text).toContain("slow")
    }))

  it("a failed job keeps its typed error; a sync request answers with it", () =>
    withGateway({}, async (gateway) => {
      const answer = await callTool(gateway, "gemini_request", { prompt: "[[fake:rate-limit]] hi" })
      expect(answer.isError).toBe(true)
      expect(answer.structuredContent!.error._tag).toBe("CliRateLimited")
    }))
})

describe("results outlive the server", () => {
  it("a completed job's result is read by a new server on the same database", async () => {
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    let jobId = ""
    await withGateway({ LLM_GATEWAY_JOBS_DB: db }, async (gateway) => {
      const answer = await callTool(gateway, "claude_request", { prompt: "remember me" })
      jobId = answer.structuredContent!.jobId as string
    }, { dir })
    await withGateway({ LLM_GATEWAY_JOBS_DB: db }, async (gateway) => {
      const result = await callTool(gateway, "llm_job_result", { jobId })
      expect(result.structuredContent!.status).toBe("completed")
      expect(result.structuredContent!.text).toContain("remember me")
    }, { dir })
  })
})

describe("ends that are not the CLI's own", () => {
  it("when the client disconnects mid-job, the job is recorded canceled (not left running) and its CLI is gone", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db") }
    let jobId = ""
    let pid = 0
    await withGateway(env, async (gateway) => {
      const started = await callTool(gateway, "claude_request_async", { prompt: "[[fake:silent]] forever" })
      jobId = started.structuredContent!.jobId as string
      await waitUntil(() => runs(gateway, "claude").length === 1)
      pid = runs(gateway, "claude")[0]!.pid!
    }, { dir })
    expect(alive(pid)).toBe(false)
    await withGateway(env, async (gateway) => {
      const status = await callTool(gateway, "llm_job_status", { jobId })
      expect(status.structuredContent!.status).toBe("canceled")
    }, { dir })
  })

  it("on SIGTERM the server ends its jobs, records them canceled, and exits within a second", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db") }
    const gateway = await startGateway(env, { dir })
    const started = await callTool(gateway, "codex_request_async", { prompt: "[[fake:silent]] [[fake:ignore-term]] forever" })
    const jobId = started.structuredContent!.jobId as string
    await waitUntil(() => runs(gateway, "codex").length === 1)
    const pid = runs(gateway, "codex")[0]!.pid!
    const serverPid = gateway.transport.pid!
    const start = Date.now()
    process.kill(serverPid, "SIGTERM")
    await waitUntil(() => !alive(serverPid), 3_000)
    expect(Date.now() - start).toBeLessThan(1_500)
    expect(alive(pid)).toBe(false)
    await gateway.close().catch(() => undefined)
    await withGateway(env, async (next) => {
      const status = await callTool(next, "llm_job_status", { jobId })
      expect(status.structuredContent!.status).toBe("canceled")
    }, { dir })
  })

  it("a CLI asked for json output that works longer than the idle window without finishing is not killed as idle", () =>
    withGateway({ LLM_GATEWAY_IDLE_TIMEOUT_MS: "500" }, async (gateway) => {
      const answer = await callTool(gateway, "claude_request", {
        outputFormat: "json",
        prompt: "[[fake:chunks=5]] [[fake:delay=300]] thinking for a while"
      })
      expect(answer.isError ?? false).toBe(false)
      const result = JSON.parse(answer.content[0]!.text!) as { type: string; result: string }
      expect(result.type).toBe("result")
      expect(result.result).toContain("thinking for a while")
    }))
})

describe("large replies", () => {
  it("a sync answer carries the reply up to LLM_GATEWAY_SYNC_REPLY_MAX_CHARS and says where to read on", () =>
    withGateway({ LLM_GATEWAY_SYNC_REPLY_MAX_CHARS: "1000" }, async (gateway) => {
      const answer = await callTool(gateway, "claude_request", { prompt: "[[fake:big=4500]] long" })
      expect(answer.isError ?? false).toBe(false)
      const s = answer.structuredContent!
      expect(s.text).toHaveLength(1000)
      expect(s).toMatchObject({ replyTruncated: true, totalChars: 4500, nextOffset: 1000 })
      expect(answer.content[0]?.text).toContain(`"offset": 1000`)
      const rest = await callTool(gateway, "llm_job_result", { jobId: s.jobId, offset: 1000 })
      expect(String(s.text) + rest.structuredContent!.text).toHaveLength(4500)
      expect(rest.structuredContent!.nextOffset).toBeNull()
    }))
})

describe("database trouble", () => {
  it("a corrupt database file: the server still starts, every call says which file is wrong, and the file is left untouched", async () => {
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    writeFileSync(db, "not a database at all")
    await withGateway({ LLM_GATEWAY_JOBS_DB: db }, async (gateway) => {
      const { tools } = await gateway.client.listTools()
      expect(tools.length).toBeGreaterThan(20)
      const answer = await callTool(gateway, "claude_request", { prompt: "hi" })
      expect(answer.isError).toBe(true)
      expect(answer.structuredContent!.error._tag).toBe("StorageError")
      expect(answer.structuredContent!.error.message).toContain(db)
      expect(gateway.records()).toHaveLength(0)
    }, { dir })
    expect(readFileSync(db, "utf8")).toBe("not a database at all")
  })
})
