/**
 * A request's whole story over stdio: the built server runs a request on
 * the fake claude, whose first run fails as a network reset does; the
 * retry succeeds. Afterwards the flight_recorder row (opened read-only with
 * better-sqlite3, as a person would with sqlite3) and metrics://performance
 * tell the start, the retry and the end.
 */
import { afterEach, describe, expect, it } from "vitest"
import { rmSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { callTool, type Gateway, startGateway, tempDir, waitUntil } from "./harness.js"

/** The little of better-sqlite3 this test uses (the package ships no types). */
interface ReadOnlyDatabase {
  prepare(sql: string): { all(...params: ReadonlyArray<unknown>): Array<Record<string, any>> }
  close(): void
}
const BetterSqlite3 = createRequire(import.meta.url)("better-sqlite3") as new(
  path: string,
  options: { readonly readonly: boolean; readonly fileMustExist: boolean }
) => ReadOnlyDatabase

const rowsOf = (path: string, correlationId: string) => {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  try {
    return db.prepare("SELECT * FROM flight_recorder WHERE correlation_id = ? ORDER BY started_at").all(correlationId)
  } finally {
    db.close()
  }
}

/** The rows once they are ended: the server writes a request's end just after its answer has gone out. */
const endedRowsOf = async (path: string, correlationId: string) => {
  await waitUntil(() => {
    const rows = rowsOf(path, correlationId)
    return rows.length > 0 && rows.every((row) => row.finished_at !== null)
  })
  return rowsOf(path, correlationId)
}

const SECRET = "sk-ant-api03-e2eSECRETe2eSECRETe2eSECRET0123"

describe("the flight recorder over stdio", () => {
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
    const db = join(dir, "gateway.db")
    gateway = await startGateway({
      FAKE_CLI_STATE: dir,
      LLM_GATEWAY_JOBS_DB: db,
      LLM_GATEWAY_RETRY_BASE_DELAY_MS: "50",
      ...env
    }, { dir })
    return { gateway, db }
  }

  it("start, retry and end are in the database and in metrics://performance", async () => {
    const { db, gateway } = await start({ LLM_GATEWAY_LOG_LEVEL: "Debug" })
    const prompt = `Review this; my key is ${SECRET} [[fake:fail-first=1]]`
    const result = await callTool(gateway, "claude_request", { prompt, correlationId: "e2e-story-1", mcpServers: [] })
    expect(result.isError, JSON.stringify(result)).toBeFalsy()
    const jobId = result.structuredContent!.jobId as string

    const rows = await endedRowsOf(db, "e2e-story-1")
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    expect(row).toMatchObject({
      job_id: jobId,
      cli: "claude",
      tool: "claude_request",
      status: "completed",
      deduped: 0,
      exit_code: 0,
      error_tag: null,
      retry_count: 1,
      circuit_state: "closed",
      approval_strategy: "legacy",
      approval_status: "approved",
      content_recorded: 1,
      prompt_chars: prompt.length
    })
    expect(row.finished_at).toBeGreaterThanOrEqual(row.started_at)
    expect(row.duration_ms).toBe(row.finished_at - row.started_at)
    // The secret never reached the flight recorder (the job's own output keeps what the CLI printed).
    expect(row.prompt).toContain("my key is [REDACTED]")
    expect(row.prompt).not.toContain(SECRET)
    // The fake echoes the prompt: the reply is recorded redacted too.
    expect(row.reply).toBe((result.structuredContent!.text as string).replace(SECRET, "[REDACTED]"))
    expect(row.reply).not.toContain(SECRET)
    expect(row.reply_chars).toBe((result.structuredContent!.text as string).length)
    expect(row.session_id).toBe(result.structuredContent!.sessionId)
    expect(row.cost_usd).toBe(result.structuredContent!.costUsd)
    expect(row.output_tokens).toBeGreaterThan(0)
    const retries = JSON.parse(row.retries_json) as Array<Record<string, unknown>>
    expect(retries).toHaveLength(1)
    expect(retries[0]).toMatchObject({ attempt: 1, errorTag: "CliNetworkError" })
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(0)

    // Log lines of the request carry its ids (the last, "request completed", follows the answer).
    const completed = new RegExp(`request completed.*correlationId=e2e-story-1`)
    await waitUntil(() => completed.test(gateway.stderr()))
    expect(gateway.stderr()).toMatch(completed)
    expect(gateway.stderr()).toMatch(new RegExp(`jobId=${jobId}`))
    expect(gateway.stderr()).not.toContain(SECRET)

    const read = await gateway.client.readResource({ uri: "metrics://performance" })
    const content = read.contents[0] as { mimeType?: string; text?: string }
    expect(content.mimeType).toBe("application/json")
    const metrics = JSON.parse(content.text!)
    expect(metrics.clis.claude).toMatchObject({ requests: 1, successes: 1, failures: 0, retries: 1, inFlight: 0 })
    expect(metrics.clis.claude.durations.count).toBe(1)
    expect(metrics.clis.claude.durations.p50Ms).toBeGreaterThanOrEqual(0)
    expect(metrics.recorderErrors).toBe(0)
  })

  it("with LLM_GATEWAY_RECORD_CONTENT=false only sizes are kept; a deduped request has its own row", async () => {
    const { db, gateway } = await start({ LLM_GATEWAY_RECORD_CONTENT: "false" })
    const first = await callTool(gateway, "codex_request_async", { prompt: "same question", correlationId: "e2e-a" })
    const jobId = first.structuredContent!.jobId as string
    const second = await callTool(gateway, "codex_request", { prompt: "same question", correlationId: "e2e-b" })
    expect(second.structuredContent!.deduped).toBe(true)
    expect(second.structuredContent!.jobId).toBe(jobId)

    const [a] = await endedRowsOf(db, "e2e-a")
    const [b] = await endedRowsOf(db, "e2e-b")
    expect(a).toMatchObject({ job_id: jobId, tool: "codex_request_async", deduped: 0, status: "completed" })
    expect(b).toMatchObject({ job_id: jobId, tool: "codex_request", deduped: 1, status: "completed" })
    for (const row of [a!, b!]) {
      expect(row).toMatchObject({ prompt: null, reply: null, content_recorded: 0, prompt_chars: "same question".length })
      expect(row.reply_chars).toBe((second.structuredContent!.text as string).length)
    }

    const read = await gateway.client.readResource({ uri: "metrics://performance" })
    const metrics = JSON.parse((read.contents[0] as { text: string }).text)
    expect(metrics.clis.codex).toMatchObject({ requests: 2, deduped: 1, successes: 1 })
  })
})
