/**
 * How the JobManager finds a job: the jobs this instance runs from memory
 * (as they ended, once they have), its recent finished ones from memory too,
 * and the rest from the store; a job another principal asked for answers
 * exactly as an unknown one.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { JobNotFound, type StorageError } from "../domain/errors.js"
import type { Job } from "../domain/Job.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import type { JobStoreShape } from "./JobStore.js"
import { type LiveJob, liveView, withLiveFacts } from "./liveJob.js"
import type { RecentJobs } from "./peerJobs.js"

/**
 * What the lookups read.
 *
 * @since 0.1.0
 */
export interface JobLookupContext {
  readonly store: JobStoreShape
  /** The jobs this instance runs, by id. */
  readonly live: ReadonlyMap<string, LiveJob>
  /** Its last finished jobs. */
  readonly recent: RecentJobs
}

/**
 * @since 0.1.0
 */
export const makeJobLookup = ({ live, recent, store }: JobLookupContext) => {
  const notFound = (jobId: string) =>
    new JobNotFound({ message: `no job ${jobId} (unknown, or purged after retention)`, jobId })

  /** The job, whoever asked for it (the service's own bookkeeping). */
  const find = (jobId: string): Effect.Effect<Job, JobNotFound | StorageError> =>
    Effect.flatMap(store.get(jobId), Option.match({
      onNone: () => Effect.fail(notFound(jobId)),
      onSome: (job) => Effect.succeed(withLiveFacts(job, live.get(jobId)))
    }))

  /**
   * The job, when the current principal asked for it: another's answers
   * exactly as an unknown one. A job this instance runs is answered from
   * memory (as it ended, once it has); the store is read for the others.
   */
  const get = (jobId: string): Effect.Effect<Job, JobNotFound | StorageError> =>
    Effect.flatMap(CurrentPrincipal, (principal) => {
      const entry = live.get(jobId)
      if (entry !== undefined) {
        if (entry.job.principal !== principal) return Effect.fail(notFound(jobId))
        return Effect.flatMap(Deferred.poll(entry.done), Option.match({
          onNone: () => Effect.sync(() => liveView(entry)),
          onSome: (ended) => ended
        }))
      }
      return Effect.flatMap(recent.get(jobId), (ended) =>
        ended === undefined
          ? Effect.flatMap(
            find(jobId),
            (job) => job.principal === principal ? Effect.succeed(job) : Effect.fail(notFound(jobId))
          )
          : ended.principal === principal
          ? Effect.succeed(ended)
          : Effect.fail(notFound(jobId)))
    })

  /** The job at once, while it is queued or running here, for its own principal only (`JobManager.peek`). */
  const peek = (jobId: string, principal: string): Job | undefined => {
    const entry = live.get(jobId)
    if (entry === undefined || entry.job.principal !== principal) return undefined
    // Settling: its end is `get`'s to answer.
    return Option.isNone(Effect.runSync(Deferred.poll(entry.done))) ? liveView(entry) : undefined
  }

  return { notFound, find, get, peek }
}
