/**
 * How a job reads in tool answers: a line for people, the facts as data
 * (and the Schema of that data).
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Cli } from "../../domain/Cli.js"
import { CliRunFailed, GatewayError } from "../../domain/errors.js"
import { type Job, JobAttemptError, JobError, JobStatus } from "../../domain/Job.js"
import { Usage } from "../../domain/Usage.js"

const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

const Timestamp = Schema.String.annotations({ description: "An ISO 8601 time." })

/**
 * One run of a job's CLI, as the job tools show it.
 *
 * @since 0.1.0
 */
export const JobAttemptView = Schema.Struct({
  attempt: Schema.Number.annotations({ description: "1 for the first run; a retry is the next." }),
  startedAt: Timestamp,
  durationMs: Schema.NullOr(Schema.Number).annotations({ description: "How long it ran; null while it runs." }),
  error: Schema.NullOr(JobAttemptError).annotations({ description: "How it failed; null when it succeeded or runs." })
})

/**
 * The structured status of a job, as the job tools (and a request that
 * answers with a job) carry it.
 *
 * @since 0.1.0
 */
export const JobStatusView = Schema.Struct({
  jobId: Schema.String,
  cli: Cli,
  status: JobStatus,
  correlationId: Schema.String,
  createdAt: Timestamp,
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
  durationMs: Schema.NullOr(Schema.Number),
  exitCode: Schema.NullOr(Schema.Number),
  stdoutBytes: Schema.Number,
  stderrBytes: Schema.Number,
  outputTruncated: Schema.Boolean,
  /** Whether the request joined an identical recent one (request tools only). */
  deduped: Schema.optional(Schema.Boolean),
  ownedByThisServer: Schema.optional(Schema.Boolean),
  signal: Schema.optional(Schema.String),
  /** The typed error a failed job ended with. */
  error: Schema.optional(JobError),
  resultChars: Schema.optional(Schema.Number),
  sessionId: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  usage: Schema.optional(Usage),
  costUsd: Schema.optional(Schema.Number),
  cancelRequestedAt: Schema.optional(Timestamp),
  /** Each run of the CLI, the first first (absent for a job recorded before attempts were). */
  attempts: Schema.optional(
    Schema.Array(JobAttemptView).annotations({
      description: "Each run of the CLI, the first first: a transient failure is retried as the next attempt."
    })
  ),
  attemptCount: Schema.optional(Schema.Number.annotations({ description: "How many attempts ran (or run)." }))
})

/** @since 0.1.0 */
export type JobStatusView = typeof JobStatusView.Type

/**
 * The structured status of a job.
 *
 * @since 0.1.0
 */
export const jobStatus = (
  job: Job,
  extra: { readonly deduped?: boolean; readonly selfInstance?: string } = {}
): JobStatusView => {
  const reply = job.reply
  return {
    jobId: job.id,
    cli: job.cli,
    status: job.status,
    correlationId: job.correlationId,
    createdAt: iso(job.createdAt),
    startedAt: isoOrNull(job.startedAt),
    finishedAt: isoOrNull(job.finishedAt),
    durationMs: job.startedAt === null ? null : (job.finishedAt ?? Date.now()) - job.startedAt,
    exitCode: job.exitCode,
    stdoutBytes: job.stdoutBytes,
    stderrBytes: job.stderrBytes,
    outputTruncated: job.outputTruncated,
    ...(extra.deduped !== undefined ? { deduped: extra.deduped } : {}),
    ...(extra.selfInstance !== undefined ? { ownedByThisServer: job.ownerInstance === extra.selfInstance } : {}),
    ...(job.signal !== null ? { signal: job.signal } : {}),
    ...(job.error !== null ? { error: job.error } : {}),
    ...(reply !== null ? { resultChars: reply.chars } : {}),
    ...(reply?.sessionId !== undefined ? { sessionId: reply.sessionId } : {}),
    ...(reply?.model !== undefined ? { model: reply.model } : {}),
    ...(reply?.usage !== undefined ? { usage: reply.usage } : {}),
    ...(reply?.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
    ...(job.cancelRequestedAt !== null ? { cancelRequestedAt: iso(job.cancelRequestedAt) } : {}),
    ...(job.attempts !== undefined
      ? {
        attempts: job.attempts.map((a) => ({
          attempt: a.attempt,
          startedAt: iso(a.startedAt),
          durationMs: a.durationMs,
          error: a.error === null ? null : { _tag: a.error._tag, message: a.error.message }
        })),
        attemptCount: job.attempts.length
      }
      : {})
  }
}

/** " (3 attempts)" when a retry ran. */
const attemptsNote = (job: Job): string =>
  job.attempts !== undefined && job.attempts.length > 1 ? ` (${job.attempts.length} attempts)` : ""

/**
 * A line that says where the job is and what to do next.
 *
 * @since 0.1.0
 */
export const jobLine = (job: Job, deduped = false): string => {
  const same = (deduped ? " (an identical recent request: this is its job)" : "") + attemptsNote(job)
  switch (job.status) {
    case "queued":
      return `Job ${job.id} (${job.cli}) is queued${same}, waiting for a free slot. Wait for it with llm_job_wait.`
    case "running":
      return `Job ${job.id} (${job.cli}) is running${same}; ${job.stdoutBytes} bytes of output so far. ` +
        "Wait for it with llm_job_wait, read it with llm_job_result, stop it with llm_job_cancel."
    case "completed":
      return `Job ${job.id} (${job.cli}) completed${same}: ${job.reply?.chars ?? 0} characters of reply. ` +
        "Read it with llm_job_result."
    case "failed":
      return `Job ${job.id} (${job.cli}) failed${same}: ${job.error?._tag ?? "error"}: ${job.error?.message ?? ""}`
    case "canceled":
      return `Job ${job.id} (${job.cli}) was canceled${same}.`
    case "orphaned":
      return `Job ${job.id} (${job.cli}) was orphaned: its server went away while it ran. ` +
        "The output it had written is readable with llm_job_result."
  }
}

const decodeError = Schema.decodeUnknownOption(GatewayError)

/**
 * The typed error a failed job ended with, as it was raised.
 *
 * @since 0.1.0
 */
export const jobFailure = (job: Job): GatewayError =>
  Option.getOrElse(
    job.error === null ? Option.none() : decodeError(job.error),
    () =>
      new CliRunFailed({
        message: job.error?.message ?? `job ${job.id} ended ${job.status}`,
        cli: job.cli,
        hint: "Read the job's output with llm_job_result.",
        cliMessage: job.error?.message ?? "",
        exitCode: job.exitCode
      })
  )
