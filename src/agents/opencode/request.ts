/**
 * `opencode_request` and `opencode_request_async`: the common parameters and
 * opencode's own.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ModelName, withDefault } from "../../domain/fields.js"
import { commonFields, describe, Folders, requestSchemas, Tools } from "../../domain/requests.js"

/** opencode's built-in primary agents (1.18.33): `build` (the default) and `plan` (edits denied). @since 0.1.0 */
export const OpencodeAgentName = Schema.Literal("build", "plan")
/** @since 0.1.0 */
export type OpencodeAgentName = typeof OpencodeAgentName.Type

const schemas = requestSchemas({
  ...commonFields,
  model: Schema.optional(describe(ModelName, "provider/model, e.g. anthropic/claude-sonnet-5.")),
  resumeLatest: withDefault(
    describe(Schema.Boolean, "Continue the latest session here."),
    false
  ),
  agent: Schema.optional(describe(OpencodeAgentName, "plan: no edits.")),
  autoApprove: withDefault(
    describe(Schema.Boolean, "Approve all not denied; legacy strategy only."),
    false
  ),
  allowedTools: Schema.optional(Tools("Allowed, e.g. edit, bash(git *).")),
  disallowedTools: Schema.optional(Tools("Denied, e.g. bash(rm *), webfetch.")),
  addDirs: Schema.optional(Folders("Absolute folders it may also use."))
})

/** `opencode_request`. @since 0.1.0 */
export const OpencodeRequest = schemas.sync
/** @since 0.1.0 */
export type OpencodeRequest = typeof OpencodeRequest.Type

/** `opencode_request_async`. @since 0.1.0 */
export const OpencodeAsyncRequest = schemas.async
/** @since 0.1.0 */
export type OpencodeAsyncRequest = typeof OpencodeAsyncRequest.Type
