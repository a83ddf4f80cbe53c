/**
 * What every request tool shares: the parameters all CLIs take (1.4.0's
 * names, types, bounds and defaults), the approval words, and the builder of
 * a CLI's sync and async request Schemas. Each CLI's own parameters are in
 * its agent (`src/agents/<cli>/request.ts`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  CorrelationId,
  DirectoryPath,
  IdleTimeoutMs,
  MaxRunMs,
  ModelName,
  Prompt,
  quoted,
  SessionId,
  ToolName,
  withDefault
} from "./fields.js"

/** @since 0.1.0 */
export const ApprovalStrategy = Schema.Literal("legacy", "mcp_managed")
/** @since 0.1.0 */
export type ApprovalStrategy = typeof ApprovalStrategy.Type

/** @since 0.1.0 */
export const ApprovalPolicy = Schema.Literal("strict", "balanced", "permissive")
/** @since 0.1.0 */
export type ApprovalPolicy = typeof ApprovalPolicy.Type

/**
 * An MCP server name, resolved against the user's registry of server
 * definitions (1.4.0 knew only sqry, exa, ref_tools and trstr).
 *
 * @since 0.1.0
 */
export const McpServerName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    message: (issue) =>
      `MCP server ${quoted(issue.actual)} is not a server name: use letters, digits and _ . -, starting with a letter or digit (at most 64 characters)`
  })
)

/**
 * A Schema with a description for the tool list.
 *
 * @since 0.1.0
 */
export const describe = <S extends Schema.Schema.Any>(schema: S, description: string): S =>
  schema.annotations({ description }) as S

/**
 * The most entries of each list a request takes: tools and rules, folders
 * and MCP servers. A request's lists are stored with its approval decision
 * and job, so they are bounded at the door.
 *
 * @since 0.1.0
 */
export const LIST_MAX_ITEMS = { tools: 128, folders: 32, mcpServers: 32 } as const

/** A list of at most `max` items; the bound is checked by the decoder, not listed (see `fields.ts`). */
const atMost = <S extends Schema.Schema.Any>(item: S, max: number, what: string) =>
  Schema.Array(item).pipe(
    Schema.filter((list) => list.length <= max, {
      // Also the message of a value that is no list, or a list of wrong items (the refinement's "from" side).
      message: (issue) =>
        Array.isArray(issue.actual) && issue.actual.length > max
          ? `${issue.actual.length} ${what} given; at most ${max} are accepted`
          : `expected a list of at most ${max} ${what}`,
      jsonSchema: {}
    })
  )

/**
 * A list of tool names or rules, described when the name says too little.
 *
 * @since 0.1.0
 */
export const Tools = (what?: string) => {
  const list = atMost(ToolName, LIST_MAX_ITEMS.tools, "tools")
  return what === undefined ? list : describe(list, what)
}

/**
 * A list of extra folders, described when the name says too little.
 *
 * @since 0.1.0
 */
export const Folders = (what?: string) => {
  const list = atMost(DirectoryPath, LIST_MAX_ITEMS.folders, "folders")
  return what === undefined ? list : describe(list, what)
}

/**
 * The parameters every request tool takes. Their descriptions say only what
 * the name, type and bounds do not: the tool list is in every prompt of the
 * client's model.
 *
 * @since 0.1.0
 */
export const commonFields = {
  prompt: Prompt,
  model: Schema.optional(ModelName),
  sessionId: Schema.optional(SessionId),
  createNewSession: withDefault(Schema.Boolean, false),
  approvalStrategy: withDefault(
    describe(ApprovalStrategy, "mcp_managed: the server's policy decides bypasses."),
    "legacy"
  ),
  approvalPolicy: Schema.optional(ApprovalPolicy),
  mcpServers: withDefault(describe(atMost(McpServerName, LIST_MAX_ITEMS.mcpServers, "MCP servers"), "Names in your MCP server registry."), []),
  correlationId: Schema.optional(CorrelationId),
  optimizePrompt: withDefault(describe(Schema.Boolean, "Rewrite the prompt to save tokens."), false),
  idleTimeoutMs: Schema.optional(IdleTimeoutMs),
  maxRunMs: Schema.optional(MaxRunMs),
  forceRefresh: withDefault(describe(Schema.Boolean, "Do not reuse a recent identical run."), false)
} as const

/**
 * `resumeLatest`, for the CLIs that can resume their most recent session.
 *
 * @since 0.1.0
 */
export const resumeLatest = withDefault(Schema.Boolean, false)

/**
 * `optimizeResponse`, which only the sync tools take (as in 1.4.0).
 *
 * @since 0.1.0
 */
export const optimizeResponse = withDefault(
  describe(Schema.Boolean, "Strip ANSI and progress noise from the reply."),
  false
)

/**
 * A CLI's two request Schemas from its fields: the sync tool's (with
 * `optimizeResponse`) and the async tool's.
 *
 * @since 0.1.0
 */
export const requestSchemas = <Fields extends Schema.Struct.Fields>(fields: Fields) => ({
  sync: Schema.Struct({ ...fields, optimizeResponse }),
  async: Schema.Struct(fields)
})
