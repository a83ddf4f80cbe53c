/**
 * `copilot_request` and `copilot_request_async`: the common parameters and
 * copilot's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { withDefault } from "../../domain/fields.js"
import { commonFields, describe, Folders, requestSchemas, resumeLatest, Tools } from "../../domain/requests.js"

/** Copilot's `--reasoning-effort` levels (copilot 1.0.102). @since 0.1.0 */
export const CopilotReasoningEffort = Schema.Literal("none", "minimal", "low", "medium", "high", "xhigh", "max")

const schemas = requestSchemas({
  ...commonFields,
  resumeLatest,
  allowAllTools: withDefault(
    describe(Schema.Boolean, "Every tool, path and URL; legacy strategy only."),
    false
  ),
  allowedTools: Schema.optional(Tools("Allowed without asking, e.g. shell(git:*), write.")),
  disallowedTools: Schema.optional(Tools("Never run; beats every allow rule.")),
  addDirs: Schema.optional(Folders()),
  reasoningEffort: Schema.optional(CopilotReasoningEffort)
})

/** `copilot_request`. @since 0.1.0 */
export const CopilotRequest = schemas.sync
/** @since 0.1.0 */
export type CopilotRequest = typeof CopilotRequest.Type

/** `copilot_request_async`. @since 0.1.0 */
export const CopilotAsyncRequest = schemas.async
/** @since 0.1.0 */
export type CopilotAsyncRequest = typeof CopilotAsyncRequest.Type
