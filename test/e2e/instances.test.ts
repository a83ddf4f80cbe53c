/**
 * Several servers on one database, as every MCP client window starts its
 * own: no false orphaning, cross-instance status, wait, cancel and dedup,
 * and reaping after a crash.
 */
import { describe, expect, it } from "vitest"
import { join } from "node:path"
import { alive, callTool, type Gateway, startGateway, tempDir, waitUntil } from "./harness.js"

const claudeRuns = (gateway: Gateway) => gateway.records().filter((r) => r.cli === "claude")

describe("two servers on one database", () => {
  it("the second sees the first's job running (not orphaned), lands on it, and both see it completed", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "shared.db") }
    const a = await startGateway(env, { dir })
    const b = await startGateway(env, { dir })
    try {
      const started = await callTool(a, "claude_request_async", { prompt: "[[fake:sleep=1500]] shared work" })
      const jobId = started.structuredContent!.jobId as string
      await waitUntil(() => claudeRuns(a).length === 1)

      const seen = await callTool(b, "llm_job_status", { jobId })
      expect(seen.structuredContent!.status).toBe("running")
      expect(seen.structuredContent!.ownedByThisServer).toBe(false)

      const again = await callTool(b, "claude_request_async", { prompt: "[[fake:sleep=1500]] shared work" })
      expect(again.structuredContent!.jobId).toBe(jobId)
      expect(again.structuredContent!.deduped).toBe(true)

      const waited = await callTool(b, "llm_job_wait", { jobId, timeoutMs: 20_000 })
      expect(waited.structuredContent!.status).toBe("completed")
      const fromA = await callTool(a, "llm_job_result", { jobId })
      const fromB = await callTool(b, "llm_job_result", { jobId })
      expect(fromA.structuredContent!.text).toContain("shared work")
      expect(fromB.structuredContent!.text).toBe(fromA.structuredContent!.text)
      expect(claudeRuns(a)).toHaveLength(1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it("identical requests arriving at the same instant at two servers start exactly one CLI process", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "shared.db") }
    const a = await startGateway(env, { dir })
    const b = await startGateway(env, { dir })
    try {
      const args = { prompt: "[[fake:sleep=300]] both at once" }
      const answers = await Promise.all([
        ...Array.from({ length: 5 }, () => callTool(a, "gemini_request", args)),
        ...Array.from({ length: 5 }, () => callTool(b, "gemini_request", args))
      ])
      expect(answers.filter((x) => x.isError === true).map((x) => x.structuredContent)).toEqual([])
      expect(new Set(answers.map((x) => x.structuredContent!.jobId)).size).toBe(1)
      expect(a.records().filter((r) => r.cli === "gemini")).toHaveLength(1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it("a cancel from the second server is carried out by the first within about a second", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "shared.db") }
    const a = await startGateway(env, { dir })
    const b = await startGateway(env, { dir })
    try {
      const started = await callTool(a, "codex_request_async", { prompt: "[[fake:silent]] forever" })
      const jobId = started.structuredContent!.jobId as string
      await waitUntil(() => a.records().some((r) => r.cli === "codex"))
      const pid = a.records().find((r) => r.cli === "codex")!.pid!
      const start = Date.now()
      await callTool(b, "llm_job_cancel", { jobId })
      const waited = await callTool(b, "llm_job_wait", { jobId, timeoutMs: 5_000 })
      expect(waited.structuredContent!.status).toBe("canceled")
      expect(Date.now() - start).toBeLessThan(3_000)
      await waitUntil(() => !alive(pid), 2_000)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})

describe("a server killed with SIGKILL mid-job", () => {
  it("the next server marks the job orphaned, keeps its flushed output and ends its CLI", async () => {
    const dir = tempDir()
    const env = { LLM_GATEWAY_JOBS_DB: join(dir, "shared.db"), LLM_GATEWAY_FLUSH_INTERVAL_MS: "100" }
    const a = await startGateway(env, { dir })
    const started = await callTool(a, "claude_request_async", {
      prompt: "[[fake:big=600]] [[fake:chunks=3]] [[fake:delay=60000]] partial"
    })
    const jobId = started.structuredContent!.jobId as string
    await waitUntil(() => claudeRuns(a).length === 1)
    const cliPid = claudeRuns(a)[0]!.pid!
    // wait until some output has been flushed to the row
    await waitUntil(() => true)
    await new Promise((r) => setTimeout(r, 600))
    const serverPid = a.transport.pid!
    process.kill(serverPid, "SIGKILL")
    await waitUntil(() => !alive(serverPid), 3_000)
    expect(alive(cliPid)).toBe(true)

    const b = await startGateway(env, { dir })
    try {
      await waitUntil(() => !alive(cliPid), 5_000)
      const status = await callTool(b, "llm_job_status", { jobId })
      expect(status.structuredContent!.status).toBe("orphaned")
      const result = await callTool(b, "llm_job_result", { jobId })
      expect(result.structuredContent!.source).toBe("stdout")
      expect(String(result.structuredContent!.text).length).toBeGreaterThan(0)
    } finally {
      await b.close()
      await a.close().catch(() => undefined)
      if (alive(cliPid)) process.kill(-cliPid, "SIGKILL")
    }
  })
})
