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
    describe(Schema.Boolean, "Allow every tool, path and URL (`--allow-all`; legacy strategy only)."),
    false
  ),
  allowedTools: Schema.optional(Tools("Rules copilot may run without asking (`--allow-tool`), e.g. `shell(git:*)`, `write`.")),
  disallowedTools: Schema.optional(Tools("Rules copilot must not run (`--deny-tool`); they beat every allow rule.")),
  addDirs: Schema.optional(Folders("Extra folders copilot may read and edit (`--add-dir`).")),
  reasoningEffort: Schema.optional(
    describe(CopilotReasoningEffort, "Copilot's `--reasoning-effort` (none, minimal, low … xhigh, max).")
  )
})

/** `copilot_request`. @since 0.1.0 */
export const CopilotRequest = schemas.sync
/** @since 0.1.0 */
export type CopilotRequest = typeof CopilotRequest.Type

/** `copilot_request_async`. @since 0.1.0 */
export const CopilotAsyncRequest = schemas.async
/** @since 0.1.0 */
export type CopilotAsyncRequest = typeof CopilotAsyncRequest.Type
