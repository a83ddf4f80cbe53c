/**
 * What the Gemini CLI (`gemini --output-format stream-json`, as the
 * gateway runs it) prints: its stream-json events on stdout, its
 * complaints on stderr, and its own exit codes (41 auth, 42 input).
 *
 * The sign-in, network and unknown-session words are gemini's own, from
 * `test/fixtures/real/gemini/`. The rate limit was not captured from the
 * binary: its words are those of `test/fixtures/output/gemini/rate-limit.stderr`,
 * gemini's message for an HTTP 429 `RESOURCE_EXHAUSTED`.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, lines, type SuccessOptions } from "./CliRun.js"

/**
 * gemini's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth:
    "Please set an Auth method in your /home/user/.gemini/settings.json or specify one of the following environment variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA",
  network: "[API Error: exception TypeError: fetch failed sending request]",
  networkRetry: "Retrying with backoff... Error: exception TypeError: fetch failed sending request",
  rateLimit:
    "Error when talking to Gemini API [API Error: You have exhausted your capacity on this model. Your quota will reset after 43s. (status: 429 RESOURCE_EXHAUSTED)]",
  unknownSession: "Error resuming session: No previous sessions found for this project."
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "6fc472f8-0714-46d4-b74f-a679b3f25786"
/** The model gemini reports when left to choose. @since 0.1.0 */
export const defaultModel = "auto"

/**
 * Options of a gemini success: gemini reports no cost.
 *
 * @since 0.1.0
 */
export type GeminiSuccessOptions = Omit<SuccessOptions, "costUsd">

const timestamp = "2026-12-05T04:31:43.139Z"

/**
 * A successful run: init, the assistant message, the success result with
 * its stats (exit 0). Prints `sessionId`, `model` (in init) and of `usage`
 * the input, output, cached, reasoning (`thoughts`) and total tokens.
 *
 * @since 0.1.0
 */
export const success = (text: string, options: GeminiSuccessOptions = {}): CliRun =>
  exited(
    0,
    jsonLines([
      { type: "init", timestamp, session_id: options.sessionId ?? defaultSessionId, model: options.model ?? defaultModel },
      { type: "message", timestamp, role: "assistant", content: text, delta: true },
      {
        type: "result",
        timestamp,
        status: "success",
        stats: defined({
          total_tokens: options.usage?.totalTokens,
          input_tokens: options.usage?.inputTokens ?? 0,
          output_tokens: options.usage?.outputTokens ?? 0,
          cached: options.usage?.cachedInputTokens,
          thoughts: options.usage?.reasoningTokens,
          duration_ms: 0,
          tool_calls: 0
        })
      }
    ])
  )

/**
 * No auth method set: one line on stderr, exit 41.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun => exited(41, "", lines(words.auth))

/**
 * No network: gemini retries with backoff for about five minutes (saying
 * so on stderr), then prints an error result and exits 1. Two attempts
 * stand for its many, without their stack traces.
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun =>
  exited(
    1,
    jsonLines([
      { type: "init", timestamp, session_id: defaultSessionId, model: defaultModel },
      { type: "result", timestamp, status: "error", error: { type: "unknown", message: words.network }, stats: { total_tokens: 0, input_tokens: 0, output_tokens: 0 } }
    ]),
    lines(`Attempt 1 failed. ${words.networkRetry}`, `Attempt 2 failed. ${words.networkRetry}`)
  )

/**
 * Out of quota (HTTP 429): gemini's message on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun => exited(1, "", lines("Loaded cached credentials.", words.rateLimit))

/**
 * `--resume <id>` where gemini has no session: gemini does not name the
 * id; exit 42 (its input error).
 *
 * @since 0.1.0
 */
export const unknownSession = (_sessionId?: string): CliRun => exited(42, "", lines(words.unknownSession))
