/**
 * `claude_request` and `claude_request_async`: the common parameters and
 * claude's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { withDefault } from "../../domain/fields.js"
import { commonFields, describe, Folders, requestSchemas, Tools } from "../../domain/requests.js"

/** @since 0.1.0 */
export const ClaudeOutputFormat = Schema.Literal("text", "json", "stream-json")
/** @since 0.1.0 */
export type ClaudeOutputFormat = typeof ClaudeOutputFormat.Type

/** Claude's `--effort` levels (claude 2.1). @since 0.1.0 */
export const ClaudeEffort = Schema.Literal("low", "medium", "high", "xhigh", "max")

const schemas = requestSchemas({
  ...commonFields,
  outputFormat: withDefault(describe(ClaudeOutputFormat, "json, stream-json: the CLI's own output."), "text"),
  continueSession: withDefault(Schema.Boolean, false),
  allowedTools: Schema.optional(Tools("Allowed without asking, e.g. Read, Bash(git log:*).")),
  disallowedTools: Schema.optional(Tools()),
  dangerouslySkipPermissions: withDefault(describe(Schema.Boolean, "Legacy strategy only."), false),
  strictMcpConfig: withDefault(describe(Schema.Boolean, "Only the mcpServers given here."), false),
  addDirs: Schema.optional(Folders()),
  effort: Schema.optional(ClaudeEffort)
})

/** `claude_request`. @since 0.1.0 */
export const ClaudeRequest = schemas.sync
/** @since 0.1.0 */
export type ClaudeRequest = typeof ClaudeRequest.Type

/** `claude_request_async` (no `optimizeResponse`, as in 1.4.0). @since 0.1.0 */
export const ClaudeAsyncRequest = schemas.async
/** @since 0.1.0 */
export type ClaudeAsyncRequest = typeof ClaudeAsyncRequest.Type
