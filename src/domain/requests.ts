/**
 * The request shapes of the four request tools, with 1.4.0's parameter
 * names, types, enums, bounds and defaults.
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
      `MCP server ${JSON.stringify(issue.actual)} is not a server name: use letters, digits and _ . -, starting with a letter or digit (at most 64 characters)`
  })
)

/** @since 0.1.0 */
export const ClaudeOutputFormat = Schema.Literal("text", "json", "stream-json")
/** @since 0.1.0 */
export type ClaudeOutputFormat = typeof ClaudeOutputFormat.Type

/** @since 0.1.0 */
export const GrokOutputFormat = Schema.Literal("plain", "json", "streaming-json")
/** @since 0.1.0 */
export type GrokOutputFormat = typeof GrokOutputFormat.Type

/** @since 0.1.0 */
export const GeminiApprovalMode = Schema.Literal("default", "auto_edit", "yolo", "plan")

/** Claude's `--effort` levels (claude 2.1). @since 0.1.0 */
export const ClaudeEffort = Schema.Literal("low", "medium", "high", "xhigh", "max")

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
      `reasoningEffort ${JSON.stringify(issue.actual)} is not an effort level (for example none, minimal, low, medium, high, xhigh, max)`
  })
)

const describe = <S extends Schema.Schema.Any>(schema: S, description: string): S =>
  schema.annotations({ description }) as S

const Tools = (what: string) => describe(Schema.Array(ToolName), what)

const common = {
  prompt: Prompt,
  model: Schema.optional(ModelName),
  sessionId: Schema.optional(SessionId),
  createNewSession: withDefault(
    describe(Schema.Boolean, "Start a fresh CLI session (wins over sessionId and resume flags)."),
    false
  ),
  approvalStrategy: withDefault(
    describe(ApprovalStrategy, "`legacy` passes the CLI's own bypass flags when asked; `mcp_managed` decides by policy."),
    "legacy"
  ),
  approvalPolicy: Schema.optional(describe(ApprovalPolicy, "Policy for `mcp_managed` approvals.")),
  mcpServers: withDefault(
    describe(
      Schema.Array(McpServerName),
      "MCP servers to enable, by name in your registry (LLM_GATEWAY_MCP_SERVERS): claude gets them in a private --mcp-config, gemini as --allowed-mcp-server-names. Default: none."
    ),
    []
  ),
  correlationId: Schema.optional(CorrelationId),
  optimizePrompt: withDefault(describe(Schema.Boolean, "Rewrite the prompt to save tokens."), false),
  idleTimeoutMs: Schema.optional(IdleTimeoutMs),
  maxRunMs: Schema.optional(MaxRunMs),
  forceRefresh: withDefault(
    describe(Schema.Boolean, "Start a fresh run even when an identical recent request exists."),
    false
  )
} as const

const optimizeResponse = withDefault(
  describe(Schema.Boolean, "Strip noise (ANSI escapes, progress redraws) from the reply."),
  false
)

const resumeLatest = withDefault(
  describe(Schema.Boolean, "Resume the CLI's most recent session (used when no sessionId is given)."),
  false
)

const claudeFields = {
  ...common,
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
  addDirs: Schema.optional(
    describe(Schema.Array(DirectoryPath), "Extra folders claude may read and edit (`--add-dir`).")
  ),
  effort: Schema.optional(describe(ClaudeEffort, "Claude's `--effort` (low, medium, high, xhigh, max)."))
} as const

const codexFields = {
  ...common,
  fullAuto: withDefault(
    describe(Schema.Boolean, "Let codex edit the workspace (`--sandbox workspace-write`); dropped on resume."),
    false
  ),
  dangerouslyBypassApprovalsAndSandbox: withDefault(
    describe(Schema.Boolean, "Run without approvals or sandbox (legacy strategy only)."),
    false
  ),
  resumeLatest
} as const

const geminiFields = {
  ...common,
  resumeLatest,
  approvalMode: Schema.optional(
    describe(GeminiApprovalMode, "Gemini's `--approval-mode` (`plan`: read-only; `yolo`: approve everything).")
  ),
  allowedTools: Schema.optional(Tools("Tools gemini may use without asking.")),
  includeDirs: Schema.optional(
    describe(Schema.Array(DirectoryPath), "Extra folders for gemini's workspace (`--include-directories`).")
  )
} as const

const grokFields = {
  ...common,
  outputFormat: Schema.optional(
    describe(GrokOutputFormat, "`plain` (default): the reply; `json`: a result object; `streaming-json`: the event stream.")
  ),
  resumeLatest,
  alwaysApprove: withDefault(
    describe(Schema.Boolean, "Approve every tool call (`--always-approve`; legacy strategy only)."),
    false
  ),
  permissionMode: Schema.optional(describe(GrokPermissionMode, "Grok's `--permission-mode`.")),
  effort: Schema.optional(describe(GrokEffort, "Grok's `--effort`.")),
  reasoningEffort: Schema.optional(
    describe(GrokReasoningEffort, "Grok's `--reasoning-effort` (none, minimal, low, medium, high, xhigh, max).")
  ),
  allowedTools: Schema.optional(Tools("Built-in tools grok may use (`--tools`).")),
  disallowedTools: Schema.optional(Tools("Built-in tools grok must not use (`--disallowed-tools`)."))
} as const

/** `claude_request`. @since 0.1.0 */
export const ClaudeRequest = Schema.Struct({ ...claudeFields, optimizeResponse })
/** @since 0.1.0 */
export type ClaudeRequest = typeof ClaudeRequest.Type

/** `codex_request`. @since 0.1.0 */
export const CodexRequest = Schema.Struct({ ...codexFields, optimizeResponse })
/** @since 0.1.0 */
export type CodexRequest = typeof CodexRequest.Type

/** `gemini_request`. @since 0.1.0 */
export const GeminiRequest = Schema.Struct({ ...geminiFields, optimizeResponse })
/** @since 0.1.0 */
export type GeminiRequest = typeof GeminiRequest.Type

/** `grok_request`. @since 0.1.0 */
export const GrokRequest = Schema.Struct({ ...grokFields, optimizeResponse })
/** @since 0.1.0 */
export type GrokRequest = typeof GrokRequest.Type

/** `claude_request_async` (no `optimizeResponse`, as in 1.4.0). @since 0.1.0 */
export const ClaudeAsyncRequest = Schema.Struct(claudeFields)
/** `codex_request_async`. @since 0.1.0 */
export const CodexAsyncRequest = Schema.Struct(codexFields)
/** `gemini_request_async`. @since 0.1.0 */
export const GeminiAsyncRequest = Schema.Struct(geminiFields)
/** `grok_request_async`. @since 0.1.0 */
export const GrokAsyncRequest = Schema.Struct(grokFields)
