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
  outputFormat: withDefault(
    describe(ClaudeOutputFormat, "`text`: the reply; `json`: the CLI's result object; `stream-json`: the CLI's event stream."),
    "text"
  ),
  continueSession: withDefault(
    describe(Schema.Boolean, "Continue the most recent conversation in the working folder."),
    false
  ),
  allowedTools: Schema.optional(Tools("Tools or rules the CLI may use without asking, e.g. `Read`, `Bash(git log:*)`.")),
  disallowedTools: Schema.optional(Tools("Tools or rules the CLI must not use.")),
  dangerouslySkipPermissions: withDefault(
    describe(Schema.Boolean, "Run with `--permission-mode bypassPermissions` (legacy strategy only)."),
    false
  ),
  strictMcpConfig: withDefault(
    describe(Schema.Boolean, "Use only the MCP servers given here (`--strict-mcp-config`)."),
    false
  ),
  addDirs: Schema.optional(Folders("Extra folders claude may read and edit (`--add-dir`).")),
  effort: Schema.optional(describe(ClaudeEffort, "Claude's `--effort` (low, medium, high, xhigh, max)."))
})

/** `claude_request`. @since 0.1.0 */
export const ClaudeRequest = schemas.sync
/** @since 0.1.0 */
export type ClaudeRequest = typeof ClaudeRequest.Type

/** `claude_request_async` (no `optimizeResponse`, as in 1.4.0). @since 0.1.0 */
export const ClaudeAsyncRequest = schemas.async
/** @since 0.1.0 */
export type ClaudeAsyncRequest = typeof ClaudeAsyncRequest.Type
