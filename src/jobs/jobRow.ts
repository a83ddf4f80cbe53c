/**
 * A job's row as SQLite returns it, and the Job it reads as: the JSON
 * columns are decoded with their Schemas; one that does not decode reads
 * as absent.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Cli } from "../domain/Cli.js"
import { type Job, JobAttempt, JobError, JobReply, type JobStatus } from "../domain/Job.js"

/**
 * The row as SQLite returns it.
 *
 * @since 0.1.0
 */
export interface JobRow {
  readonly id: string
  readonly cli: Cli
  readonly request_key: string
  readonly argv_json: string
  readonly cwd: string
  readonly correlation_id: string
  readonly output_format: string
  readonly status: JobStatus
  readonly owner_instance: string
  readonly principal: string
  readonly created_at: number
  readonly started_at: number | null
  readonly finished_at: number | null
  readonly exit_code: number | null
  readonly signal: string | null
  readonly error_json: string | null
  readonly reply_json: string | null
  readonly pid: number | null
  readonly stdout_bytes: number
  readonly stderr_bytes: number
  readonly stdout_chars: number
  readonly stderr_chars: number
  readonly output_truncated: number
  readonly cancel_requested_at: number | null
  readonly attempts: string | null
}

const decodeError = Schema.decodeUnknownOption(Schema.parseJson(JobError))
const decodeReply = Schema.decodeUnknownOption(Schema.parseJson(JobReply))
const decodeArgv = Schema.decodeUnknownOption(Schema.parseJson(Schema.Array(Schema.String)))
const decodeAttempts = Schema.decodeUnknownOption(Schema.parseJson(Schema.Array(JobAttempt)))

/**
 * The `attempts` column of a list (NULL for none given).
 *
 * @since 0.1.0
 */
export const encodeAttempts = (attempts: ReadonlyArray<JobAttempt> | undefined): string | null =>
  attempts === undefined ? null : JSON.stringify(attempts)

/**
 * Turns a row into a Job; columns that do not decode read as absent.
 *
 * @since 0.1.0
 */
export const fromRow = (row: JobRow): Job => ({
  id: row.id,
  cli: row.cli,
  requestKey: row.request_key,
  argv: Option.getOrElse(decodeArgv(row.argv_json), () => []),
  cwd: row.cwd,
  correlationId: row.correlation_id,
  outputFormat: row.output_format,
  status: row.status,
  ownerInstance: row.owner_instance,
  principal: row.principal,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  exitCode: row.exit_code,
  signal: row.signal,
  error: row.error_json === null ? null : Option.getOrNull(decodeError(row.error_json)),
  reply: row.reply_json === null ? null : Option.getOrNull(decodeReply(row.reply_json)),
  pid: row.pid,
  stdoutBytes: row.stdout_bytes,
  stderrBytes: row.stderr_bytes,
  stdoutChars: row.stdout_chars,
  stderrChars: row.stderr_chars,
  outputTruncated: row.output_truncated !== 0,
  cancelRequestedAt: row.cancel_requested_at,
  // NULL: a row from before attempts were recorded.
  ...Option.match(row.attempts === null ? Option.none() : decodeAttempts(row.attempts), {
    onNone: () => ({}),
    onSome: (attempts) => ({ attempts })
  })
})
