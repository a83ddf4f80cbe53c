/**
 * What JobManager tells observability about a request: accepted (as a new
 * job or deduped onto one), refused before any job, a job's end. Each event
 * goes to the flight recorder, the metrics and a structured log line. None
 * of it can fail a request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import type { Decision } from "../approvals/policy.js"
import type { Cli } from "../domain/Cli.js"
import { isFinal, type Job } from "../domain/Job.js"
import { CircuitBreaker } from "../resilience/CircuitBreaker.js"
import type { RetryInfo } from "../resilience/Retry.js"
import { jobEnd } from "./flightRecord.js"
import { type ApprovalSummary, FlightRecorder, type RequestEnd, type RequestStart } from "./FlightRecorder.js"
import { Metrics, type RunOutcome } from "./Metrics.js"

/**
 * The parts of a request the recorder keeps.
 *
 * @since 0.1.0
 */
export interface ObservedRequest {
  readonly prompt: string
  readonly model?: string | undefined
  readonly sessionId?: string | undefined
}

/**
 * @since 0.1.0
 */
export interface RequestObserver {
  /** A request became a job, or joined one (`deduped`). */
  readonly accepted: (event: {
    readonly cli: Cli
    /** This request's (a deduped one's differs from its job's). */
    readonly correlationId: string
    readonly request: ObservedRequest
    /** The model the request runs with, after aliases. */
    readonly model: string | undefined
    readonly job: Job
    readonly deduped: boolean
    readonly decision: Decision
    readonly instanceId: string
    readonly at: number
  }) => Effect.Effect<void>
  /** A request was refused before it became a job. */
  readonly refused: (event: {
    readonly cli: Cli
    readonly request: ObservedRequest
    readonly correlationId: string
    readonly error: { readonly _tag: string; readonly message: string }
    readonly instanceId: string
    readonly at: number
  }) => Effect.Effect<void>
  /** A job's run failed transiently and is about to be retried. */
  readonly retried: (job: Job, info: RetryInfo) => Effect.Effect<void>
  /** A job of this server ended; `replyText` is its reply when it completed here. */
  readonly settled: (job: Job, replyText: string | undefined) => Effect.Effect<void>
}

/** The MCP tool the current call came through (McpServer annotates its logs with it). */
const currentTool: Effect.Effect<string | null> = Effect.map(
  Effect.logAnnotations,
  (annotations) => Option.getOrNull(Option.filter(HashMap.get(annotations, "tool"), (t) => typeof t === "string")) as
    | string
    | null
)

const approvalOf = (decision: Decision): ApprovalSummary => ({
  strategy: decision.strategy,
  status: decision.status,
  policy: decision.policy,
  approvalId: decision.strategy === "mcp_managed" ? decision.approvalId ?? null : null
})

/**
 * How a final job ended, for the recorder.
 *
 * @since 0.1.0
 */
export const endOf: (job: Job, replyText: string | undefined) => RequestEnd = jobEnd

/**
 * The observer on the current FlightRecorder, Metrics and CircuitBreaker.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<RequestObserver, never, FlightRecorder | Metrics | CircuitBreaker> = Effect.gen(function*() {
  const recorder = yield* FlightRecorder
  const metrics = yield* Metrics
  // The breakers' state goes into the record (`closed` always, with `CircuitBreaker.layerDisabled`).
  const breaker = yield* CircuitBreaker
  const circuitState = (cli: Cli): Effect.Effect<string> => Effect.map(breaker.state(cli), (s) => s.state)

  const start = (
    cli: Cli,
    request: ObservedRequest,
    fields: Pick<RequestStart, "correlationId" | "jobId" | "deduped" | "approval" | "instanceId" | "startedAt" | "principal">,
    model: string | undefined
  ) =>
    Effect.map(currentTool, (tool): RequestStart => ({
      ...fields,
      cli,
      tool,
      model: model ?? request.model ?? null,
      sessionId: request.sessionId ?? null,
      prompt: request.prompt
    }))

  const accepted: RequestObserver["accepted"] = (event) =>
    Effect.gen(function*() {
      const { deduped, job } = event
      const row = yield* start(event.cli, event.request, {
        correlationId: event.correlationId,
        jobId: job.id,
        deduped,
        approval: approvalOf(event.decision),
        instanceId: event.instanceId,
        startedAt: event.at,
        principal: job.principal
      }, event.model)
      yield* recorder.started(row)
      yield* metrics.requestAccepted(event.cli, { deduped })
      if (!deduped) yield* metrics.jobStarted(event.cli)
      // Joined a job that has already ended: this request's story ends now too.
      if (deduped && isFinal(job.status)) yield* recorder.jobEnded(job.id, endOf(job, undefined))
      yield* Effect.logDebug(deduped ? "request joined an identical job" : "request accepted").pipe(
        Effect.annotateLogs({ jobId: job.id, correlationId: event.correlationId, cli: event.cli, deduped })
      )
    })

  const refused: RequestObserver["refused"] = (event) =>
    Effect.gen(function*() {
      const denied = event.error._tag === "ApprovalDenied" ? event.error as unknown as Partial<ApprovalFields> : {}
      const row = yield* start(event.cli, event.request, {
        correlationId: event.correlationId,
        jobId: null,
        deduped: false,
        approval: event.error._tag === "ApprovalDenied"
          ? { strategy: "mcp_managed", status: "denied", policy: denied.policy ?? null, approvalId: denied.approvalId ?? null }
          : null,
        instanceId: event.instanceId,
        startedAt: event.at
      }, undefined)
      // The database itself failed: a row would wait on the same lock before failing too, delaying the answer.
      if (event.error._tag !== "StorageError") yield* recorder.refused(row, {
        status: "refused",
        finishedAt: event.at,
        exitCode: null,
        errorTag: event.error._tag,
        errorMessage: event.error.message,
        reply: null,
        replyChars: null,
        model: null,
        sessionId: null,
        usage: null,
        costUsd: null
      })
      yield* metrics.requestRefused(event.cli, event.error._tag)
      yield* Effect.logInfo(`request refused: ${event.error._tag}`).pipe(
        Effect.annotateLogs({ correlationId: event.correlationId, cli: event.cli, errorTag: event.error._tag })
      )
    })

  const retried: RequestObserver["retried"] = (job, info) =>
    Effect.gen(function*() {
      yield* recorder.noteRetry(job.correlationId, {
        cli: job.cli,
        attempt: info.attempt,
        errorTag: info.error._tag,
        message: info.error.message,
        delayMs: info.delayMs,
        circuitState: yield* circuitState(job.cli)
      })
    })

  const settled: RequestObserver["settled"] = (job, replyText) =>
    Effect.gen(function*() {
      const end = { ...endOf(job, replyText), circuitState: yield* circuitState(job.cli) }
      yield* recorder.jobEnded(job.id, end)
      const durationMs = Math.max(0, end.finishedAt - job.createdAt)
      const outcome: RunOutcome = end.status === "refused" ? "failed" : end.status
      yield* metrics.jobEnded(job.cli, { outcome, durationMs, errorTag: end.errorTag ?? undefined })
      yield* Effect.logInfo(`request ${end.status}`).pipe(
        Effect.annotateLogs({
          jobId: job.id,
          correlationId: job.correlationId,
          cli: job.cli,
          status: end.status,
          durationMs,
          ...(end.errorTag !== null ? { errorTag: end.errorTag } : {})
        })
      )
    })

  return { accepted, refused, retried, settled }
})

interface ApprovalFields {
  readonly policy: string
  readonly approvalId: string
}
