/**
 * The approval decision, as a pure function: what a request asks the CLI
 * to do without asking a human (read by `approvals/asks`), scored against
 * a policy.
 *
 * ## What each policy allows
 *
 * | What the request asks for                                        | Risk   | strict | balanced | permissive |
 * | ---------------------------------------------------------------- | ------ | ------ | -------- | ---------- |
 * | Nothing beyond the CLI's defaults                                | low    | yes    | yes      | yes        |
 * | MCP servers (`mcpServers`)                                       | low    | yes    | yes      | yes        |
 * | Tools known to only read, or narrowing the tool set              | low    | yes    | yes      | yes        |
 * |   (`allowedTools` such as `Read`, `Grep`; grok's `--tools`;      |        |        |          |            |
 * |   `disallowedTools`; grok `permissionMode` `default`, `plan`,    |        |        |          |            |
 * |   `dontAsk`)                                                     |        |        |          |            |
 * | Tools the gateway does not know (an MCP tool, another name)      | medium | **no** | yes      | yes        |
 * | Shell limited by a rule (`Bash(git log:*)`,                      | medium | **no** | yes      | yes        |
 * |   `run_shell_command(git status)`)                               |        |        |          |            |
 * | Extra folders (gemini `includeDirs`, claude `addDirs`)           | medium | yes    | yes      | yes        |
 * | Workspace writes without asking: codex `fullAuto`, gemini        | medium | **no** | yes      | yes        |
 * |   `approvalMode: auto_edit`, grok `permissionMode` `acceptEdits` |        |        |          |            |
 * |   or `auto`, edit tools in `allowedTools` (`Edit`, `Write`, …)   |        |        |          |            |
 * | Unrestricted shell: `Bash` (or gemini `run_shell_command`)       | high   | **no** | **no**   | yes        |
 * |   without a rule, with a rule that matches everything (`*`), or  |        |        |          |            |
 * |   whose rule runs an interpreter or command runner (`sh`, `bash  |        |        |          |            |
 * |   -c`, `env`, `xargs`, `sudo`, `python -c`, `npx`, …)            |        |        |          |            |
 * | Every tool without asking: `*` in `allowedTools`                 | high   | **no** | **no**   | yes        |
 * | Full bypass: claude `dangerouslySkipPermissions`, codex          | high   | **no** | **no**   | yes, with  |
 * |   `dangerouslyBypassApprovalsAndSandbox`, gemini `approvalMode:  |        |        |          | `bypass`   |
 * |   yolo`, grok `alwaysApprove` or `permissionMode:                |        |        |          |            |
 * |   bypassPermissions`                                             |        |        |          |            |
 *
 * - `strict`: the CLI may only read, with tools known to read; no shell
 *   command of any kind, no tool it does not know, no change, without
 *   asking.
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
import type { ApprovalPolicy } from "../domain/requests.js"
import { approvalFieldsOf, type ApprovalSubject, type Ask, type AskKind, asksOf } from "./asks.js"

/**
 * What a request asks for (defined in `approvals/asks`).
 *
 * @since 0.1.0
 */
export { type ApprovalSubject, type Ask, type AskKind, asksOf } from "./asks.js"

/** @since 0.1.0 */
export type Risk = "low" | "medium" | "high"

/** @since 0.1.0 */
export type ApprovalStatus = "approved" | "denied"

/** @since 0.1.0 */
export const riskOf: Readonly<Record<AskKind, Risk>> = {
  "none": "low",
  "mcp-servers": "low",
  "read-tools": "low",
  "unknown-tools": "medium",
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
  strict: new Set<AskKind>(["write", "shell-rule", "unknown-tools", "unrestricted-shell", "all-tools", "full-bypass"]),
  balanced: new Set<AskKind>(["unrestricted-shell", "all-tools", "full-bypass"]),
  permissive: new Set<AskKind>()
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
  const keep = (key: string) => {
    const value = request[key]
    if (value === undefined || value === false) return
    if (Array.isArray(value) && value.length === 0) return
    out[key] = value
  }
  const common: ReadonlyArray<string> = [
    "model",
    "sessionId",
    "approvalStrategy",
    "approvalPolicy",
    "mcpServers"
  ]
  for (const key of [...common, ...approvalFieldsOf(cli)]) keep(key)
  return out
}
