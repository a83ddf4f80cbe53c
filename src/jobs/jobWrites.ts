/**
 * What the job store is given to write and what an insert did: a job as it
 * is accepted, a flush of its output, how it ended.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import type { Job, JobAttempt, JobError, JobReply, JobStatus } from "../domain/Job.js"

/**
 * A job as it is accepted.
 *
 * @since 0.1.0
 */
export interface NewJob {
  readonly id: string
  readonly cli: Cli
  readonly requestKey: string
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly correlationId: string
  readonly outputFormat: string
  readonly ownerInstance: string
  /** Who asked for it (see `domain/Principal`); dedup never crosses principals. */
  readonly principal: string
  readonly createdAt: number
}

/**
 * @since 0.1.0
 */
export type InsertOutcome =
  | { readonly _tag: "Inserted"; readonly job: Job }
  | { readonly _tag: "Duplicate"; readonly job: Job }

/**
 * A piece of output to append, with the counters after it.
 *
 * @since 0.1.0
 */
export interface OutputFlush {
  readonly chunks: ReadonlyArray<{
    readonly stream: "stdout" | "stderr"
    readonly seq: number
    readonly charStart: number
    readonly data: string
  }>
  readonly stdoutBytes: number
  readonly stderrBytes: number
  readonly stdoutChars: number
  readonly stderrChars: number
  readonly truncated: boolean
}

/**
 * How a job ended.
 *
 * @since 0.1.0
 */
export interface FinalState {
  readonly status: Extract<JobStatus, "completed" | "failed" | "canceled" | "orphaned">
  readonly finishedAt: number
  readonly exitCode: number | null
  readonly signal: string | null
  readonly error: JobError | null
  readonly reply: JobReply | null
  /** The reply's text (`reply.chars` long), stored in pieces beside the row. */
  readonly replyText?: string | undefined
  /** The last output not yet flushed, written in the same transaction. */
  readonly output?: OutputFlush | undefined
  /** The job's attempts, the last one closed (default: as recorded). */
  readonly attempts?: ReadonlyArray<JobAttempt> | undefined
}
