/**
 * `codex_request` and `codex_request_async`: the common parameters and
 * codex's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { withDefault } from "../../domain/fields.js"
import { commonFields, describe, requestSchemas, resumeLatest } from "../../domain/requests.js"

const schemas = requestSchemas({
  ...commonFields,
  fullAuto: withDefault(describe(Schema.Boolean, "Let codex edit the workspace (dropped on resume)."), false),
  dangerouslyBypassApprovalsAndSandbox: withDefault(describe(Schema.Boolean, "Legacy strategy only."), false),
  resumeLatest
})

/** `codex_request`. @since 0.1.0 */
export const CodexRequest = schemas.sync
/** @since 0.1.0 */
export type CodexRequest = typeof CodexRequest.Type

/** `codex_request_async`. @since 0.1.0 */
export const CodexAsyncRequest = schemas.async
/** @since 0.1.0 */
export type CodexAsyncRequest = typeof CodexAsyncRequest.Type
