/**
 * A job: one run of a CLI, durable from the moment it is accepted.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Cli } from "./Cli.js"
import {
  CircuitOpen,
  CliAuthRequired,
  CliExitedNonZero,
  CliIncompatible,
  CliModelUnknown,
  CliNetworkError,
  CliNotFound,
  CliRateLimited,
  CliRunFailed,
  CliTurnLimit,
  CliWorkspaceUntrusted,
  IdleTimeout,
  InternalError,
  JobCanceled,
  JobOrphaned,
  RunTimedOut,
  SessionNotFound,
  SpawnFailed
} from "./errors.js"
import { quoted } from "./fields.js"
import { Usage } from "./Usage.js"

/**
 * - `queued`: accepted, waiting for a free slot.
 * - `running`: its CLI runs.
 * - `completed`, `failed`, `canceled`: final.
 * - `orphaned`: final; its server went away while it ran.
 *
 * @since 0.1.0
 */
export const JobStatus = Schema.Literal("queued", "running", "completed", "failed", "canceled", "orphaned")

/** @since 0.1.0 */
export type JobStatus = typeof JobStatus.Type

/** The statuses a job never leaves. @since 0.1.0 */
export const finalStatuses: ReadonlyArray<JobStatus> = ["completed", "failed", "canceled", "orphaned"]

/** @since 0.1.0 */
export const isFinal = (status: JobStatus): boolean => finalStatuses.includes(status)

/**
 * A job id: a UUID.
 *
 * @since 0.1.0
 */
export const JobId = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: (issue) => `jobId ${quoted(issue.actual)} is not a job id (a UUID such as the *_request_async tools return)`
  })
).annotations({ description: "The job id a request tool returned." })

/**
 * What a finished run answered, kept with the job: the reply's length and
 * what the CLI told about the run. The text itself is stored in pieces
 * beside the row and read in pages (`JobStore.readReply`), so reading a
 * job's status never loads a large reply.
 *
 * @since 0.1.0
 */
export const JobReply = Schema.Struct({
  /** Characters (UTF-16 code units) of the reply text. */
  chars: Schema.Number,
  model: Schema.optional(Schema.String),
  sessionId: Schema.optional(Schema.String),
  usage: Schema.optional(Usage),
  costUsd: Schema.optional(Schema.Number)
})

/** @since 0.1.0 */
export type JobReply = typeof JobReply.Type

/**
 * The error a failed job ended with: its tag, message and fields.
 *
 * @since 0.1.0
 */
export const JobError = Schema.Struct({
  _tag: Schema.String,
  message: Schema.String
}).pipe(Schema.extend(Schema.Record({ key: Schema.String, value: Schema.Unknown })))

/** @since 0.1.0 */
export type JobError = typeof JobError.Type

/**
 * Every typed failure a job can end with, and nothing else: what its run
 * can fail with (`RequestRunner`'s `RunError`: the binary missing or not
 * the CLI, the spawn, silence past the idle window, the CLI's own
 * failures, the circuit open, the run past its bound), `JobCanceled`,
 * `JobOrphaned`, and `InternalError` (a defect of the gateway's while it
 * ran the job).
 *
 * @since 0.1.0
 */
export const JobFailure = Schema.Union(
  CliNotFound,
  CliIncompatible,
  SpawnFailed,
  IdleTimeout,
  CliAuthRequired,
  CliRateLimited,
  CliWorkspaceUntrusted,
  CliTurnLimit,
  CliModelUnknown,
  CliRunFailed,
  CliNetworkError,
  SessionNotFound,
  CliExitedNonZero,
  CircuitOpen,
  RunTimedOut,
  JobCanceled,
  JobOrphaned,
  InternalError
)

/** @since 0.1.0 */
export type JobFailure = typeof JobFailure.Type

const decodeFailure = Schema.decodeUnknownEither(JobFailure)

/**
 * How one attempt failed: the tag and message of its typed error.
 *
 * @since 0.1.0
 */
export const JobAttemptError = Schema.Struct({
  _tag: Schema.String,
  message: Schema.String
})

/** @since 0.1.0 */
export type JobAttemptError = typeof JobAttemptError.Type

/**
 * One run of a job's CLI. A transient failure is retried, and each retry is
 * the next attempt: its entry is opened when its process starts and closed
 * when it fails (a retry follows) or when the job ends.
 *
 * @since 0.1.0
 */
export const JobAttempt = Schema.Struct({
  /** 1 for the first run. */
  attempt: Schema.Int.pipe(Schema.positive()),
  /** When the attempt's process started (epoch ms). */
  startedAt: Schema.Number,
  /** How long it ran (ms); null while it runs. */
  durationMs: Schema.NullOr(Schema.Number),
  /** How it failed; null when it succeeded or still runs. */
  error: Schema.NullOr(JobAttemptError)
})

/** @since 0.1.0 */
export type JobAttempt = typeof JobAttempt.Type

/**
 * A job as the store holds it.
 *
 * @since 0.1.0
 */
export const Job = Schema.Struct({
  id: Schema.String,
  cli: Cli,
  requestKey: Schema.String,
  argv: Schema.Array(Schema.String),
  cwd: Schema.String,
  correlationId: Schema.String,
  outputFormat: Schema.String,
  status: JobStatus,
  ownerInstance: Schema.String,
  /** Who asked for it (see `domain/Principal`): only that principal sees it. */
  principal: Schema.String,
  createdAt: Schema.Number,
  startedAt: Schema.NullOr(Schema.Number),
  finishedAt: Schema.NullOr(Schema.Number),
  exitCode: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  error: Schema.NullOr(JobError),
  reply: Schema.NullOr(JobReply),
  pid: Schema.NullOr(Schema.Number),
  stdoutBytes: Schema.Number,
  stderrBytes: Schema.Number,
  stdoutChars: Schema.Number,
  stderrChars: Schema.Number,
  outputTruncated: Schema.Boolean,
  cancelRequestedAt: Schema.NullOr(Schema.Number),
  /**
   * Its attempts, the first first (empty until its CLI starts). Absent on
   * a job recorded before attempts were (its row's `attempts` is NULL).
   */
  attempts: Schema.optionalWith(Schema.Array(JobAttempt), { exact: true })
})

/** @since 0.1.0 */
export type Job = typeof Job.Type

/**
 * The typed error the job ended with, as it was raised (its strings
 * redacted as they were stored): none while it runs or when it completed.
 * `job.error` is the same failure as the job's row (and the tools) hold it,
 * a record; this is that record decoded. A record this version cannot
 * decode (a tag a newer gateway sharing the database wrote, a field that
 * no longer fits) reads as an `InternalError` whose message carries the
 * original tag and message; a job that ended without completing but with
 * no recorded error reads as an `InternalError` too.
 *
 * @since 0.1.0
 */
export const failure = (job: Job): Option.Option<JobFailure> => {
  if (job.error === null) {
    return job.status === "completed" || !isFinal(job.status)
      ? Option.none()
      : Option.some(new InternalError({ message: `job ${job.id} ended ${job.status} without a recorded error` }))
  }
  const record = job.error
  return Option.some(Either.getOrElse(
    decodeFailure(record),
    () => new InternalError({ message: `job ${job.id} ended with ${record._tag}: ${record.message}` })
  ))
}
