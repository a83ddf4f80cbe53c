/**
 * A job's reply as a library reads it: the text of a completed job, or the
 * typed failure it ended with (`JobManager.reply`, and the sync request
 * tools' first page).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InternalError, type JobNotFound, type StorageError } from "../domain/errors.js"
import { failure, type Job, type JobFailure } from "../domain/Job.js"
import { JobStore } from "./JobStore.js"

/**
 * How much of a reply `reply` reads.
 *
 * @since 0.1.0
 */
export interface ReplyOptions {
  /** Characters of the reply to read, from its start (default: all of it). */
  readonly maxChars?: number | undefined
}

/**
 * A completed job's reply: its text (whole, or its first `maxChars`
 * characters; `job.reply.chars` is the whole length) and the job.
 *
 * @since 0.1.0
 */
export interface Reply {
  readonly text: string
  readonly job: Job
}

/**
 * What `reply` fails with: the job's own failure, an unknown job, the
 * database.
 *
 * @since 0.1.0
 */
export type ReplyError = JobFailure | JobNotFound | StorageError

/**
 * The text of a job's reply, from its start: all of it, or its first
 * `maxChars` characters. Empty for a job with no reply. The one place a
 * reply is read whole (`reply`, and the sync request tools' first page).
 *
 * @since 0.1.0
 */
export const replyText = (job: Job, maxChars?: number): Effect.Effect<string, StorageError, JobStore> => {
  const total = job.reply?.chars ?? 0
  const max = maxChars === undefined ? total : Math.min(maxChars, total)
  return max <= 0 ? Effect.succeed("") : Effect.flatMap(JobStore, (store) => store.readReply(job.id, 0, max))
}

/**
 * A final job's reply, or the typed failure it ended with.
 *
 * @since 0.1.0
 */
export const settledReply = (
  job: Job,
  options: ReplyOptions = {}
): Effect.Effect<Reply, JobFailure | StorageError, JobStore> => {
  if (job.status === "completed") return Effect.map(replyText(job, options.maxChars), (text) => ({ text, job }))
  return Effect.fail(Option.getOrElse(
    failure(job),
    () => new InternalError({ message: `job ${job.id} is ${job.status}: it has not ended` })
  ))
}
