/**
 * The four sync request tools: `claude_request`, `codex_request`,
 * `gemini_request`, `grok_request`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { Cli } from "../../domain/Cli.js"
import { ClaudeRequest, CodexRequest, GeminiRequest, GrokRequest } from "../../domain/requests.js"
import { type RequestOutcome, RequestRunner } from "../../jobs/RequestRunner.js"
import type { JsonObject } from "../jsonSchema.js"
import * as Tool from "../Tool.js"

/**
 * The structured answer of a request tool. The reply text is in both
 * `content` and `structuredContent.text`: clients that show only one of
 * them still show the reply.
 *
 * @since 0.1.0
 */
export const outcomeToStructured = (outcome: RequestOutcome): JsonObject => {
  const out: Record<string, unknown> = {
    cli: outcome.cli,
    text: outcome.text,
    correlationId: outcome.correlationId,
    durationMs: outcome.durationMs,
    exitCode: outcome.exitCode,
    outputTruncated: outcome.outputTruncated
  }
  if (outcome.model !== undefined) out.model = outcome.model
  if (outcome.sessionId !== undefined) out.sessionId = outcome.sessionId
  if (outcome.usage !== undefined) out.usage = outcome.usage
  if (outcome.costUsd !== undefined) out.costUsd = outcome.costUsd
  return out
}

const annotations = (cli: Cli): Tool.ToolAnnotations => ({
  title: `Ask ${cli}`,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true
})

const descriptions: Readonly<Record<Cli, string>> = {
  claude: "Run Claude Code (`claude -p`) on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  codex: "Run Codex (`codex exec`) on a prompt and return its final message. The prompt travels on stdin, never as an option.",
  gemini: "Run Gemini CLI headless on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  grok: "Run Grok Build headless on a prompt and return its reply. The prompt travels in a private file, never as an option."
}

const requestTool = <C extends Cli, S extends Schema.Schema<any, any, never>>(cli: C, input: S) =>
  Tool.make({
    name: `${cli}_request`,
    description: descriptions[cli],
    input,
    annotations: annotations(cli),
    handler: (request) =>
      Effect.flatMap(RequestRunner, (runner) => runner.run(cli, request)).pipe(
        Effect.map((outcome) => ({ text: outcome.text, structured: outcomeToStructured(outcome) }))
      )
  })

/**
 * @since 0.1.0
 */
export const requestTools = [
  requestTool("claude", ClaudeRequest),
  requestTool("codex", CodexRequest),
  requestTool("gemini", GeminiRequest),
  requestTool("grok", GrokRequest)
] as const
