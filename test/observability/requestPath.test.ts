/**
 * The request path feeds observability: JobManager over a real SQLite file
 * and a scripted CommandRunner records a row per request (completed,
 * failed, deduped, refused, canceled), counts it in Metrics, and every log
 * line of a job carries its correlationId and jobId.
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../../src/Config.js"
import type { GatewayConfigShape } from "../../src/Config.js"
import * as Gateway from "../../src/Gateway.js"
import { JobManager } from "../../src/jobs/JobManager.js"
import type { CommandRunner } from "../../src/process/CommandRunner.js"
import { FlightRecorder } from "../../src/observability/FlightRecorder.js"
import * as Logging from "../../src/observability/Logging.js"
import { Metrics } from "../../src/observability/Metrics.js"
import { Claude, exited, ScriptedRunner } from "../../src/testing/index.js"
import { bookkeeping } from "../jobs/bookkeeping.js"


/** claude's reply, with the session, cost and usage the rows record. */
const reply = (text: string) =>
  Claude.success(text, { sessionId: "s-1", costUsd: 0.5, usage: { inputTokens: 3, outputTokens: 4 } })

/** Answers by the prompt: `fail` exits 1, `hang` never ends, anything else replies `ok`. */
const script: ScriptedRunner.Script = (spec) =>
  Effect.gen(function*() {
    yield* Effect.logInfo("the scripted CLI runs")
    const prompt = ScriptedRunner.promptOf(spec)
    if (prompt.includes("hang")) return ScriptedRunner.hang()
    if (prompt.includes("fail")) return exited(1, "", "Error: something broke (sk-abcdefghijklmnopqrstuvwx)")
    return reply(`ok: ${prompt.length}`)
  })

const servicesLayer = (config: Partial<GatewayConfigShape> = {}, runner: Layer.Layer<CommandRunner> = ScriptedRunner.layer(script)) =>
  Gateway.layerServicesWith(runner, CliIdentity.layerTrusting).pipe(
    Layer.provideMerge(
      GatewayConfig.layerTest({
        databasePath: join(mkdtempSync(join(tmpdir(), "gateway-observe-")), "gateway.db"),
        ...config
      })
    )
  )

const request = (prompt: string, extra: Record<string, unknown> = {}) => ({
  prompt,
  createNewSession: false,
  continueSession: false,
  outputFormat: "text" as const,
  approvalStrategy: "legacy" as const,
  mcpServers: [],
  dangerouslySkipPermissions: false,
  strictMcpConfig: false,
  optimizePrompt: false,
  forceRefresh: false,
  resumeLatest: false,
  ...extra
}) as never // one shape for the four CLIs: each adapter reads the fields it knows

/** As the MCP layer calls it: its log annotations name the tool. */
const viaTool = <A, E, R>(tool: string, effect: Effect.Effect<A, E, R>) => Effect.annotateLogs(effect, { tool })

describe("the request path records and counts", () => {
  it.effect("a completed request: its row, from start to end, and the metrics", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const recorder = yield* FlightRecorder
      const { job } = yield* viaTool("claude_request", manager.submit("claude", request("hello there")))
      const done = yield* manager.await(job.id, undefined)
      yield* bookkeeping
      expect(done.status).toBe("completed")
      const [row] = yield* recorder.byCorrelationId(job.correlationId)
      expect(row).toMatchObject({
        jobId: job.id,
        cli: "claude",
        tool: "claude_request",
        status: "completed",
        deduped: false,
        prompt: "hello there",
        promptChars: 11,
        reply: "ok: 11",
        replyChars: 6,
        exitCode: 0,
        sessionId: "s-1",
        costUsd: 0.5,
        inputTokens: 3,
        outputTokens: 4,
        approvalStrategy: "legacy",
        approvalStatus: "approved",
        errorTag: null
      })
      expect(row!.durationMs).toBeGreaterThanOrEqual(0)
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.clis.claude).toMatchObject({ requests: 1, successes: 1, failures: 0, inFlight: 0 })
      expect(snap.clis.claude.durations.count).toBe(1)
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("a failed request: the error tag and a redacted message", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const recorder = yield* FlightRecorder
      const { job } = yield* manager.submit("claude", request("please fail"))
      yield* manager.await(job.id, undefined)
      yield* bookkeeping
      const [row] = yield* recorder.byCorrelationId(job.correlationId)
      expect(row).toMatchObject({ status: "failed", exitCode: 1, reply: null, tool: null })
      expect(row!.errorTag).toMatch(/^Cli/)
      expect(row!.errorMessage ?? "").not.toContain("sk-abcdefghijklmnop")
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.clis.claude).toMatchObject({ failures: 1, successes: 0, inFlight: 0 })
      expect(snap.clis.claude.errors[row!.errorTag!]).toBe(1)
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("a deduped request has its own row, flagged, ended with the job", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const recorder = yield* FlightRecorder
      const first = yield* viaTool("codex_request_async", manager.submit("codex", request("same", { correlationId: "c-a" })))
      const second = yield* viaTool("codex_request", manager.submit("codex", request("same", { correlationId: "c-b" })))
      expect(second.deduped).toBe(true)
      yield* manager.await(first.job.id, undefined)
      yield* bookkeeping
      // Joining a job already ended ends the row at once.
      const third = yield* manager.submit("codex", request("same", { correlationId: "c-c" }))
      expect(third.deduped).toBe(true)
      const rows = yield* recorder.recent({ limit: 10 })
      expect(rows.map((r) => [r.correlationId, r.deduped, r.status, r.jobId]).sort()).toEqual([
        ["c-a", false, "completed", first.job.id],
        ["c-b", true, "completed", first.job.id],
        ["c-c", true, "completed", first.job.id]
      ])
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.clis.codex).toMatchObject({ requests: 3, deduped: 2, successes: 1, inFlight: 0 })
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("a refused request: a row with its error, no job", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const recorder = yield* FlightRecorder
      const denied = request("hi", {
        correlationId: "c-bad",
        approvalStrategy: "mcp_managed",
        approvalPolicy: "strict",
        dangerouslySkipPermissions: true
      })
      const error = yield* Effect.flip(viaTool("claude_request", manager.submit("claude", denied)))
      expect(error._tag).toBe("ApprovalDenied")
      const [row] = yield* recorder.byCorrelationId("c-bad")
      expect(row).toMatchObject({
        status: "refused",
        jobId: null,
        errorTag: "ApprovalDenied",
        tool: "claude_request",
        approvalStrategy: "mcp_managed",
        approvalStatus: "denied",
        approvalPolicy: "strict"
      })
      expect(row!.approvalId).not.toBeNull()
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.clis.claude).toMatchObject({ requests: 0, refused: 1, errors: { ApprovalDenied: 1 } })
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("a canceled request is recorded once as canceled", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const recorder = yield* FlightRecorder
      const { job } = yield* manager.submit("grok", request("hang on", { outputFormat: "plain" }))
      yield* Effect.yieldNow()
      yield* manager.cancel(job.id)
      yield* bookkeeping
      const [row] = yield* recorder.byCorrelationId(job.correlationId)
      expect(row).toMatchObject({ status: "canceled", errorTag: "JobCanceled" })
      const snap = yield* (yield* Metrics).snapshot
      expect(snap.clis.grok).toMatchObject({ canceled: 1, failures: 0, inFlight: 0 })
      expect(snap.clis.grok.durations.count).toBe(1)
    }).pipe(Effect.provide(servicesLayer())))
})

describe("log lines of a request carry its correlationId and jobId", () => {
  const run = (format: "logfmt" | "json") => {
    const lines: Array<string> = []
    const layer = Layer.provideMerge(
      servicesLayer({ logFormat: format, logLevel: LogLevel.Debug }),
      Layer.provideMerge(Logging.layerWith((line) => lines.push(line)), GatewayConfig.layerTest({ logFormat: format, logLevel: LogLevel.Debug }))
    )
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* viaTool("claude_request", manager.submit("claude", request("log me", { correlationId: "corr-log" })))
      yield* manager.await(job.id, undefined)
      yield* bookkeeping
      return { lines, jobId: job.id }
    }).pipe(Effect.provide(layer))
  }

  it.effect("logfmt: key=value annotations on every line of the job", () =>
    Effect.gen(function*() {
      const { jobId, lines } = yield* run("logfmt")
      const runner = lines.find((l) => l.includes("the scripted CLI runs"))
      expect(runner).toBeDefined()
      expect(runner).toContain("correlationId=corr-log")
      expect(runner).toContain(`jobId=${jobId}`)
      expect(runner).toContain("cli=claude")
      expect(runner).toContain("tool=claude_request")
      const ended = lines.find((l) => l.includes("request completed"))
      expect(ended).toContain(`jobId=${jobId}`)
      expect(ended).toContain("correlationId=corr-log")
      expect(ended).toContain("level=INFO")
      expect(lines.some((l) => l.includes("request accepted") && l.includes("level=DEBUG"))).toBe(true)
    }))

  it.effect("json: one object per line with the annotations", () =>
    Effect.gen(function*() {
      const { jobId, lines } = yield* run("json")
      const parsed = lines.map((l) => JSON.parse(l) as { message: unknown; annotations: Record<string, unknown> })
      const runner = parsed.find((p) => JSON.stringify(p.message).includes("the scripted CLI runs"))
      expect(runner?.annotations).toMatchObject({ correlationId: "corr-log", jobId, cli: "claude" })
      const ended = parsed.find((p) => JSON.stringify(p.message).includes("request completed"))
      expect(ended?.annotations).toMatchObject({ correlationId: "corr-log", jobId, status: "completed" })
    }))
})
