/**
 * `grok_request` and `grok_request_async`: the common parameters and grok's
 * own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { quoted, withDefault } from "../../domain/fields.js"
import { commonFields, describe, requestSchemas, resumeLatest, Tools } from "../../domain/requests.js"

/** @since 0.1.0 */
export const GrokOutputFormat = Schema.Literal("plain", "json", "streaming-json")
/** @since 0.1.0 */
export type GrokOutputFormat = typeof GrokOutputFormat.Type

/** @since 0.1.0 */
export const GrokPermissionMode = Schema.Literal("default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan")

/** @since 0.1.0 */
export const GrokEffort = Schema.Literal("low", "medium", "high", "xhigh", "max")

/**
 * Grok's reasoning effort: a free word in 1.4.0 (today's grok knows none,
 * minimal, low, medium, high, xhigh, max); lower-case letters only, so it can
 * never be an option.
 *
 * @since 0.1.0
 */
export const GrokReasoningEffort = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z-]{0,31}$/, {
    message: (issue) =>
      `reasoningEffort ${quoted(issue.actual)} is not an effort level (for example none, minimal, low, medium, high, xhigh, max)`
  })
)

const schemas = requestSchemas({
  ...commonFields,
  outputFormat: Schema.optional(describe(GrokOutputFormat, "Default plain; json, streaming-json: the CLI's own output.")),
  resumeLatest,
  alwaysApprove: withDefault(describe(Schema.Boolean, "Legacy strategy only."), false),
  permissionMode: Schema.optional(GrokPermissionMode),
  effort: Schema.optional(GrokEffort),
  reasoningEffort: Schema.optional(describe(GrokReasoningEffort, "none, minimal, low, medium, high, xhigh or max.")),
  allowedTools: Schema.optional(Tools("Built-in tools grok may use.")),
  disallowedTools: Schema.optional(Tools())
})

/** `grok_request`. @since 0.1.0 */
export const GrokRequest = schemas.sync
/** @since 0.1.0 */
export type GrokRequest = typeof GrokRequest.Type

/** `grok_request_async`. @since 0.1.0 */
export const GrokAsyncRequest = schemas.async
/** @since 0.1.0 */
export type GrokAsyncRequest = typeof GrokAsyncRequest.Type
