/**
 * What Qwen Code (`qwen --output-format=stream-json
 * --include-partial-messages`, as the gateway runs it) prints: its
 * Claude-shaped stream-json events on stdout.
 *
 * Every failure's words are qwen 0.24.4's own, from `test/fixtures/real/qwen/`
 * (not-logged-in, no-network, mock-rate-limit-short: a mock server answering
 * 429, unknown-session), keeping the events the adapter reads.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, lines, type SuccessOptions } from "./CliRun.js"

/**
 * qwen's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth:
    "No auth type is selected. Please configure an auth type (e.g. via settings or `--auth-type`) before running in non-interactive mode.",
  network: "[API Error: Connection error. (cause: getaddrinfo ENOTFOUND dashscope.aliyuncs.com)]",
  rateLimit:
    "[API Error: 429 Rate limit reached for requests]\nPossible quota limitations in place or slow response times detected. Please wait and try again later.",
  rateLimitRetry: "Retrying in 1s (attempt 1/1): [API Error: 429 Rate limit reached for requests]",
  unknownSession: "No saved session found with ID "
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "f29bbdb3-676e-4c89-bc4a-ab68c5cded93"
/** The model qwen reports when none is given. @since 0.1.0 */
export const defaultModel = "qwen3-coder-plus"

/**
 * Options of a qwen success: qwen reports no cost.
 *
 * @since 0.1.0
 */
export type QwenSuccessOptions = Omit<SuccessOptions, "costUsd">

const RIPGREP =
  "Ripgrep not available: spawn /usr/lib/node_modules/@qwen-code/qwen-code/vendor/ripgrep/x64-linux/rg EACCES. Falling back to built-in grep."

const init = (sessionId: string, model: string) => ({
  type: "system",
  subtype: "init",
  session_id: sessionId,
  cwd: "/home/user/project",
  tools: [],
  mcp_servers: [],
  model,
  permission_mode: "auto",
  qwen_code_version: "0.24.4"
})

const assistant = (sessionId: string, model: string, text: string) => ({
  type: "assistant",
  session_id: sessionId,
  parent_tool_use_id: null,
  message: { id: "5fc368b8-d1a5-4c99-a6cc-1a13ebd29a7f", type: "message", role: "assistant", model, content: [{ type: "text", text }] }
})

/** A run that failed in its API call: the message, the error result, exit 1. */
const apiError = (message: string, model: string, before: ReadonlyArray<object> = [], stderr: ReadonlyArray<string> = []): CliRun =>
  exited(
    1,
    jsonLines([
      init(defaultSessionId, model),
      ...before,
      assistant(defaultSessionId, model, message),
      {
        type: "result",
        subtype: "error_during_execution",
        session_id: defaultSessionId,
        is_error: true,
        num_turns: 1,
        usage: { input_tokens: 0, output_tokens: 0 },
        error: { message }
      }
    ]),
    lines(RIPGREP, ...stderr)
  )

/**
 * A successful run: init, the assistant message, the success result (exit
 * 0). Prints `sessionId`, `model` (in init) and of `usage` the input,
 * output, cache-read and total tokens.
 *
 * @since 0.1.0
 */
export const success = (text: string, options: QwenSuccessOptions = {}): CliRun => {
  const sessionId = options.sessionId ?? defaultSessionId
  const model = options.model ?? defaultModel
  return exited(
    0,
    jsonLines([
      init(sessionId, model),
      assistant(sessionId, model, text),
      {
        type: "result",
        subtype: "success",
        session_id: sessionId,
        is_error: false,
        num_turns: 1,
        result: text,
        usage: defined({
          input_tokens: options.usage?.inputTokens ?? 0,
          output_tokens: options.usage?.outputTokens ?? 0,
          cache_read_input_tokens: options.usage?.cachedInputTokens,
          total_tokens: options.usage?.totalTokens
        })
      }
    ]),
    lines(RIPGREP)
  )
}

/**
 * No auth type selected: an error result before any turn, exit 1.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun =>
  exited(
    1,
    jsonLines([{
      type: "result",
      subtype: "error_during_execution",
      session_id: defaultSessionId,
      is_error: true,
      num_turns: 0,
      usage: { input_tokens: 0, output_tokens: 0 },
      error: { message: words.auth }
    }]),
    lines(RIPGREP)
  )

/**
 * No network: qwen retries silently, then says "Connection error" in the
 * message and the error result, exit 1.
 *
 * @since 0.1.0
 */
export const networkFailure = (): CliRun => apiError(words.network, "qwen3.7-max")

/**
 * Rate limited (HTTP 429): qwen says it retries on stderr, then gives up
 * with the 429 in the message and the error result, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun =>
  apiError(
    words.rateLimit,
    defaultModel,
    [{ type: "system", subtype: "retry", session_id: defaultSessionId, data: { reason: "retry", attempt: 1, maxRetries: 1, delayMs: 1000 } }],
    [words.rateLimitRetry, "Retrying provider attempt (0 buffered tool call(s) discarded)."]
  )

/**
 * `--resume=<id>` of a session qwen does not have: one line on stderr, exit 1.
 *
 * @since 0.1.0
 */
export const unknownSession = (sessionId: string): CliRun =>
  exited(1, "", lines(`${words.unknownSession}${sessionId}. Run \`qwen --resume\` without an ID to choose from existing sessions.`))
