/**
 * Retrying transient failures: which failures are transient, and the
 * bounded exponential backoff with jitter they are retried on.
 *
 * Transient, as in 1.4.0: a wall-clock timeout (exit code 124, the code of
 * `timeout(1)`) and the network errors `ECONNRESET`, `ETIMEDOUT`,
 * `ECONNREFUSED` and `EPIPE` (in the CLI's output or a spawn error's code).
 * Unlike 1.4.0, a `CliNetworkError` of a CLI that retried by itself
 * (`retriedByCli`) is not transient: claude retries about ten times over
 * three minutes before it gives up, and running it three times made the
 * caller wait nine.
 * Not transient: an idle timeout (the CLI hung: running it again would hang
 * again), a missing binary, a refused login, a bad request or model, a
 * cancel, and a rate limit (the classifier cannot tell a short throttle
 * from an exhausted quota that resets hours later, and the CLIs report no
 * retry-after: a retry a second later only spends another run; the caller
 * gets `CliRateLimited` with its hint instead).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type { GatewayError } from "../domain/errors.js"

/**
 * How failures are retried.
 *
 * @since 0.1.0
 */
export interface RetryPolicy {
  /** Runs in all, the first included; 0 or 1 means no retry. */
  readonly maxAttempts: number
  /** The delay before the first retry (ms); each next one doubles. */
  readonly baseDelayMs: number
  /** No delay is longer than this (ms). */
  readonly maxDelayMs: number
  /** How much of each delay jitter may take off, from 0 (none) to 1 (default 0.2). */
  readonly jitter?: number | undefined
}

/**
 * What a retry hook is told, before the delay.
 *
 * @since 0.1.0
 */
export interface RetryInfo {
  /** The attempt that failed (1 is the first run). */
  readonly attempt: number
  readonly maxAttempts: number
  /** How the attempt failed. */
  readonly error: GatewayError
  /** How long until the next attempt starts (ms). */
  readonly delayMs: number
}

/**
 * The default policy: 3 runs, 1 s then 2 s apart (at most 30 s).
 *
 * @since 0.1.0
 */
export const defaultPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0.2 }

const DEFAULT_JITTER = 0.2

/** The network error codes 1.4.0 retries. */
const NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE"])
const NETWORK = /\b(?:ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE)\b/

/**
 * The exit code of a wall-clock timeout (`timeout(1)`, and 1.4.0's own).
 *
 * @since 0.1.0
 */
export const TIMEOUT_EXIT_CODE = 124

/**
 * Whether a failure may pass when the same run is started again.
 *
 * @since 0.1.0
 */
export const isTransient = (error: GatewayError): boolean => {
  switch (error._tag) {
    case "CliExitedNonZero":
      return error.exitCode === TIMEOUT_EXIT_CODE ||
        NETWORK.test(error.stderrTail) || NETWORK.test(error.stdoutTail) || NETWORK.test(error.message)
    case "CliRunFailed":
      return error.exitCode === TIMEOUT_EXIT_CODE || NETWORK.test(error.cliMessage) || NETWORK.test(error.message)
    case "SpawnFailed":
      return error.code !== undefined && NETWORK_CODES.has(error.code)
    // A CLI that already retried by itself (claude's loop of about ten tries, codex's reconnects, gemini's
    // attempts) is not run again: that would multiply its own retries.
    case "CliNetworkError":
      return !error.retriedByCli
    default:
      return false
  }
}

/**
 * The delay before retry number `retry` (0 for the first retry): the base
 * doubled `retry` times, less up to `jitter` of it (`random` in [0, 1)),
 * capped. The nominal delay is an upper bound; jitter only shortens it.
 *
 * @since 0.1.0
 */
export const backoffDelayMs = (policy: RetryPolicy, retry: number, random: number): number => {
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? DEFAULT_JITTER))
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 52))
  return Math.round(nominal * (1 - jitter * random))
}

/**
 * The schedule of a policy: retries transient failures (or those
 * `retryable` accepts) up to `maxAttempts - 1` times, with the backoff of
 * `backoffDelayMs`, telling `onRetry` before each delay.
 *
 * @since 0.1.0
 */
export const schedule = (
  policy: RetryPolicy,
  options: {
    readonly onRetry?: ((info: RetryInfo) => Effect.Effect<void>) | undefined
    readonly retryable?: ((error: GatewayError) => boolean) | undefined
  } = {}
): Schedule.Schedule<readonly [number, GatewayError], GatewayError> => {
  const retryable = options.retryable ?? isTransient
  const onRetry = options.onRetry
  const retries = Math.max(0, policy.maxAttempts - 1)
  return Schedule.recurs(retries).pipe(
    Schedule.addDelayEffect((retry) =>
      Effect.map(Random.next, (random) => Duration.millis(backoffDelayMs(policy, retry, random)))
    ),
    Schedule.intersect(Schedule.identity<GatewayError>()),
    Schedule.whileInput(retryable),
    Schedule.onDecision(([retry, error], decision) => {
      if (onRetry === undefined || !ScheduleDecision.isContinue(decision)) return Effect.void
      return Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) =>
          onRetry({
            attempt: retry + 1,
            maxAttempts: retries + 1,
            error,
            delayMs: Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
          })
      )
    })
  )
}

/**
 * Runs an effect, and again on a transient failure as the policy allows.
 * The last failure is the one reported.
 *
 * @since 0.1.0
 */
export const retrying = <A, E extends GatewayError, R>(
  effect: Effect.Effect<A, E, R>,
  policy: RetryPolicy,
  options: {
    readonly onRetry?: ((info: RetryInfo) => Effect.Effect<void>) | undefined
    readonly retryable?: ((error: GatewayError) => boolean) | undefined
  } = {}
): Effect.Effect<A, E, R> =>
  policy.maxAttempts <= 1 ? effect : Effect.retry(effect, schedule(policy, options))
