/**
 * What an instance keeps in memory of each job it runs: the job as
 * accepted, the deferred its waiters wait on, its output not yet flushed,
 * its attempts, and the live facts `health` reports (process id, start,
 * last output).
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type { Cli } from "../domain/Cli.js"
import { isFinal, type Job, type JobAttempt, type JobAttemptError } from "../domain/Job.js"
import { attemptError, attemptFailed, attemptsEnded, attemptStarted, firstStart } from "./attempts.js"
import type { Health } from "./jobOutcome.js"
import type { FinalState, OutputFlush } from "./JobStore.js"
import { processSecretValues } from "../observability/secretValues.js"
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
  /** Output taken from the tracker whose write failed: written with the next. */
  unflushed: OutputFlush | undefined
  pid: number | null
  /** The first attempt's start. */
  startedAt: number | null
  /** Each run of its CLI so far, the last one open while it runs. */
  attempts: ReadonlyArray<JobAttempt>
  lastOutputAt: number | null
  stdoutBytes: number
  readonly cli: Cli
}

/**
 * Two flushes as one: the earlier one's pieces, then the later one's, and
 * the later one's counters.
 *
 * @since 0.1.0
 */
export const joinFlushes = (earlier: OutputFlush | undefined, later: OutputFlush): OutputFlush =>
  earlier === undefined ? later : { ...later, chunks: [...earlier.chunks, ...later.chunks] }

/**
 * A job just accepted: queued, with nothing spawned nor output yet.
 *
 * @since 0.1.0
 */
export const makeLiveJob = (job: Job, maxOutputBytes: number): Effect.Effect<LiveJob> =>
  Effect.map(Deferred.make<Job>(), (done) => ({
    job,
    done,
    // The server's secret values are never stored with the output.
    tracker: new OutputTracker(maxOutputBytes, processSecretValues()),
    unflushed: undefined,
    pid: null,
    startedAt: null,
    attempts: job.attempts ?? [],
    lastOutputAt: null,
    stdoutBytes: 0,
    cli: job.cli
  }))

/**
 * A process of the job started: the next attempt opens. The job's start
 * stays the first attempt's, and is answered.
 *
 * @since 0.1.0
 */
export const spawned = (entry: LiveJob, pid: number, at: number): number => {
  entry.pid = pid
  entry.attempts = attemptStarted(entry.attempts, at)
  entry.startedAt = firstStart(entry.attempts) ?? at
  return entry.startedAt
}

/**
 * An attempt failed transiently and the run is retried: it closes with
 * its error.
 *
 * @since 0.1.0
 */
export const retried = (entry: LiveJob, error: JobAttemptError, at: number): void => {
  entry.attempts = attemptFailed(entry.attempts, attemptError(error), at)
}

/**
 * The job as this instance knows it while it runs: the stored row, with
 * the attempts kept in memory (a write of them may have failed).
 *
 * @since 0.1.0
 */
export const withLiveFacts = (stored: Job, entry: LiveJob | undefined): Job =>
  entry === undefined || isFinal(stored.status) ? stored : { ...stored, attempts: entry.attempts }

/**
 * A job this instance runs, as its row would read, from memory: queued
 * until its process starts, then running, with the output counters of the
 * last flush. A cancel asked for by another instance is not seen here
 * (this instance acts on it within a heartbeat).
 *
 * @since 0.1.0
 */
export const liveView = (entry: LiveJob): Job => {
  const { truncated, ...counters } = entry.tracker.flushed
  return {
    ...entry.job,
    ...counters,
    outputTruncated: truncated,
    status: entry.pid === null ? "queued" : "running",
    pid: entry.pid,
    startedAt: entry.startedAt,
    attempts: entry.attempts
  }
}

/**
 * The job as it ended, built in memory (a large reply is not read back),
 * with its last attempt closed.
 *
 * @since 0.1.0
 */
export const endedJob = (entry: LiveJob, final: Omit<FinalState, "output">, output: OutputFlush): Job => ({
  ...entry.job,
  status: final.status,
  finishedAt: final.finishedAt,
  exitCode: final.exitCode,
  signal: final.signal,
  error: final.error,
  reply: final.reply,
  pid: entry.pid,
  startedAt: entry.startedAt,
  stdoutBytes: output.stdoutBytes,
  stderrBytes: output.stderrBytes,
  stdoutChars: output.stdoutChars,
  stderrChars: output.stderrChars,
  outputTruncated: output.truncated,
  attempts: attemptsEnded(entry.attempts, final.error, final.finishedAt)
})

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
  live: ReadonlyMap<string, LiveJob>,
  principal: string
): { readonly running: Array<Health["running"][number]>; readonly queued: number } => {
  const running: Array<Health["running"][number]> = []
  let queued = 0
  for (const [jobId, entry] of live) {
    if (entry.job.principal !== principal) continue
    if (entry.pid === null) {
      queued++
      continue
    }
    running.push({
      jobId,
      cli: entry.cli,
      pid: entry.pid,
      startedAt: entry.startedAt,
      attemptCount: entry.attempts.length,
      lastOutputAt: entry.lastOutputAt,
      stdoutBytes: entry.stdoutBytes
    })
  }
  return { running, queued }
}
