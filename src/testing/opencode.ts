/**
 * What opencode (`opencode run --format json --print-logs --log-level
 * ERROR`, as the gateway runs it) prints: its JSON events on stdout, its
 * ERROR log lines and `Error:` lines on stderr.
 *
 * The sign-in, network and unknown-session words are opencode 1.18.33's
 * own, from `test/fixtures/real/opencode/` (not-logged-in-model-logs: a
 * provider without a key, no-network, unknown-session). The rate limit was
 * not captured from the binary: its words are those of
 * `test/fixtures/output/opencode/json-error-rate-limit.jsonl`, Anthropic's
 * 429 as opencode reports it.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, lines, type SuccessOptions } from "./CliRun.js"

/**
 * opencode's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth: "Unexpected server error. Check server logs for details.",
  authLog:
    "timestamp=2026-12-05T07:43:24.959Z level=ERROR run=c81a63e9 message=\"share subscriber failed\" type=message.updated cause=\"Cause([Fail(ProviderModelNotFoundError: Model not found: anthropic/claude-sonnet-4-5. Did you mean: claude-sonnet-4-5, claude-sonnet-4-5-20250929?)])\"",
  network: "Cannot connect to API: Unable to connect. Is the computer able to access the url?",
  rateLimit: "This request would exceed the rate limit for your organization of 50 requests per minute.",
  unknownSession: "\u001b[91m\u001b[1mError: \u001b[0mSession not found"
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "ses_6783457c2ffeICANaRjenHkVxv"

/**
 * Options of an opencode success: its events name no model (the reply's
 * model is the one asked for).
 *
 * @since 0.1.0
 */
export type OpencodeSuccessOptions = Omit<SuccessOptions, "model">

/**
 * A successful run: one step with its text and its finish (tokens, cost),
 * exit 0. Prints `sessionId` (opencode's `ses_…`), `costUsd` and of `usage`
 * the input, output, reasoning, cache-read, cache-write and total tokens.
 *
 * @since 0.1.0
 */
export const success = (text: string, options: OpencodeSuccessOptions = {}): CliRun => {
  const sessionID = options.sessionId ?? defaultSessionId
  const u = options.usage
  return exited(
    0,
    jsonLines([
      { type: "step_start", timestamp: 1758919896305, sessionID, part: { sessionID, type: "step-start" } },
      { type: "text", timestamp: 1758919898461, sessionID, part: { sessionID, type: "text", text } },
      {
        type: "step_finish",
        timestamp: 1758919898483,
        sessionID,
        part: defined({
          reason: "stop",
          sessionID,
          type: "step-finish",
          tokens: defined({
            total: u?.totalTokens,
            input: u?.inputTokens ?? 0,
            output: u?.outputTokens ?? 0,
            reasoning: u?.reasoningTokens,
            cache: { write: u?.cacheCreationInputTokens ?? 0, read: u?.cachedInputTokens ?? 0 }
          }),
          cost: options.costUsd
        })
      }
    ])
  )
}

const errorEvent = (error: object) => ({ type: "error", timestamp: 1796455676247, sessionID: "ses_dbae6f2aeffetc96Gv9VRYg7Gj", error })

/**
 * A provider without a key (`-m anthropic/…`, no `ANTHROPIC_API_KEY`):
 * opencode says only "Unexpected server error"; its ERROR log line names
 * the model it could not load, which the adapter reads (exit 1).
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun =>
  exited(
    1,
    jsonLines([errorEvent({ name: "UnknownError", data: { message: words.auth, ref: "err_232789a0" } })]),
    lines(words.authLog)
  )

/**
 * No network: opencode retries silently, then reports an `APIError`
 * naming the provider's URL (exit 1).
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun =>
  exited(
    1,
    jsonLines([
      errorEvent({
        name: "APIError",
        data: { message: words.network, isRetryable: true, metadata: { url: "https://api.anthropic.com/v1/messages" } }
      })
    ])
  )

/**
 * Rate limited (HTTP 429, after opencode's own retries): an `APIError`
 * with the status, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun =>
  exited(
    1,
    jsonLines([
      errorEvent({
        name: "APIError",
        data: {
          message: words.rateLimit,
          statusCode: 429,
          isRetryable: true,
          responseHeaders: { "retry-after": "17" },
          metadata: { url: "https://api.anthropic.com/v1/messages" }
        }
      })
    ])
  )

/**
 * `--session=<id>` of a session opencode does not have: an ANSI-coloured
 * `Error:` line on stderr that does not name the id, exit 1.
 *
 * @since 0.1.0
 */
export const unknownSession = (_sessionId?: string): CliRun => exited(1, "", lines(words.unknownSession))
