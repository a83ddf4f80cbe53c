/**
 * What the GitHub Copilot CLI (`copilot --output-format json`, as the
 * gateway runs it) prints: its JSON events on stdout, its refusals on
 * stderr.
 *
 * Every failure's words are copilot 1.0.102's own, from
 * `test/fixtures/real/copilot/` (not-logged-in, no-network,
 * byok-rate-limit: a provider answering 429, unknown-session).
 *
 * @since 0.1.0
 */
import { type CliRun, exited, jsonLines, lines, type SuccessOptions } from "./CliRun.js"

const TO_AUTHENTICATE = [
  "To authenticate, you can use any of the following methods:",
  "  • Start 'copilot' and run the '/login' command",
  "  • Set the COPILOT_GITHUB_TOKEN, GH_TOKEN, or GITHUB_TOKEN environment variable",
  "  • Run 'gh auth login' to authenticate with the GitHub CLI"
]

/**
 * copilot's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth: "Error: No authentication information found.",
  network:
    "  Failed to fetch PAT user login: network fetch failed: request failed: error sending request for url (https://api.github.com/copilot_internal/user)",
  networkFirst: "Error: Authentication token found but could not be validated.",
  rateLimit:
    "Failed to get response from the AI model; retried 5 times (total retry wait time: 5.52 seconds) Last error: 429 Rate limit reached for requests",
  unknownSession: "Error: No session, task, or name matched '"
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "d2e7d8b8-6d39-4c81-a8c2-18dbafa911cd"
/** The model copilot reports when none is given. @since 0.1.0 */
export const defaultModel = "fake-model"

/**
 * Options of a copilot success: copilot's json output carries no token
 * counts or cost that the gateway reads.
 *
 * @since 0.1.0
 */
export type CopilotSuccessOptions = Omit<SuccessOptions, "usage" | "costUsd">

const result = (sessionId: string, exitCode: number) => ({
  type: "result",
  timestamp: "2026-12-05T07:17:12.916Z",
  sessionId,
  exitCode,
  usage: { premiumRequests: 0, totalApiDurationMs: 0, sessionDurationMs: 0 }
})

/**
 * A successful run: the assistant message and the result (exit 0). Prints
 * `sessionId` (the result's) and `model` (the message's).
 *
 * @since 0.1.0
 */
export const success = (text: string, options: CopilotSuccessOptions = {}): CliRun =>
  exited(
    0,
    jsonLines([
      { type: "assistant.turn_start", data: { turnId: "0" } },
      {
        type: "assistant.message",
        data: { messageId: "f497eebe-b369-4a90-bc79-714d62973724", model: options.model ?? defaultModel, content: text, toolRequests: [] }
      },
      { type: "assistant.turn_end", data: { turnId: "0" } },
      result(options.sessionId ?? defaultSessionId, 0)
    ])
  )

/**
 * Not signed in: the refusal and the ways to sign in on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun =>
  exited(
    1,
    "",
    lines(
      words.auth,
      "",
      "Copilot can be authenticated with GitHub using an OAuth Token or a Fine-Grained Personal Access Token.",
      "",
      ...TO_AUTHENTICATE
    )
  )

/**
 * No network: copilot cannot check its token (it retried for about 7 s)
 * and says so on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun =>
  exited(
    1,
    "",
    lines(
      words.networkFirst,
      "",
      words.network,
      "",
      "Your token may still be valid. Check your network connection and try again.",
      "",
      ...TO_AUTHENTICATE
    )
  )

/**
 * Rate limited (HTTP 429, after copilot's own five retries): a
 * `session.error` of type `rate_limit` and a result with exit code 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun =>
  exited(
    1,
    jsonLines([
      { type: "assistant.turn_start", data: { turnId: "0" } },
      { type: "model.call_failure", data: { model: defaultModel, statusCode: 429, retryAttempt: 5, failureKind: "api" } },
      { type: "assistant.turn_end", data: { turnId: "0" } },
      { type: "session.error", data: { errorType: "rate_limit", message: words.rateLimit, statusCode: 429 } },
      result("ebfcbe5d-bf66-428f-8dfd-490e41708601", 1)
    ])
  )

/**
 * `--resume=<id>` of a session copilot does not have: the refusal and its
 * advice on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const unknownSession = (sessionId: string): CliRun =>
  exited(
    1,
    "",
    lines(
      `${words.unknownSession}${sessionId}'.`,
      "",
      "To resume by session or task ID:  copilot --resume=<id>",
      "To resume by name:                copilot --resume=<name>",
      "To name a new session:            copilot --name=<name>",
      "To pick from existing sessions:   copilot --resume",
      "To start a new session with ID:   copilot --session-id=<valid-uuid>"
    )
  )
