/**
 * What an instance keeps in memory of each job it runs: the job as
 * accepted, the deferred its waiters wait on, its output not yet flushed,
 * and the live facts `health` reports (process id, start, last output).
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type { Cli } from "../domain/Cli.js"
import type { Job } from "../domain/Job.js"
import type { Health } from "./jobOutcome.js"
import { OutputTracker } from "./OutputTracker.js"

/**
 * A job this instance runs, from its start until it is settled.
 *
 * @since 0.1.0
 */
export interface LiveJob {
  readonly job: Job
  readonly done: Deferred.Deferred<Job>
  readonly tracker: OutputTracker
  pid: number | null
  startedAt: number | null
  lastOutputAt: number | null
  stdoutBytes: number
  readonly cli: Cli
}

/**
 * A job just accepted: queued, with nothing spawned nor output yet.
 *
 * @since 0.1.0
 */
export const makeLiveJob = (job: Job, maxOutputBytes: number): Effect.Effect<LiveJob> =>
  Effect.map(Deferred.make<Job>(), (done) => ({
    job,
    done,
    tracker: new OutputTracker(maxOutputBytes),
    pid: null,
    startedAt: null,
    lastOutputAt: null,
    stdoutBytes: 0,
    cli: job.cli
  }))

/**
 * Resumes in the event loop's next turn. A job's end wakes its waiters, and
 * their answers reach the client in the same turn (the fibers resume in
 * microtasks, and stdout is written at once); the job's bookkeeping
 * (flight recorder row, metrics, session) waits for this, so its database
 * writes are never on a request's path.
 *
 * @since 0.1.0
 */
export const afterWaiters: Effect.Effect<void> = Effect.async((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * The running jobs (those with a process) and the count of queued ones.
 *
 * @since 0.1.0
 */
export const liveSummary = (
  live: ReadonlyMap<string, LiveJob>
): { readonly running: Array<Health["running"][number]>; readonly queued: number } => {
  const running: Array<Health["running"][number]> = []
  let queued = 0
  for (const [jobId, entry] of live) {
    if (entry.pid === null) {
      queued++
      continue
    }
    running.push({
      jobId,
      cli: entry.cli,
      pid: entry.pid,
      startedAt: entry.startedAt,
      lastOutputAt: entry.lastOutputAt,
      stdoutBytes: entry.stdoutBytes
    })
  }
  return { running, queued }
}
