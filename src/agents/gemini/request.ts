/**
 * `gemini_request` and `gemini_request_async`: the common parameters and
 * gemini's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { commonFields, describe, Folders, requestSchemas, resumeLatest, Tools } from "../../domain/requests.js"

/** @since 0.1.0 */
export const GeminiApprovalMode = Schema.Literal("default", "auto_edit", "yolo", "plan")

const schemas = requestSchemas({
  ...commonFields,
  resumeLatest,
  approvalMode: Schema.optional(describe(GeminiApprovalMode, "plan: read-only; yolo: approve everything.")),
  allowedTools: Schema.optional(Tools("Allowed without asking.")),
  includeDirs: Schema.optional(Folders())
})

/** `gemini_request`. @since 0.1.0 */
export const GeminiRequest = schemas.sync
/** @since 0.1.0 */
export type GeminiRequest = typeof GeminiRequest.Type

/** `gemini_request_async`. @since 0.1.0 */
export const GeminiAsyncRequest = schemas.async
/** @since 0.1.0 */
export type GeminiAsyncRequest = typeof GeminiAsyncRequest.Type
