/**
 * One job's run, for the JobManager: its CLI through the RequestRunner in
 * the concurrency slots, its output flushed to the store at most once per
 * interval (and by size), its attempts and CLI session recorded, and its
 * final state settled once: written (again until the store is back), then
 * its waiters woken.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import type { GatewayConfigShape } from "../Config.js"
import type { Cli } from "../domain/Cli.js"
import type { GatewayError, JobNotFound, StorageError } from "../domain/errors.js"
import type { Job } from "../domain/Job.js"
import type { RequestObserver } from "../observability/observe.js"
import type { SessionStoreShape } from "../sessions/SessionStore.js"
import { finalOf, stoppedFinal } from "./jobOutcome.js"
import type { FinalState, JobStoreShape } from "./JobStore.js"
import { afterWaiters, endedJob, joinFlushes, type LiveJob, retried, spawned } from "./liveJob.js"
import type { RecentJobs } from "./peerJobs.js"
import type { PlannedRequest, RequestRunnerShape } from "./RequestRunner.js"

/** Output pending past this many characters is flushed at once. */
const FLUSH_CHARS = 1 << 20

/**
 * How a job's final state is written again while the store cannot be
 * reached: backing off to every 2 s, for up to ten minutes.
 */
const STORE_RETRY = Schedule.exponential(Duration.millis(100)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(2))),
  Schedule.upTo(Duration.minutes(10))
)

/**
 * What a run uses of its manager.
 *
 * @since 0.1.0
 */
export interface JobRunContext {
  readonly config: GatewayConfigShape
  readonly store: JobStoreShape
  readonly runner: RequestRunnerShape
  readonly sessions: SessionStoreShape
  readonly observer: RequestObserver
  /** The jobs this instance runs, by id: a settled one is removed. */
  readonly live: Map<string, LiveJob>
  /** Its last finished jobs: a settled one is remembered. */
  readonly recent: RecentJobs
  /** The job as the store has it (when another end was committed first). */
  readonly find: (jobId: string) => Effect.Effect<Job, JobNotFound | StorageError>
  readonly globalSlots: Effect.Semaphore
  readonly cliSlots: Readonly<Record<Cli, Effect.Semaphore>>
}

/**
 * A job's run (`body`, for the manager to fork) and its settling (`settle`,
 * also for a stop from outside the run: a cancel, the shutdown).
 *
 * @since 0.1.0
 */
export const makeJobRun = (context: JobRunContext) => {
  const { config, store, runner, sessions, observer, live, recent, find, globalSlots, cliSlots } = context

  /**
   * Writes the final state, then wakes the waiters with the job as it ended
   * (built in memory: a large reply is not read back), or as the store has it
   * when another end was committed first. When the store cannot be reached,
   * the write is tried again until the store is back (STORE_RETRY), and the
   * waiters answered then, so that what they read next (the reply) is
   * there: written exactly once, as the store takes a final state only over
   * an active one.
   */
  const settle = (jobId: string, entry: LiveJob, final: Omit<FinalState, "output">, retryWrite = true) =>
    Effect.gen(function*() {
      const output = joinFlushes(entry.unflushed, entry.tracker.take(true))
      entry.unflushed = undefined
      const ended = endedJob(entry, final, output)
      const write = store.finish(jobId, { ...final, output, attempts: ended.attempts }).pipe(
        Effect.flatMap((wrote) => wrote ? Effect.succeed(ended) : find(jobId))
      )
      const first = !(yield* Deferred.isDone(entry.done))
      let recorded = true
      const job = yield* write.pipe(
        Effect.catchTag("StorageError", (e) =>
          Effect.gen(function*() {
            if (!retryWrite) return yield* Effect.fail(e)
            yield* Effect.logWarning(`could not record the end of job ${jobId}; trying again until the store is back`, e)
            return yield* Effect.retry(write, { schedule: STORE_RETRY, while: (e) => e._tag === "StorageError" })
          })
        ),
        Effect.catchAll((e) => {
          recorded = false
          return Effect.as(Effect.logError(`could not record the end of job ${jobId}`, e), ended)
        })
      )
      yield* Deferred.succeed(entry.done, job)
      if (recorded) recent.remember(job)
      // Once per job (a cancel may settle it again): the flight recorder row and the metrics, in the
      // event loop's next turn, once the waiters have answered: bookkeeping is not on the request's path.
      if (first) {
        yield* afterWaiters
        yield* observer.settled(job, job.status === final.status ? final.replyText : undefined)
      }
    }).pipe(Effect.ensuring(Effect.sync(() => live.delete(jobId))))

  /**
   * Appends what arrived since the last flush; stops the run if the job is
   * already final. The output stays `unflushed` until its write returns: a
   * write that failed, or was cut off by the run's end (a store slow to
   * answer), is written again with the next flush or the final state (the
   * store ignores pieces it already has).
   */
  const flush = (jobId: string, entry: LiveJob) =>
    Effect.gen(function*() {
      if (!entry.tracker.hasPending && entry.unflushed === undefined) return
      const output = joinFlushes(entry.unflushed, entry.tracker.take())
      entry.unflushed = output
      const written = yield* Effect.either(store.appendOutput(jobId, output))
      if (written._tag === "Left") {
        return yield* Effect.logWarning(`output flush of job ${jobId} failed; it is written with the next`, written.left)
      }
      entry.unflushed = undefined
      // Already final: another instance took it for orphaned, or it was canceled. Stop the run.
      if (!written.right) return yield* Effect.interrupt
    })

  const flushLoop = (jobId: string, entry: LiveJob) =>
    flush(jobId, entry).pipe(Effect.repeat(Schedule.spaced(Duration.millis(config.flushIntervalMs))))

  /** Closes the attempt that failed; the next one opens when its process starts. */
  const recordRetry = (jobId: string, entry: LiveJob, error: GatewayError) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      retried(entry, error, at)
      return store.recordAttempts(jobId, entry.attempts).pipe(
        Effect.catchAll((e) => Effect.logWarning(`could not record the failed attempt of job ${jobId}`, e))
      )
    })

  /** Keeps the CLI's own session id, so the next request can continue it; never fails a job. */
  const recordSession = (job: Job, sessionId: string | undefined, at: number, gatewaySessionId: string | undefined) =>
    sessionId === undefined
      ? Effect.void
      : sessions.recordCliSession(job.cli, sessionId, at, { gatewaySessionId }).pipe(
        Effect.catchAll((e) => Effect.logWarning(`could not record the session of job ${job.id}`, e))
      )

  const body = (job: Job, planned: PlannedRequest, entry: LiveJob, gatewaySessionId: string | undefined) =>
    Effect.gen(function*() {
      const outcome = yield* Effect.either(
        runner.execute(planned, {
          onOutput: (chunk) =>
            Effect.suspend(() => {
              entry.tracker.push(chunk)
              entry.lastOutputAt = Date.now()
              if (chunk.stream === "stdout") entry.stdoutBytes += chunk.data.length
              // A fast talker is flushed by size too, so no write carries more than about a megabyte.
              return entry.tracker.pendingChars >= FLUSH_CHARS ? flush(job.id, entry) : Effect.void
            }),
          onSpawn: (pid, command) =>
            Effect.gen(function*() {
              // Each attempt spawns: pid and command are the last's, the start the first's.
              const startedAt = spawned(entry, pid, yield* Clock.currentTimeMillis)
              const recorded = yield* store.markRunning(job.id, { pid, command, startedAt, attempts: entry.attempts }).pipe(
                Effect.catchAll((e) =>
                  Effect.as(Effect.logWarning(`could not record the start of job ${job.id}`, e), true)
                )
              )
              // Already final: another instance took it for orphaned, or it was canceled. Stop the run.
              if (!recorded) return yield* Effect.interrupt
            }),
          // Each retry closes the failed attempt, and goes into the flight-recorder row and the metrics.
          onRetry: (info) => Effect.zipRight(recordRetry(job.id, entry, info.error), observer.retried(job, info))
        }).pipe(
          Effect.raceFirst(Effect.zipRight(flushLoop(job.id, entry), Effect.never)),
          // A job waits for a slot of its CLI, then for a global one, in arrival order (holding a global slot
          // while waiting for its CLI's would block the other CLIs). A slot bounds the CLIs that run: it is
          // let go when the run ends, before the job's end is recorded, so the next job starts at once.
          globalSlots.withPermits(1),
          cliSlots[job.cli].withPermits(1)
        )
      )
      const finishedAt = yield* Clock.currentTimeMillis
      // The CLI's session before the waiters wake: the caller's next request must find it.
      if (outcome._tag === "Right") yield* recordSession(job, outcome.right.sessionId, finishedAt, gatewaySessionId)
      yield* settle(job.id, entry, finalOf(outcome, finishedAt))
    }).pipe(
      Effect.onExit((exit) => {
        if (Exit.isSuccess(exit)) return Effect.void
        const interrupted = Cause.isInterruptedOnly(exit.cause)
        return Effect.flatMap(Clock.currentTimeMillis, (finishedAt) =>
          Effect.zipRight(
            interrupted ? Effect.void : Effect.logError(`job ${job.id} died`, exit.cause),
            // Interrupted: whoever interrupted it settles it too, and decides whether to wait for the store.
            settle(job.id, entry, stoppedFinal(job.id, exit.cause, finishedAt), !interrupted)
          ))
      }),
      Effect.annotateLogs({ jobId: job.id, correlationId: job.correlationId })
    )

  return { body, settle }
}
