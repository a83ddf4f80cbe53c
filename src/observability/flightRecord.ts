/**
 * The flight recorder's values: a request as accepted, how it ended (and
 * how a final job reads as that end), a retry, and a row as read back (with
 * its mapping from SQLite's columns).
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import type { Job } from "../domain/Job.js"
import type { Usage } from "../domain/Usage.js"

/**
 * A request as it is accepted (or refused).
 *
 * @since 0.1.0
 */
export interface RequestStart {
  readonly correlationId: string
  readonly cli: Cli
  /** The MCP tool that received it, when it came through one. */
  readonly tool: string | null
  /** The job it runs as (or joined, when deduped); null when refused. */
  readonly jobId: string | null
  readonly instanceId: string | null
  readonly model: string | null
  /** The session id the request named. */
  readonly sessionId: string | null
  readonly prompt: string
  readonly deduped: boolean
  readonly approval: ApprovalSummary | null
  readonly startedAt: number
  /** Who asked (see `domain/Principal`); the current principal when not given. */
  readonly principal?: string | undefined
}

/**
 * The approval step's decision, as recorded.
 *
 * @since 0.1.0
 */
export interface ApprovalSummary {
  readonly strategy: "legacy" | "mcp_managed"
  readonly status: "approved" | "denied"
  readonly policy: string | null
  readonly approvalId: string | null
}

/**
 * How a request ended.
 *
 * @since 0.1.0
 */
export interface RequestEnd {
  readonly status: "completed" | "failed" | "canceled" | "orphaned" | "refused"
  readonly finishedAt: number
  readonly exitCode: number | null
  readonly errorTag: string | null
  readonly errorMessage: string | null
  /** The reply text, when known. */
  readonly reply: string | null
  /** The reply's length when the text itself is not at hand. */
  readonly replyChars: number | null
  readonly model: string | null
  /** The CLI's own session id, when it reported one. */
  readonly sessionId: string | null
  readonly usage: Usage | null
  readonly costUsd: number | null
  /** The circuit breaker's state when the request ended, if one is in use. */
  readonly circuitState?: string | null | undefined
}

/**
 * How a final job ended, as its requests' rows record it; `replyText` is
 * the reply when it is at hand (its length is the job's own count).
 *
 * @since 0.1.0
 */
export const jobEnd = (job: Job, replyText: string | undefined): RequestEnd => ({
  status: job.status === "completed" || job.status === "canceled" || job.status === "orphaned"
    ? job.status
    : "failed",
  finishedAt: job.finishedAt ?? job.createdAt,
  exitCode: job.exitCode,
  errorTag: job.error?._tag ?? null,
  errorMessage: job.error?.message ?? null,
  reply: job.status === "completed" ? replyText ?? null : null,
  replyChars: job.reply?.chars ?? null,
  model: job.reply?.model ?? null,
  sessionId: job.reply?.sessionId ?? null,
  usage: job.reply?.usage ?? null,
  costUsd: job.reply?.costUsd ?? null
})

/**
 * One retry of a run, as the retry policy reports it.
 *
 * @since 0.1.0
 */
export interface RetryNote {
  readonly cli: Cli
  /** The attempt that failed (1 for the first run). */
  readonly attempt: number
  readonly errorTag: string
  readonly message?: string | undefined
  /** How long until the next attempt (ms). */
  readonly delayMs?: number | undefined
  readonly circuitState?: string | undefined
}

/**
 * A row of the flight recorder, as read back.
 *
 * @since 0.1.0
 */
export interface FlightRecord {
  readonly id: string
  readonly correlationId: string
  /** Who asked (see `domain/Principal`). */
  readonly principal: string
  readonly jobId: string | null
  readonly instanceId: string | null
  readonly cli: Cli
  readonly tool: string | null
  readonly model: string | null
  readonly requestSessionId: string | null
  readonly sessionId: string | null
  readonly deduped: boolean
  readonly approvalStrategy: string | null
  readonly approvalStatus: string | null
  readonly approvalPolicy: string | null
  readonly approvalId: string | null
  readonly status: "started" | RequestEnd["status"]
  readonly startedAt: number
  readonly finishedAt: number | null
  readonly durationMs: number | null
  readonly exitCode: number | null
  readonly errorTag: string | null
  readonly errorMessage: string | null
  readonly retryCount: number
  readonly retries: ReadonlyArray<unknown>
  readonly circuitState: string | null
  readonly prompt: string | null
  readonly promptChars: number
  readonly reply: string | null
  readonly replyChars: number | null
  readonly contentRecorded: boolean
  readonly contentTruncated: boolean
  readonly inputTokens: number | null
  readonly outputTokens: number | null
  readonly usage: Usage | null
  readonly costUsd: number | null
}


/** A row of `flight_recorder` as SQLite returns it. @since 0.1.0 */
export interface Row {
  readonly id: string
  readonly correlation_id: string
  readonly principal: string
  readonly job_id: string | null
  readonly instance_id: string | null
  readonly cli: Cli
  readonly tool: string | null
  readonly model: string | null
  readonly request_session_id: string | null
  readonly session_id: string | null
  readonly deduped: number
  readonly approval_strategy: string | null
  readonly approval_status: string | null
  readonly approval_policy: string | null
  readonly approval_id: string | null
  readonly status: FlightRecord["status"]
  readonly started_at: number
  readonly finished_at: number | null
  readonly duration_ms: number | null
  readonly exit_code: number | null
  readonly error_tag: string | null
  readonly error_message: string | null
  readonly retry_count: number
  readonly retries_json: string
  readonly circuit_state: string | null
  readonly prompt: string | null
  readonly prompt_chars: number
  readonly reply: string | null
  readonly reply_chars: number | null
  readonly content_recorded: number
  readonly content_truncated: number
  readonly input_tokens: number | null
  readonly output_tokens: number | null
  readonly usage_json: string | null
  readonly cost_usd: number | null
}

const parseJson = <A>(json: string | null, fallback: A): A => {
  if (json === null) return fallback
  try {
    return JSON.parse(json) as A
  } catch {
    return fallback
  }
}

/** A row read back. @since 0.1.0 */
export const fromRow = (row: Row): FlightRecord => ({
  id: row.id,
  correlationId: row.correlation_id,
  principal: row.principal,
  jobId: row.job_id,
  instanceId: row.instance_id,
  cli: row.cli,
  tool: row.tool,
  model: row.model,
  requestSessionId: row.request_session_id,
  sessionId: row.session_id,
  deduped: row.deduped !== 0,
  approvalStrategy: row.approval_strategy,
  approvalStatus: row.approval_status,
  approvalPolicy: row.approval_policy,
  approvalId: row.approval_id,
  status: row.status,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  durationMs: row.duration_ms,
  exitCode: row.exit_code,
  errorTag: row.error_tag,
  errorMessage: row.error_message,
  retryCount: row.retry_count,
  retries: parseJson<ReadonlyArray<unknown>>(row.retries_json, []),
  circuitState: row.circuit_state,
  prompt: row.prompt,
  promptChars: row.prompt_chars,
  reply: row.reply,
  replyChars: row.reply_chars,
  contentRecorded: row.content_recorded !== 0,
  contentTruncated: row.content_truncated !== 0,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  usage: parseJson<Usage | null>(row.usage_json, null),
  costUsd: row.cost_usd
})

