/**
 * `qwen_request` and `qwen_request_async`: the common parameters and
 * qwen's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { withDefault } from "../../domain/fields.js"
import { commonFields, describe, Folders, requestSchemas, resumeLatest, Tools } from "../../domain/requests.js"

/** qwen's `--approval-mode` values (0.24.4; `auto-edit` with a hyphen). @since 0.1.0 */
export const QwenApprovalMode = Schema.Literal("plan", "default", "auto-edit", "auto", "yolo")
/** @since 0.1.0 */
export type QwenApprovalMode = typeof QwenApprovalMode.Type

/** @since 0.1.0 */
export const QwenOutputFormat = Schema.Literal("text", "json", "stream-json")
/** @since 0.1.0 */
export type QwenOutputFormat = typeof QwenOutputFormat.Type

/** `--max-session-turns`: a whole number of model turns. @since 0.1.0 */
export const MaxSessionTurns = Schema.Int.pipe(Schema.between(1, 10_000))

const schemas = requestSchemas({
  ...commonFields,
  outputFormat: withDefault(
    describe(QwenOutputFormat, "json, stream-json: the CLI's own output."),
    "text"
  ),
  resumeLatest,
  approvalMode: Schema.optional(
    describe(QwenApprovalMode, "plan: read-only; yolo: approve everything.")
  ),
  allowedTools: Schema.optional(Tools("Allowed without asking, e.g. run_shell_command, edit.")),
  excludeTools: Schema.optional(Tools()),
  includeDirs: Schema.optional(Folders()),
  maxSessionTurns: Schema.optional(
    describe(MaxSessionTurns, "Stop after this many model turns.")
  )
})

/** `qwen_request`. @since 0.1.0 */
export const QwenRequest = schemas.sync
/** @since 0.1.0 */
export type QwenRequest = typeof QwenRequest.Type

/** `qwen_request_async`. @since 0.1.0 */
export const QwenAsyncRequest = schemas.async
/** @since 0.1.0 */
export type QwenAsyncRequest = typeof QwenAsyncRequest.Type
