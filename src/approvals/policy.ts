/**
 * The approval decision, as a pure function: what a request asks the CLI
 * to do without asking a human, scored against a policy.
 *
 * ## What each policy allows
 *
 * | What the request asks for                                        | Risk   | strict | balanced | permissive |
 * | ---------------------------------------------------------------- | ------ | ------ | -------- | ---------- |
 * | Nothing beyond the CLI's defaults                                | low    | yes    | yes      | yes        |
 * | MCP servers (`mcpServers`)                                       | low    | yes    | yes      | yes        |
 * | Tools that only read, or narrow the tool set (`allowedTools`     | low    | yes    | yes      | yes        |
 * |   such as `Read`, `Grep`; grok's `--tools`; `disallowedTools`;   |        |        |          |            |
 * |   grok `permissionMode` `default`, `plan`, `dontAsk`)            |        |        |          |            |
 * | Shell limited by a rule (`Bash(git log:*)`)                      | medium | yes    | yes      | yes        |
 * | Extra folders (gemini `includeDirs`)                             | medium | yes    | yes      | yes        |
 * | Workspace writes without asking: codex `fullAuto`, gemini        | medium | **no** | yes      | yes        |
 * |   `approvalMode: auto_edit`, grok `permissionMode` `acceptEdits` |        |        |          |            |
 * |   or `auto`, edit tools in `allowedTools` (`Edit`, `Write`, …)   |        |        |          |            |
 * | Unrestricted shell: `Bash` (or gemini `run_shell_command`)       | high   | **no** | **no**   | yes        |
 * |   without a rule, or with a rule that matches everything (`*`)   |        |        |          |            |
 * | Every tool without asking: `*` in `allowedTools`                 | high   | **no** | **no**   | yes        |
 * | Full bypass: claude `dangerouslySkipPermissions`, codex          | high   | **no** | **no**   | yes, with  |
 * |   `dangerouslyBypassApprovalsAndSandbox`, gemini `approvalMode:  |        |        |          | `bypass`   |
 * |   yolo`, grok `alwaysApprove` or `permissionMode:                |        |        |          |            |
 * |   bypassPermissions`                                             |        |        |          |            |
 *
 * - `strict`: the CLI may read, and run shell commands only by explicit
 *   rule; it may not change anything without asking.
 * - `balanced` (the default): the CLI may change the workspace, but nothing
 *   that escapes it: no full bypass, no unrestricted shell, no "every tool".
 * - `permissive`: everything is approved; an approved full bypass comes with
 *   `bypass: true`, which lets the adapter pass the CLI's own bypass flag.
 *
 * A request is denied when any one thing it asks for is not allowed; the
 * risk is the highest risk of what it asks for. Every decision lists a
 * reason for each thing asked for (or one saying it asks for nothing).
 *
 * Under the `legacy` strategy no policy applies: the request runs as asked
 * (as in 1.4.0), `bypass` is true when it asks for a full bypass, and
 * nothing is recorded.
 *
 * grok `permissionMode: dontAsk` runs only what was allowed up front and
 * refuses the rest, so it widens nothing and is low risk.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import type { ApprovalPolicy, ApprovalStrategy } from "../domain/requests.js"

/** @since 0.1.0 */
export type Risk = "low" | "medium" | "high"

/** @since 0.1.0 */
export type ApprovalStatus = "approved" | "denied"

/**
 * The kinds of things a request can ask for, from harmless to a full
 * bypass.
 *
 * @since 0.1.0
 */
export type AskKind =
  | "none"
  | "mcp-servers"
  | "read-tools"
  | "narrowing"
  | "shell-rule"
  | "include-dirs"
  | "write"
  | "unrestricted-shell"
  | "all-tools"
  | "full-bypass"

/**
 * One thing a request asks for.
 *
 * @since 0.1.0
 */
export interface Ask {
  readonly kind: AskKind
  /** The request field that asks for it. */
  readonly field: string
  /** What it means, in words. */
  readonly what: string
}

/** @since 0.1.0 */
export const riskOf: Readonly<Record<AskKind, Risk>> = {
  "none": "low",
  "mcp-servers": "low",
  "read-tools": "low",
  "narrowing": "low",
  "shell-rule": "medium",
  "include-dirs": "medium",
  "write": "medium",
  "unrestricted-shell": "high",
  "all-tools": "high",
  "full-bypass": "high"
}

/**
 * The kinds each policy refuses (the table above, as data).
 *
 * @since 0.1.0
 */
export const refuses: Readonly<Record<ApprovalPolicy, ReadonlySet<AskKind>>> = {
  strict: new Set<AskKind>(["write", "unrestricted-shell", "all-tools", "full-bypass"]),
  balanced: new Set<AskKind>(["unrestricted-shell", "all-tools", "full-bypass"]),
  permissive: new Set<AskKind>()
}

/**
 * The fields of a request the decision reads: any of the four request
 * shapes fits. Only the fields that belong to the CLI are read.
 *
 * @since 0.1.0
 */
export interface ApprovalSubject {
  readonly prompt: string
  readonly model?: string | undefined
  readonly sessionId?: string | undefined
  readonly approvalStrategy?: ApprovalStrategy | undefined
  readonly approvalPolicy?: ApprovalPolicy | undefined
  readonly mcpServers?: ReadonlyArray<string> | undefined
  readonly allowedTools?: ReadonlyArray<string> | undefined
  readonly disallowedTools?: ReadonlyArray<string> | undefined
  readonly strictMcpConfig?: boolean | undefined
  /** claude */
  readonly dangerouslySkipPermissions?: boolean | undefined
  /** codex */
  readonly fullAuto?: boolean | undefined
  /** codex */
  readonly dangerouslyBypassApprovalsAndSandbox?: boolean | undefined
  /** gemini */
  readonly approvalMode?: string | undefined
  /** gemini */
  readonly includeDirs?: ReadonlyArray<string> | undefined
  /** grok */
  readonly alwaysApprove?: boolean | undefined
  /** grok */
  readonly permissionMode?: string | undefined
}

/**
 * A decision under `mcp_managed`.
 *
 * @since 0.1.0
 */
export interface ManagedDecision {
  readonly strategy: "mcp_managed"
  readonly status: ApprovalStatus
  readonly policy: ApprovalPolicy
  /** One readable reason per thing asked for; denied ones first. */
  readonly reasons: ReadonlyArray<string>
  readonly risk: Risk
  /** True when the adapter may pass the CLI's own bypass flag (approved full bypass). */
  readonly bypass: boolean
  /** The id of the recorded decision, once recorded. */
  readonly approvalId?: string | undefined
}

/**
 * A decision under `legacy`: no policy, nothing recorded, the request runs
 * as asked.
 *
 * @since 0.1.0
 */
export interface LegacyDecision {
  readonly strategy: "legacy"
  readonly status: "approved"
  readonly policy: null
  readonly reasons: ReadonlyArray<string>
  readonly risk: Risk
  /** True when the request asks for a full bypass: the adapter passes the CLI's flag, as 1.4.0 does. */
  readonly bypass: boolean
}

/** @since 0.1.0 */
export type Decision = ManagedDecision | LegacyDecision

/** @since 0.1.0 */
export const DEFAULT_POLICY: ApprovalPolicy = "balanced"

/**
 * Reads a policy name (for example `LLM_GATEWAY_APPROVAL_POLICY`): `strict`,
 * `balanced` or `permissive`, in any case and with spaces around; anything
 * else (or nothing) is `balanced`.
 *
 * @since 0.1.0
 */
export const parsePolicy = (value: string | undefined): ApprovalPolicy => {
  const v = (value ?? "").trim().toLowerCase()
  return v === "strict" || v === "balanced" || v === "permissive" ? v : DEFAULT_POLICY
}

// ---------------------------------------------------------------------------
// what a request asks for
// ---------------------------------------------------------------------------

const SHELL_TOOLS = new Set(["bash", "shell", "sh", "run_shell_command", "shelltool", "shell_command", "powershell"])
const WRITE_TOOLS = new Set([
  "edit",
  "write",
  "multiedit",
  "notebookedit",
  "write_file",
  "edit_file",
  "replace",
  "str_replace",
  "apply_patch",
  "create_file",
  "writefiletool",
  "edittool"
])

const splitRule = (tool: string): { readonly name: string; readonly rule: string | undefined } => {
  const open = tool.indexOf("(")
  return open < 0 || !tool.endsWith(")")
    ? { name: tool.trim(), rule: undefined }
    : { name: tool.slice(0, open).trim(), rule: tool.slice(open + 1, -1).trim() }
}

/** A rule that matches any command: empty, or only wildcards, colons and spaces. */
const matchesEverything = (rule: string | undefined) => rule === undefined || /^[\s:*]*$/.test(rule)

const list = (items: ReadonlyArray<string>) => items.map((i) => JSON.stringify(i)).join(", ")

/** Tools the CLI may run without asking (claude `--allowedTools`, gemini `--allowed-tools`). */
const autoApprovedTools = (cli: Cli, tools: ReadonlyArray<string>): ReadonlyArray<Ask> => {
  const asks: Array<Ask> = []
  const reads: Array<string> = []
  const ask = (kind: AskKind, what: string) => asks.push({ kind, field: "allowedTools", what })
  for (const tool of tools) {
    const { name, rule } = splitRule(tool)
    const lower = name.toLowerCase()
    const quoted = JSON.stringify(tool)
    if (name === "*" || (name === "" && rule !== undefined)) {
      ask("all-tools", `${quoted} lets ${cli} run every tool without asking`)
    } else if (SHELL_TOOLS.has(lower)) {
      if (matchesEverything(rule)) {
        ask("unrestricted-shell", `${quoted} lets ${cli} run any shell command without asking (unrestricted shell)`)
      } else {
        ask("shell-rule", `${quoted} lets ${cli} run shell commands matching ${JSON.stringify(rule)} without asking`)
      }
    } else if (WRITE_TOOLS.has(lower)) {
      ask("write", `${quoted} lets ${cli} change files without asking`)
    } else {
      reads.push(tool)
    }
  }
  if (reads.length > 0) {
    asks.push({ kind: "read-tools", field: "allowedTools", what: `${list(reads)} may run without asking` })
  }
  return asks
}

const mcpAsk = (request: ApprovalSubject): ReadonlyArray<Ask> =>
  request.mcpServers !== undefined && request.mcpServers.length > 0
    ? [{ kind: "mcp-servers", field: "mcpServers", what: `MCP servers ${list(request.mcpServers)}` }]
    : []

const disallowedAsk = (cli: Cli, request: ApprovalSubject): ReadonlyArray<Ask> =>
  request.disallowedTools !== undefined && request.disallowedTools.length > 0
    ? [{ kind: "narrowing", field: "disallowedTools", what: `${cli} must not use ${list(request.disallowedTools)}` }]
    : []

const claudeAsks = (r: ApprovalSubject): ReadonlyArray<Ask> => [
  ...(r.dangerouslySkipPermissions === true
    ? [{
      kind: "full-bypass",
      field: "dangerouslySkipPermissions",
      what: "claude would run with --permission-mode bypassPermissions: every tool, no permission check (full bypass)"
    } as const]
    : []),
  ...autoApprovedTools("claude", r.allowedTools ?? []),
  ...disallowedAsk("claude", r),
  ...mcpAsk(r)
]

const codexAsks = (r: ApprovalSubject): ReadonlyArray<Ask> => [
  ...(r.dangerouslyBypassApprovalsAndSandbox === true
    ? [{
      kind: "full-bypass",
      field: "dangerouslyBypassApprovalsAndSandbox",
      what: "codex would run with --dangerously-bypass-approvals-and-sandbox: no approvals and no sandbox (full bypass)"
    } as const]
    : []),
  ...(r.fullAuto === true
    ? [{
      kind: "write",
      field: "fullAuto",
      what: "codex would run with --sandbox workspace-write: it changes files in the workspace without asking"
    } as const]
    : []),
  ...mcpAsk(r)
]

const geminiAsks = (r: ApprovalSubject): ReadonlyArray<Ask> => [
  ...(r.approvalMode === "yolo"
    ? [{
      kind: "full-bypass",
      field: "approvalMode",
      what: "gemini would run with --approval-mode yolo: every tool call approved (full bypass)"
    } as const]
    : r.approvalMode === "auto_edit"
    ? [{
      kind: "write",
      field: "approvalMode",
      what: "gemini would run with --approval-mode auto_edit: file edits approved without asking"
    } as const]
    : []),
  ...autoApprovedTools("gemini", r.allowedTools ?? []),
  ...(r.includeDirs !== undefined && r.includeDirs.length > 0
    ? [{
      kind: "include-dirs",
      field: "includeDirs",
      what: `gemini's workspace would include the folders ${list(r.includeDirs)} beyond the working folder`
    } as const]
    : []),
  ...mcpAsk(r)
]

const grokAsks = (r: ApprovalSubject): ReadonlyArray<Ask> => {
  const asks: Array<Ask> = []
  if (r.alwaysApprove === true) {
    asks.push({
      kind: "full-bypass",
      field: "alwaysApprove",
      what: "grok would run with --always-approve: every tool call approved (full bypass)"
    })
  }
  switch (r.permissionMode) {
    case "bypassPermissions":
      asks.push({
        kind: "full-bypass",
        field: "permissionMode",
        what: "grok would run with --permission-mode bypassPermissions: every tool call approved (full bypass)"
      })
      break
    case "acceptEdits":
      asks.push({
        kind: "write",
        field: "permissionMode",
        what: "grok would run with --permission-mode acceptEdits: file edits approved without asking"
      })
      break
    case "auto":
      asks.push({
        kind: "write",
        field: "permissionMode",
        what: "grok would run with --permission-mode auto: a classifier approves tool calls, edits included, without asking"
      })
      break
    case "dontAsk":
    case "plan":
      asks.push({
        kind: "narrowing",
        field: "permissionMode",
        what: r.permissionMode === "plan"
          ? "grok would run with --permission-mode plan: it plans and does not edit"
          : "grok would run with --permission-mode dontAsk: it runs only what is allowed up front and refuses the rest"
      })
      break
    default:
      break
  }
  // grok's --tools limits the built-in tools it has; it approves nothing.
  if (r.allowedTools !== undefined && r.allowedTools.length > 0) {
    asks.push({ kind: "narrowing", field: "allowedTools", what: `grok's built-in tools are limited to ${list(r.allowedTools)}` })
  }
  asks.push(...disallowedAsk("grok", r), ...mcpAsk(r))
  return asks
}

/**
 * Everything a request asks for, for its CLI.
 *
 * @since 0.1.0
 */
export const asksOf = (cli: Cli, request: ApprovalSubject): ReadonlyArray<Ask> => {
  switch (cli) {
    case "claude":
      return claudeAsks(request)
    case "codex":
      return codexAsks(request)
    case "gemini":
      return geminiAsks(request)
    case "grok":
      return grokAsks(request)
  }
}

const RISK_ORDER: ReadonlyArray<Risk> = ["low", "medium", "high"]

const highest = (asks: ReadonlyArray<Ask>): Risk =>
  asks.reduce<Risk>(
    (acc, ask) => (RISK_ORDER.indexOf(riskOf[ask.kind]) > RISK_ORDER.indexOf(acc) ? riskOf[ask.kind] : acc),
    "low"
  )

const NOTHING = "asks for no bypass, no write access and no extra tools"

/**
 * Decides a request under a policy (the `mcp_managed` strategy).
 *
 * @since 0.1.0
 */
export const decide = (cli: Cli, request: ApprovalSubject, policy: ApprovalPolicy): ManagedDecision => {
  const asks = asksOf(cli, request)
  const refused = asks.filter((ask) => refuses[policy].has(ask.kind))
  const allowed = asks.filter((ask) => !refuses[policy].has(ask.kind))
  const status: ApprovalStatus = refused.length > 0 ? "denied" : "approved"
  const bypass = status === "approved" && asks.some((ask) => ask.kind === "full-bypass")
  const reasons = [
    ...refused.map((ask) => `denied by ${policy}: ${ask.field}: ${ask.what}`),
    ...allowed.map((ask) =>
      `allowed by ${policy}: ${ask.field}: ${ask.what}` +
      (ask.kind === "full-bypass" ? "; the CLI's own bypass flag will be passed" : "")
    )
  ]
  return {
    strategy: "mcp_managed",
    status,
    policy,
    reasons: reasons.length > 0 ? reasons : [`allowed by ${policy}: ${cli} ${NOTHING}`],
    risk: highest(asks),
    bypass
  }
}

/**
 * The decision of the `legacy` strategy: approved as asked, with the
 * CLI's own bypass flag passed when the request asks for a full bypass.
 *
 * @since 0.1.0
 */
export const legacyDecision = (cli: Cli, request: ApprovalSubject): LegacyDecision => {
  const asks = asksOf(cli, request)
  return {
    strategy: "legacy",
    status: "approved",
    policy: null,
    reasons: [
      "legacy strategy: no policy applies and nothing is recorded; the request runs as asked",
      ...(asks.length > 0 ? asks.map((ask) => `${ask.field}: ${ask.what}`) : [`${cli} ${NOTHING}`])
    ],
    risk: highest(asks),
    bypass: asks.some((ask) => ask.kind === "full-bypass")
  }
}

/**
 * What the approval log keeps of a request: the fields the decision read,
 * and the prompt's length, never its text.
 *
 * @since 0.1.0
 */
export const summarize = (cli: Cli, request: ApprovalSubject): Record<string, unknown> => {
  const out: Record<string, unknown> = { cli, promptLength: request.prompt.length }
  const keep = (key: keyof ApprovalSubject) => {
    const value = request[key]
    if (value === undefined || value === false) return
    if (Array.isArray(value) && value.length === 0) return
    out[key] = value
  }
  const common: ReadonlyArray<keyof ApprovalSubject> = [
    "model",
    "sessionId",
    "approvalStrategy",
    "approvalPolicy",
    "mcpServers"
  ]
  const byCli: Readonly<Record<Cli, ReadonlyArray<keyof ApprovalSubject>>> = {
    claude: ["dangerouslySkipPermissions", "allowedTools", "disallowedTools", "strictMcpConfig"],
    codex: ["fullAuto", "dangerouslyBypassApprovalsAndSandbox"],
    gemini: ["approvalMode", "allowedTools", "includeDirs"],
    grok: ["alwaysApprove", "permissionMode", "allowedTools", "disallowedTools"]
  }
  for (const key of [...common, ...byCli[cli]]) keep(key)
  return out
}
