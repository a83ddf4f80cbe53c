/**
 * What xAI's Grok Build CLI (`grok --output-format streaming-json
 * --prompt-file <file>`, as the gateway runs it) prints: its
 * streaming-json events on stdout.
 *
 * No failure of xAI's binary was captured (the only real grok recording,
 * `test/fixtures/real/grok/`, is the community `@vibe-kit/grok-cli`, a
 * different program): the sign-in and rate-limit words are those of
 * `test/fixtures/output/grok/auth.stdout` and `rate-limit.stdout`. Nothing
 * records what grok prints without a network, nor for a session it does
 * not have (and the adapter has no rule of its own for either), so there
 * is no `networkFailure` and no `unknownSession` here.
 *
 * @since 0.1.0
 */
import { type CliRun, defined, exited, jsonLines, type SuccessOptions } from "./CliRun.js"

/**
 * grok's failure words.
 *
 * @since 0.1.0
 */
export const words = {
  auth: "Authentication required: no valid credentials found. Run `grok login` or set XAI_API_KEY.",
  rateLimit: "xAI API error (429 Too Many Requests): rate limit exceeded for model grok-build; retry after 20s"
} as const

/** The session id of the builders' runs when none is given. @since 0.1.0 */
export const defaultSessionId = "019f470d-3e02-7601-b726-1133cc72ef76"
/** The model grok reports when none is given. @since 0.1.0 */
export const defaultModel = "grok-build"

/**
 * A successful run: the text, the usage, the end event (exit 0). Prints
 * `sessionId`, `model` (the one model of `modelUsage`), `costUsd`
 * (`total_cost_usd`) and of `usage` every field (input, cache-read,
 * cache-creation, output, reasoning and total tokens).
 *
 * @since 0.1.0
 */
export const success = (text: string, options: SuccessOptions = {}): CliRun => {
  const usage = defined({
    input_tokens: options.usage?.inputTokens ?? 0,
    cache_read_input_tokens: options.usage?.cachedInputTokens,
    cache_creation_input_tokens: options.usage?.cacheCreationInputTokens,
    output_tokens: options.usage?.outputTokens ?? 0,
    reasoning_tokens: options.usage?.reasoningTokens,
    total_tokens: options.usage?.totalTokens
  })
  return exited(
    0,
    jsonLines([
      { type: "text", data: text },
      { type: "usage", usage },
      defined({
        type: "end",
        stopReason: "EndTurn",
        sessionId: options.sessionId ?? defaultSessionId,
        requestId: "req_8d2f1c0a",
        num_turns: 1,
        usage,
        modelUsage: {
          [options.model ?? defaultModel]: {
            inputTokens: options.usage?.inputTokens ?? 0,
            outputTokens: options.usage?.outputTokens ?? 0,
            modelCalls: 1
          }
        },
        total_cost_usd: options.costUsd
      })
    ])
  )
}

/**
 * Not signed in: an error event, exit 1.
 *
 * @since 0.1.0
 */
export const authFailure = (): CliRun => exited(1, jsonLines([{ type: "error", message: words.auth }]))

/**
 * Rate limited (HTTP 429): an error event, exit 1.
 *
 * @since 0.1.0
 */
export const rateLimit = (): CliRun => exited(1, jsonLines([{ type: "error", message: words.rateLimit }]))
