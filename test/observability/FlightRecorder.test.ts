/**
 * FlightRecorder over a real SQLite file: a request's row from start to
 * end, redaction, content off, clipping, retries, deduped rows, refusals,
 * rows left open completed from their jobs, purge, and a failing write
 * that fails nothing.
 */
import * as Principal from "../../src/domain/Principal.js"
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../../src/Config.js"
import type { GatewayConfigShape } from "../../src/Config.js"
import {
  FlightRecorder,
  layer as recorderLayer,
  type RequestEnd,
  type RequestStart,
  SETTLE_MS
} from "../../src/observability/FlightRecorder.js"
import { layer as metricsLayer, Metrics } from "../../src/observability/Metrics.js"
import { REDACTED } from "../../src/observability/redact.js"
import { testDatabaseAt } from "../support/testDatabase.js"

const testLayer = (config: Partial<GatewayConfigShape> = {}) => {
  const path = join(mkdtempSync(join(tmpdir(), "gateway-recorder-")), "gateway.db")
  return recorderLayer.pipe(
    Layer.provideMerge(Layer.merge(testDatabaseAt(path), metricsLayer)),
    Layer.provideMerge(GatewayConfig.layerTest(config))
  )
}

const start = (overrides: Partial<RequestStart> = {}): RequestStart => ({
  correlationId: "corr-1",
  cli: "claude",
  tool: "claude_request",
  jobId: "job-1",
  instanceId: "inst-1",
  model: "sonnet",
  sessionId: null,
  prompt: "Review this. My key is sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123",
  deduped: false,
  approval: { strategy: "legacy", status: "approved", policy: null, approvalId: null },
  startedAt: 1_000,
  ...overrides
})

const end = (overrides: Partial<RequestEnd> = {}): RequestEnd => ({
  status: "completed",
  finishedAt: 1_250,
  exitCode: 0,
  errorTag: null,
  errorMessage: null,
  reply: "Looks fine. Authorization: Bearer abcdefghijkl0123",
  replyChars: null,
  model: "claude-sonnet-4-5",
  sessionId: "8f7e3c1a-0000-4000-8000-000000000001",
  usage: { inputTokens: 12, outputTokens: 34 },
  costUsd: 0.0123,
  ...overrides
})

/** A row of `jobs` for job-1 (of inst-1), with the columns given. */
const insertJob = (columns: Record<string, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO jobs ${
      sql.insert({
        id: "job-1",
        cli: "claude",
        request_key: "k",
        argv_json: "[]",
        cwd: "/",
        correlation_id: "corr-1",
        output_format: "text",
        owner_instance: "inst-1",
        created_at: 1_000,
        ...columns
      })
    }`)

const rows = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<Record<string, unknown>>`SELECT * FROM flight_recorder ORDER BY started_at, id`)

describe("FlightRecorder", () => {
  it.effect("a row records its principal: the one given, else the current one", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start())
      yield* Principal.as(recorder.started(start({ correlationId: "corr-2", jobId: "job-2" })), "token:b")
      yield* recorder.started(start({ correlationId: "corr-3", jobId: "job-3", principal: "oauth:https://issuer#sub" }))
      expect((yield* rows).map((r) => [r.correlation_id, r.principal]).sort()).toEqual([
        ["corr-1", "local"],
        ["corr-2", "token:b"],
        ["corr-3", "oauth:https://issuer#sub"]
      ])
    }).pipe(Effect.provide(testLayer())))

  it.effect("records a request's start and end in one row, redacted", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start())
      let [row] = yield* rows
      expect(row).toMatchObject({ status: "started", finished_at: null, job_id: "job-1", tool: "claude_request", deduped: 0 })
      expect(row!.prompt).toBe(`Review this. My key is ${REDACTED}`)
      expect(row!.prompt_chars).toBe(start().prompt.length)

      yield* recorder.jobEnded("job-1", end())
      ;[row] = yield* rows
      expect(row).toMatchObject({
        correlation_id: "corr-1",
        cli: "claude",
        status: "completed",
        started_at: 1_000,
        finished_at: 1_250,
        duration_ms: 250,
        exit_code: 0,
        model: "claude-sonnet-4-5",
        session_id: "8f7e3c1a-0000-4000-8000-000000000001",
        approval_strategy: "legacy",
        approval_status: "approved",
        input_tokens: 12,
        output_tokens: 34,
        cost_usd: 0.0123,
        retry_count: 0,
        content_recorded: 1,
        content_truncated: 0,
        instance_id: "inst-1"
      })
      expect(row!.reply).toBe(`Looks fine. Authorization: ${REDACTED}`)
      expect(JSON.parse(row!.usage_json as string)).toEqual({ inputTokens: 12, outputTokens: 34 })

      const [read] = yield* recorder.byCorrelationId("corr-1")
      expect(read).toMatchObject({ status: "completed", durationMs: 250, deduped: false, retries: [] })
    }).pipe(Effect.provide(testLayer())))

  it.effect("with content off, keeps only sizes", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start())
      yield* recorder.jobEnded("job-1", end())
      const [row] = yield* rows
      expect(row).toMatchObject({ prompt: null, reply: null, content_recorded: 0 })
      expect(row!.prompt_chars).toBe(start().prompt.length)
      expect(row!.reply_chars).toBe(end().reply!.length)
    }).pipe(Effect.provide(testLayer({ recordContent: false }))))

  it.effect("clips long content and says so; a secret cut by the clip is still redacted", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      const prompt = "x".repeat(95) + " sk-abcdefghijklmnopqrstuvwxyz0123456789"
      yield* recorder.started(start({ prompt }))
      const [row] = yield* rows
      expect(row!.prompt).toBe("x".repeat(95) + " [REDA")
      expect(row!.prompt).not.toContain("sk-")
      expect(row).toMatchObject({ content_truncated: 1, prompt_chars: prompt.length })
    }).pipe(Effect.provide(testLayer({ recordMaxChars: 101 }))))

  it.effect("notes retries and the circuit state on the open row of the request", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start())
      yield* recorder.noteRetry("corr-1", { cli: "claude", attempt: 1, errorTag: "CliNetworkError", delayMs: 1000 })
      yield* recorder.noteRetry("corr-1", {
        cli: "claude",
        attempt: 2,
        errorTag: "CliNetworkError",
        message: "ECONNRESET with OPENAI_API_KEY=abc",
        delayMs: 2000,
        circuitState: "closed"
      })
      yield* recorder.noteCircuit("corr-1", "half-open")
      yield* recorder.jobEnded("job-1", end({ circuitState: "closed" }))
      const [read] = yield* recorder.byCorrelationId("corr-1")
      expect(read!.retryCount).toBe(2)
      expect(read!.circuitState).toBe("closed")
      expect(read!.retries).toMatchObject([
        { attempt: 1, errorTag: "CliNetworkError", delayMs: 1000 },
        { attempt: 2, errorTag: "CliNetworkError", delayMs: 2000, message: `ECONNRESET with OPENAI_API_KEY=${REDACTED}` }
      ])
      expect((yield* (yield* Metrics).snapshot).clis.claude.retries).toBe(2)
      // A retry of a request with no open row changes nothing and fails nothing.
      yield* recorder.noteRetry("corr-unknown", { cli: "claude", attempt: 1, errorTag: "X" })
    }).pipe(Effect.provide(testLayer())))

  it.effect("a job's end completes its deduped rows too, each with its own duration", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start())
      yield* recorder.started(start({ correlationId: "corr-2", deduped: true, startedAt: 1_200, tool: "claude_request_async" }))
      yield* recorder.jobEnded("job-1", end())
      const all = yield* recorder.recent({ limit: 10 })
      expect(all.map((r) => [r.correlationId, r.deduped, r.status, r.durationMs])).toEqual([
        ["corr-2", true, "completed", 50],
        ["corr-1", false, "completed", 250]
      ])
      // Ended rows stay as they ended.
      yield* recorder.jobEnded("job-1", end({ status: "failed", finishedAt: 9_999 }))
      expect((yield* recorder.recent({ limit: 10 })).every((r) => r.status === "completed")).toBe(true)
    }).pipe(Effect.provide(testLayer())))

  it.effect("records a refused request as one ended row", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.refused(
        start({ jobId: null, approval: { strategy: "mcp_managed", status: "denied", policy: "strict", approvalId: "a-1" } }),
        end({ status: "refused", errorTag: "ApprovalDenied", errorMessage: "denied", reply: null, exitCode: null, finishedAt: 1_001 })
      )
      const [read] = yield* recorder.recent({ limit: 1, cli: "claude" })
      expect(read).toMatchObject({
        status: "refused",
        jobId: null,
        errorTag: "ApprovalDenied",
        approvalStatus: "denied",
        approvalPolicy: "strict",
        approvalId: "a-1",
        durationMs: 1
      })
      expect(yield* recorder.recent({ limit: 1, cli: "codex" })).toEqual([])
    }).pipe(Effect.provide(testLayer())))

  it.effect("completes the rows of jobs marked orphaned", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* insertJob({
        status: "orphaned",
        finished_at: 5_000,
        error_json: JSON.stringify({ _tag: "JobOrphaned", message: "its server went away" })
      })
      yield* recorder.started(start())
      expect(yield* recorder.reconcile()).toBe(1)
      expect(yield* recorder.reconcile()).toBe(0)
      const [read] = yield* recorder.byCorrelationId("corr-1")
      expect(read).toMatchObject({ status: "orphaned", finishedAt: 5_000, durationMs: 4_000, errorTag: "JobOrphaned" })
    }).pipe(Effect.provide(testLayer())))

  it.effect("a row left open whose job completed takes the job's outcome once its server is gone, deduped rows too", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      const sql = yield* SqlClient.SqlClient
      yield* TestClock.setTime(10_000)
      yield* insertJob({
        status: "completed",
        owner_instance: "inst-1",
        started_at: 1_010,
        finished_at: 3_000,
        exit_code: 0,
        reply_json: JSON.stringify({
          chars: end().reply!.length,
          model: "claude-sonnet-4-5",
          sessionId: "s-9",
          usage: { inputTokens: 5, outputTokens: 7 },
          costUsd: 0.5
        })
      })
      yield* sql`INSERT INTO job_reply (job_id, seq, char_start, data) VALUES ('job-1', 0, 0, ${end().reply})`
      yield* recorder.started(start())
      yield* recorder.started(start({ correlationId: "corr-2", deduped: true, startedAt: 2_000, instanceId: "inst-2" }))
      // Its server is alive and the job ended 7 s ago: that server records the end itself.
      expect(yield* recorder.reconcile({ isGone: () => Effect.succeed(false) })).toBe(0)
      expect(yield* recorder.reconcile()).toBe(0)
      // Gone: the rows take the job's end.
      const asked: Array<string> = []
      const isGone = (id: string) => Effect.sync(() => (asked.push(id), id === "inst-1"))
      expect(yield* recorder.reconcile({ isGone })).toBe(2)
      expect(asked).toEqual(["inst-1"])
      const [own, joined] = yield* recorder.byCorrelationId("corr-1").pipe(
        Effect.zip(recorder.byCorrelationId("corr-2")),
        Effect.map(([a, b]) => [a[0], b[0]])
      )
      expect(own).toMatchObject({
        status: "completed",
        finishedAt: 3_000,
        durationMs: 2_000,
        exitCode: 0,
        errorTag: null,
        reply: `Looks fine. Authorization: ${REDACTED}`,
        replyChars: end().reply!.length,
        model: "claude-sonnet-4-5",
        sessionId: "s-9",
        usage: { inputTokens: 5, outputTokens: 7 },
        costUsd: 0.5
      })
      expect(joined).toMatchObject({ status: "completed", durationMs: 1_000, deduped: true })
      expect(yield* recorder.reconcile({ isGone })).toBe(0)
    }).pipe(Effect.provide(testLayer())))

  it.effect("a row left open whose job failed takes its error (redacted) once the job ended a minute ago, with no server judged", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* insertJob({
        status: "failed",
        finished_at: 2_500,
        exit_code: 3,
        error_json: JSON.stringify({ _tag: "CliExitedNonZero", message: "exit 3; OPENAI_API_KEY=abc", exitCode: 3 })
      })
      yield* recorder.started(start())
      yield* TestClock.setTime(2_500 + SETTLE_MS - 1)
      expect(yield* recorder.reconcile()).toBe(0)
      yield* TestClock.setTime(2_500 + SETTLE_MS)
      expect(yield* recorder.reconcile()).toBe(1)
      const [read] = yield* recorder.byCorrelationId("corr-1")
      expect(read).toMatchObject({
        status: "failed",
        finishedAt: 2_500,
        durationMs: 1_500,
        exitCode: 3,
        errorTag: "CliExitedNonZero",
        errorMessage: `exit 3; OPENAI_API_KEY=${REDACTED}`,
        reply: null
      })
    }).pipe(Effect.provide(testLayer())))

  it.effect("a row whose job is not in the store ends orphaned at its gone server's last heartbeat; a live server's is left", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      const sql = yield* SqlClient.SqlClient
      yield* TestClock.setTime(100_000)
      yield* sql`INSERT INTO instances (id, pid, host, started_at, heartbeat_at, lease_ms)
        VALUES ('inst-1', 1, 'h', 500, 4000, 5000)`
      yield* recorder.started(start({ jobId: "job-gone" }))
      yield* recorder.started(start({ correlationId: "corr-2", jobId: "job-elsewhere", instanceId: "inst-live" }))
      yield* recorder.started(start({ correlationId: "corr-3", jobId: "job-unknown", instanceId: "inst-unknown" }))
      const isGone = (id: string) => Effect.succeed(id !== "inst-live")
      expect(yield* recorder.reconcile()).toBe(0)
      expect(yield* recorder.reconcile({ isGone })).toBe(2)
      const [gone] = yield* recorder.byCorrelationId("corr-1")
      expect(gone).toMatchObject({ status: "orphaned", finishedAt: 4_000, durationMs: 3_000, errorTag: "JobOrphaned" })
      expect(gone!.errorMessage).toContain("inst-1")
      expect((yield* recorder.byCorrelationId("corr-2"))[0]!.status).toBe("started")
      // An instance with no row: ended when it was noticed.
      expect((yield* recorder.byCorrelationId("corr-3"))[0]).toMatchObject({ status: "orphaned", finishedAt: 100_000 })
    }).pipe(Effect.provide(testLayer())))

  it.effect("a row whose job still runs is left, even when its server is gone (Instances orphans the job first)", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* TestClock.setTime(10 * SETTLE_MS)
      yield* insertJob({ status: "running", started_at: 1_010 })
      yield* recorder.started(start())
      expect(yield* recorder.reconcile({ isGone: () => Effect.succeed(true) })).toBe(0)
      expect((yield* recorder.byCorrelationId("corr-1"))[0]!.status).toBe("started")
    }).pipe(Effect.provide(testLayer())))

  it.effect("purges rows started before the retention", () =>
    Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      yield* recorder.started(start({ startedAt: 10 }))
      yield* recorder.started(start({ correlationId: "corr-2", startedAt: 5_000 }))
      expect(yield* recorder.purge(1_000)).toBe(1)
      expect((yield* recorder.recent({ limit: 10 })).map((r) => r.correlationId)).toEqual(["corr-2"])
    }).pipe(Effect.provide(testLayer())))

  it.effect("a write that fails is logged and counted, and fails nothing", () => {
    const logged: Array<string> = []
    const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logged.push(String(message))))
    return Effect.gen(function*() {
      const recorder = yield* FlightRecorder
      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP TABLE flight_recorder`
      yield* recorder.started(start())
      yield* recorder.jobEnded("job-1", end())
      yield* recorder.noteRetry("corr-1", { cli: "claude", attempt: 1, errorTag: "X" })
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.recorderErrors).toBe(3)
      expect(logged.filter((m) => m.includes("flight recorder: could not record"))).toHaveLength(3)
    }).pipe(Effect.provide(Layer.merge(testLayer(), capture)))
  })
})
