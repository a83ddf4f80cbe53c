/**
 * A job's attempts: each run of its CLI, opened when its process starts
 * and closed when it fails transiently (the retry hook) or when the job
 * ends. Pure: each step takes the list and answers the next one.
 *
 * @since 0.1.0
 */
import type { JobAttempt, JobAttemptError } from "../domain/Job.js"
import { redact } from "../observability/redact.js"

/**
 * The error an attempt records: its tag and message alone, the message
 * redacted (`observability/redact`).
 *
 * @since 0.1.0
 */
export const attemptError = (error: { readonly _tag: string; readonly message: string }): JobAttemptError => ({
  _tag: error._tag,
  message: redact(error.message)
})

const isOpen = (attempt: JobAttempt | undefined): attempt is JobAttempt =>
  attempt !== undefined && attempt.durationMs === null

const close = (
  attempts: ReadonlyArray<JobAttempt>,
  at: number,
  error: JobAttemptError | null
): ReadonlyArray<JobAttempt> => {
  const last = attempts[attempts.length - 1]
  if (!isOpen(last)) return attempts
  return [...attempts.slice(0, -1), { ...last, durationMs: Math.max(0, at - last.startedAt), error }]
}

/**
 * A process started: the next attempt opens. An attempt still open (a
 * second spawn without a failure between) is closed first.
 *
 * @since 0.1.0
 */
export const attemptStarted = (attempts: ReadonlyArray<JobAttempt>, at: number): ReadonlyArray<JobAttempt> => {
  const closed = close(attempts, at, null)
  return [...closed, { attempt: closed.length + 1, startedAt: at, durationMs: null, error: null }]
}

/**
 * An attempt failed and is retried: the open attempt closes with the
 * error. An attempt that failed before its process started (so none is
 * open) is recorded as failed at once, with no running time.
 *
 * @since 0.1.0
 */
export const attemptFailed = (
  attempts: ReadonlyArray<JobAttempt>,
  error: JobAttemptError,
  at: number
): ReadonlyArray<JobAttempt> =>
  isOpen(attempts[attempts.length - 1])
    ? close(attempts, at, error)
    : [...attempts, { attempt: attempts.length + 1, startedAt: at, durationMs: 0, error }]

/**
 * The job ended: its open attempt (if any) closes, with the job's error
 * (null when it completed).
 *
 * @since 0.1.0
 */
export const attemptsEnded = (
  attempts: ReadonlyArray<JobAttempt>,
  error: JobAttemptError | null,
  at: number
): ReadonlyArray<JobAttempt> => close(attempts, at, error === null ? null : attemptError(error))

/**
 * When the job started: its first attempt's start.
 *
 * @since 0.1.0
 */
export const firstStart = (attempts: ReadonlyArray<JobAttempt>): number | null => attempts[0]?.startedAt ?? null
