/**
 * A CLI run made resilient: each attempt goes through the CLI's circuit
 * breaker, and transient failures are retried with backoff. Every attempt
 * counts with the breaker, so a breaker that opens mid-retry stops the
 * retries (`CircuitOpen` is not transient).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Cli } from "../domain/Cli.js"
import type { CircuitOpen, GatewayError } from "../domain/errors.js"
import type { OutputChunk } from "../process/CommandRunner.js"
import type { CircuitBreakerShape } from "./CircuitBreaker.js"
import { type RetryInfo, type RetryPolicy, retrying } from "./Retry.js"

/**
 * @since 0.1.0
 */
export interface ProtectOptions {
  /** The retry policy; `maxAttempts` 0 or 1 means no retry. */
  readonly policy: RetryPolicy
  /** The breakers; without them, runs are only retried. */
  readonly breaker?: CircuitBreakerShape | undefined
  /** Told before each retry's delay (for the flight recorder and output markers). */
  readonly onRetry?: ((info: RetryInfo) => Effect.Effect<void>) | undefined
}

/**
 * Runs one attempt of a CLI's run through its breaker, retried on transient
 * failures. Each retry is logged at warning level.
 *
 * @since 0.1.0
 */
export const protect = <A, E extends GatewayError, R>(
  cli: Cli,
  attempt: Effect.Effect<A, E, R>,
  options: ProtectOptions
): Effect.Effect<A, E | CircuitOpen, R> => {
  const guarded = options.breaker === undefined ? attempt : options.breaker.protect(cli, attempt)
  const onRetry = options.onRetry
  return retrying(guarded, options.policy, {
    onRetry: (info) =>
      Effect.zipRight(
        Effect.logWarning(
          `${cli} attempt ${info.attempt} of ${info.maxAttempts} failed transiently (${info.error._tag}); ` +
            `retrying in ${info.delayMs} ms`
        ),
        onRetry === undefined ? Effect.void : onRetry(info)
      )
  })
}

/**
 * The line written into a retried job's output (both streams) before the
 * next attempt's output, so a reader sees where one attempt ends and the
 * next begins. The reply is parsed from the last attempt's output alone.
 *
 * @since 0.1.0
 */
export const retryMarker = (info: RetryInfo): string =>
  `\n[llm-cli-gateway] attempt ${info.attempt} of ${info.maxAttempts} failed (${info.error._tag}: ` +
  `${firstLine(info.error.message)}); attempt ${info.attempt + 1} starts in ${info.delayMs} ms and its output follows\n`

const firstLine = (text: string): string => {
  const line = text.split("\n", 1)[0] ?? ""
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

/**
 * The marker as chunks for both streams, for an `onOutput` hook.
 *
 * @since 0.1.0
 */
export const retryMarkerChunks = (info: RetryInfo): ReadonlyArray<OutputChunk> => {
  const data = new TextEncoder().encode(retryMarker(info))
  return [{ stream: "stdout", data }, { stream: "stderr", data }]
}

/**
 * The retry hook of a run: writes the marker into its output, then tells
 * the caller's own `onRetry`.
 *
 * @since 0.1.0
 */
export const reportRetry = (hooks: {
  readonly onOutput?: ((chunk: OutputChunk) => Effect.Effect<void>) | undefined
  readonly onRetry?: ((info: RetryInfo) => Effect.Effect<void>) | undefined
}) =>
(info: RetryInfo): Effect.Effect<void> =>
  Effect.zipRight(
    hooks.onOutput === undefined
      ? Effect.void
      : Effect.forEach(retryMarkerChunks(info), hooks.onOutput, { discard: true }),
    hooks.onRetry === undefined ? Effect.void : hooks.onRetry(info)
  )
