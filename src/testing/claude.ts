/**
 * What Claude Code (`claude -p --output-format stream-json --verbose`, as
 * the gateway runs it) prints: its stream-json events on stdout.
 *
 * The failure words are claude 2.1.332's own, from
 * `test/fixtures/real/claude/` (not-logged-in, no-network, unknown-session),
 * keeping the events the adapter reads. The rate limit was not captured
 * from the binary (it needs a subscription at its limit): its words are
 * those of `test/fixtures/output/claude/error-rate-limit.jsonl`, claude's
 * documented "You've hit your limit" message.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, lines, type SuccessOptions } from "./CliRun.js"

/**
 * claude's failure words, as the real binary printed them.
 *
 * @since 0.1.0
 */
export const words = {
  auth: "Not logged in · Please run /login",
  network: "API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
  rateLimit: "You've hit your limit · resets 4pm (Europe/Berlin)",
  unknownSession: "No conversation found with session ID: "
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "ec6b72d6-797a-4d06-8549-8031f55a6fc4"
/** The model claude 2.1.332 runs by default. @since 0.1.0 */
export const defaultModel = "claude-opus-5-5"

const init = (sessionId: string, model: string) => ({
  type: "system",
  subtype: "init",
  cwd: "/home/user/project",
  session_id: sessionId,
  tools: [],
  mcp_servers: [],
  model,
  permissionMode: "default",
  apiKeySource: "none",
  claude_code_version: "2.1.332"
})

const assistant = (sessionId: string, model: string, text: string, error?: string) =>
  defined({
    type: "assistant",
    message: {
      id: "2f6610c0-f8cb-4d06-826f-520b23fb6356",
      model,
      role: "assistant",
      type: "message",
      stop_reason: "stop_sequence",
      content: [{ type: "text", text }]
    },
    parent_tool_use_id: null,
    session_id: sessionId,
    error,
    is_api_error_message: error !== undefined ? true : undefined
  })

const usageFields = (options: SuccessOptions) =>
  defined({
    input_tokens: options.usage?.inputTokens ?? 0,
    output_tokens: options.usage?.outputTokens ?? 0,
    cache_read_input_tokens: options.usage?.cachedInputTokens,
    cache_creation_input_tokens: options.usage?.cacheCreationInputTokens
  })

/** The synthetic reply of a failed API call: an assistant message, then an error result, exit 1. */
const apiError = (text: string, error: string, before: ReadonlyArray<object> = []): CliRun =>
  exited(
    1,
    jsonLines([
      init(defaultSessionId, defaultModel),
      ...before,
      assistant(defaultSessionId, "<synthetic>", text, error),
      {
        type: "result",
        subtype: "success",
        is_error: true,
        num_turns: 1,
        result: text,
        session_id: defaultSessionId,
        total_cost_usd: 0,
        usage: { input_tokens: 0, output_tokens: 0 },
        api_error_status: null
      }
    ])
  )

/**
 * A successful run: init, one assistant message, the success result (exit
 * 0). Prints `sessionId`, `model` (in init and the message), `costUsd`
 * (`total_cost_usd`) and of `usage` the input, output, cache-read and
 * cache-creation tokens.
 *
 * @since 0.1.0
 */
export const success = (text: string, options: SuccessOptions = {}): CliRun => {
  const sessionId = options.sessionId ?? defaultSessionId
  const model = options.model ?? defaultModel
  return exited(
    0,
    jsonLines([
      init(sessionId, model),
      assistant(sessionId, model, text),
      defined({
        type: "result",
        subtype: "success",
        is_error: false,
        num_turns: 1,
        result: text,
        session_id: sessionId,
        total_cost_usd: options.costUsd,
        usage: usageFields(options)
      })
    ])
  )
}

/**
 * Not signed in: claude answers with a synthetic "Not logged in" message
 * and an error result, and exits 1.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun => apiError(words.auth, "authentication_failed")

/**
 * No network: claude retries the API call (announcing each retry with a
 * `system/api_retry` event, `error_status: null`), then gives up with
 * "Can't reach the API server" and exits 1 (the real run took 206 s; here
 * two retries stand for its ten).
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun =>
  apiError(
    words.network,
    "server_error",
    [1, 2].map((attempt) => ({
      type: "system",
      subtype: "api_retry",
      attempt,
      max_retries: 10,
      retry_delay_ms: 591 * attempt,
      error_status: null,
      error: "unknown",
      session_id: defaultSessionId
    }))
  )

/**
 * The subscription's usage limit: a synthetic message and an error result
 * with claude's "You've hit your limit" words, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun => apiError(words.rateLimit, "rate_limit")

/**
 * `--resume <id>` of a conversation claude does not have: the words on
 * stderr and in the error result's `errors`, exit 1.
 *
 * @since 0.1.0
 */
export const unknownSession = (sessionId: string): CliRun =>
  exited(
    1,
    jsonLines([{
      type: "result",
      subtype: "error_during_execution",
      is_error: true,
      num_turns: 0,
      session_id: sessionId,
      total_cost_usd: 0,
      usage: { input_tokens: 0, output_tokens: 0 },
      errors: [`${words.unknownSession}${sessionId}`]
    }]),
    lines(`${words.unknownSession}${sessionId}`)
  )
