/**
 * What the OpenAI Codex CLI (`codex exec --json`, as the gateway runs it)
 * prints: its JSONL events on stdout.
 *
 * The network and unknown-session words are codex's own, from
 * `test/fixtures/real/codex/`. Sign-in and the usage limit were not
 * captured from the binary (codex without a network never gets that far):
 * their words are those of `test/fixtures/output/codex/fail-auth.jsonl` and
 * `fail-rate-limit.jsonl`, the messages codex reports for an HTTP 401 and
 * for a plan's usage limit.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, lines, signaled, type SuccessOptions } from "./CliRun.js"

/**
 * codex's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth: "unexpected status 401 Unauthorized: Missing bearer or basic authentication in header",
  network: "Reconnecting... waiting for network (Connection failed: error sending request)",
  networkFirst:
    "Reconnecting... 2/5 (stream disconnected before completion: failed to lookup address information: Name does not resolve)",
  rateLimit:
    "You've hit your usage limit. To get more access now, send a request to your admin or try again at 12:16 PM.",
  unknownSession: "Error: thread/resume: thread/resume failed: no rollout found for thread id "
} as const

/** The thread id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "01a24474-764b-7490-97c2-8f47e1e2de22"

/**
 * Options of a codex success: codex's events name no model (the reply's
 * model is the one asked for) and no cost.
 *
 * @since 0.1.0
 */
export type CodexSuccessOptions = Omit<SuccessOptions, "model" | "costUsd">

/**
 * A successful run: the thread, one agent message, the completed turn with
 * its usage (exit 0). Prints `sessionId` (the thread id) and of `usage` the
 * input, cached input, output, reasoning and total tokens.
 *
 * @since 0.1.0
 */
export const success = (text: string, options: CodexSuccessOptions = {}): CliRun =>
  exited(
    0,
    jsonLines([
      { type: "thread.started", thread_id: options.sessionId ?? defaultSessionId },
      { type: "turn.started" },
      { type: "item.completed", item: { id: "item_0", type: "agent_message", text } },
      {
        type: "turn.completed",
        usage: defined({
          input_tokens: options.usage?.inputTokens ?? 0,
          cached_input_tokens: options.usage?.cachedInputTokens,
          output_tokens: options.usage?.outputTokens ?? 0,
          reasoning_output_tokens: options.usage?.reasoningTokens,
          total_tokens: options.usage?.totalTokens
        })
      }
    ])
  )

const failedTurn = (message: string): CliRun =>
  exited(
    1,
    jsonLines([
      { type: "thread.started", thread_id: defaultSessionId },
      { type: "turn.started" },
      { type: "error", message },
      { type: "turn.failed", error: { message } }
    ])
  )

/**
 * The API refused the credentials (HTTP 401): an error and a failed turn, exit 1.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun => failedTurn(words.auth)

/**
 * No network: codex never gives up by itself ("Reconnecting... waiting for
 * network" about once a minute, for ever), so the run ends when the
 * gateway stops it: SIGTERM, no exit code.
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun =>
  signaled(
    "SIGTERM",
    jsonLines([
      { type: "thread.started", thread_id: defaultSessionId },
      { type: "turn.started" },
      { type: "error", message: words.networkFirst },
      { type: "error", message: words.network },
      { type: "error", message: words.network }
    ])
  )

/**
 * The plan's usage limit: an error and a failed turn, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun => failedTurn(words.rateLimit)

/**
 * `resume <id>` of a thread codex does not have: one line on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const unknownSession = (sessionId: string): CliRun =>
  exited(1, "", lines(`${words.unknownSession}${sessionId} (code -32600)`))
