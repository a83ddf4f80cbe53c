/**
 * What an instance knows of jobs it does not run (or no longer runs):
 * waiting on another instance's job by the store's news, and the memory of
 * its own finished jobs, whose final state never changes.
 *
 * @since 0.1.0
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { JobNotFound, StorageError } from "../domain/errors.js"
import { isFinal, type Job } from "../domain/Job.js"
import { awaitNotification, type NotificationsShape } from "../storage/Notifications.js"

/** How often a waiter looks at the row of a job another process runs, when no notification can reach it. */
const PEER_POLL = Duration.millis(200)

/** How a waiter reads a peer's job again when the store did not answer: every 250 ms, for up to 15 s. */
const PEER_READ_RETRY = Schedule.spaced(Duration.millis(250)).pipe(Schedule.upTo(Duration.seconds(15)))

/**
 * Waits until a job of another instance is final: its row is read again
 * whenever the store says it ended (or may have: `Resync`) and, where the
 * store's news do not cross processes (SQLite), every PEER_POLL. A read
 * that meets the store restarting is tried again for a while: a blip is
 * not the waiter's failure.
 *
 * @since 0.1.0
 */
export const awaitPeer = <E extends JobNotFound | StorageError | SqlError>(
  notifications: NotificationsShape,
  get: (jobId: string) => Effect.Effect<Job, E>,
  jobId: string
): Effect.Effect<Job, E> =>
  Effect.scoped(Effect.gen(function*() {
    const news = yield* notifications.subscribe
    const ended = awaitNotification(news, (n) => n._tag === "JobEnded" && n.jobId === jobId)
    const next = notifications.crossProcess ? ended : Effect.race(ended, Effect.sleep(PEER_POLL))
    while (true) {
      const job = yield* Effect.retry(get(jobId), { schedule: PEER_READ_RETRY, while: (e) => e._tag === "StorageError" })
      if (isFinal(job.status)) return job
      yield* next
    }
  }))

/**
 * The last `capacity` jobs an instance ran, as they ended and were
 * recorded, so that their status is answered without reading the store;
 * one past retention is not answered (it may have been purged).
 *
 * @since 0.1.0
 */
export class RecentJobs {
  private readonly jobs = new Map<string, Job>()

  constructor(private readonly capacity: number, private readonly retentionMs: number) {}

  remember(job: Job): void {
    this.jobs.delete(job.id)
    this.jobs.set(job.id, job)
    if (this.jobs.size > this.capacity) this.jobs.delete(this.jobs.keys().next().value!)
  }

  /** The job as it ended, if remembered and within retention. */
  get(jobId: string): Effect.Effect<Job | undefined> {
    const job = this.jobs.get(jobId)
    if (job === undefined) return Effect.succeed(undefined)
    return Effect.map(Clock.currentTimeMillis, (now) => (job.finishedAt ?? 0) < now - this.retentionMs ? undefined : job)
  }
}
