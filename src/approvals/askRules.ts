/**
 * The words of approval: the kinds of things a request can ask its CLI to
 * do without asking a human, and the rules every agent's `asks` shares
 * (which tool names are shells, writers or readers; MCP servers; narrowing).
 * Each agent reads its own request's fields (`src/agents/<cli>/agent.ts`);
 * `approvals/asks` dispatches. Pure. How much each kind risks, and which a
 * policy refuses, is the decision's (`approvals/policy`).
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import type { ApprovalPolicy, ApprovalStrategy } from "../domain/requests.js"

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
  | "unknown-tools"
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

/**
 * The fields of a request that every agent's `asks` may read; each agent
 * reads its own fields beyond these from its own request type.
 *
 * @since 0.1.0
 */
export interface ApprovalSubject {
  /** Each CLI's own fields, which only its agent reads. */
  readonly [field: string]: unknown
  readonly prompt: string
  readonly model?: string | undefined
  readonly sessionId?: string | undefined
  readonly approvalStrategy?: ApprovalStrategy | undefined
  readonly approvalPolicy?: ApprovalPolicy | undefined
  readonly mcpServers?: ReadonlyArray<string> | undefined
}

/** A request that may name tools the CLI must not use. @since 0.1.0 */
export interface WithDisallowedTools {
  readonly disallowedTools?: ReadonlyArray<string> | undefined
}

const SHELL_TOOLS = new Set([
  "bash",
  "shell",
  "sh",
  "zsh",
  "run_shell_command",
  "shelltool",
  "shell_command",
  "local_shell",
  "exec_command",
  "powershell",
  "terminal"
])
/** Tools known to only read (claude's, gemini's, codex's names). Anything else is not taken for read-only. */
const READ_TOOLS = new Set([
  "read",
  "grep",
  "glob",
  "ls",
  "notebookread",
  "webfetch",
  "websearch",
  "todowrite",
  "todoread",
  "read_file",
  "read_many_files",
  "list_directory",
  "search_file_content",
  "grep_search",
  "glob_search",
  "google_web_search",
  "web_fetch",
  "view",
  "readfiletool",
  "grepttool",
  "globtool",
  "lstool"
])
/**
 * Commands that run any other command they are given: a shell rule for one
 * of them (`Bash(sh:*)`, `Bash(env:*)`, `Bash(xargs:*)`), or with a `-c` /
 * `-e` form (`Bash(bash -c:*)`, `Bash(python -c:*)`), is an unrestricted
 * shell.
 */
const INTERPRETERS = new Set([
  "sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "busybox",
  "env", "exec", "eval", "command", "builtin", "sudo", "su", "doas", "runuser", "nohup", "setsid", "timeout", "nice",
  "ionice", "time", "xargs", "parallel", "watch", "script", "chroot", "nsenter", "unshare", "strace", "ltrace",
  "pwsh", "powershell", "cmd", "cmd.exe",
  "python", "python2", "python3", "node", "nodejs", "deno", "bun", "perl", "ruby", "php", "lua", "tclsh", "awk", "gawk",
  "npx", "bunx", "pnpx", "uvx", "pipx", "osascript"
])

/** Whether a shell rule lets any command through an interpreter or a command runner. */
const runsAnything = (rule: string): boolean => {
  const words = rule.replace(/[:*]+\s*$/, "").trim().split(/[\s:]+/).filter((w) => w !== "")
  const first = (words[0] ?? "").replace(/^.*\//, "").toLowerCase()
  return INTERPRETERS.has(first) || /^(python|pip|node)\d/.test(first) || words.some((w) => /^-[a-z]*[ce]$/.test(w))
}
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

/** Items as a quoted list, for messages. @since 0.1.0 */
export const list = (items: ReadonlyArray<string>) => items.map((i) => JSON.stringify(i)).join(", ")

/** Tools the CLI may run without asking (claude `--allowedTools`, gemini `--allowed-tools`). @since 0.1.0 */
export const autoApprovedTools = (cli: Cli, tools: ReadonlyArray<string>): ReadonlyArray<Ask> => {
  const asks: Array<Ask> = []
  const reads: Array<string> = []
  const unknown: Array<string> = []
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
      } else if (runsAnything(rule!)) {
        ask(
          "unrestricted-shell",
          `${quoted} lets ${cli} run an interpreter or command runner, and so any command, without asking (unrestricted shell)`
        )
      } else {
        ask("shell-rule", `${quoted} lets ${cli} run shell commands matching ${JSON.stringify(rule)} without asking`)
      }
    } else if (WRITE_TOOLS.has(lower)) {
      ask("write", `${quoted} lets ${cli} change files without asking`)
    } else if (READ_TOOLS.has(lower)) {
      reads.push(tool)
    } else {
      unknown.push(tool)
    }
  }
  if (reads.length > 0) {
    asks.push({ kind: "read-tools", field: "allowedTools", what: `${list(reads)} may run without asking` })
  }
  if (unknown.length > 0) {
    asks.push({
      kind: "unknown-tools",
      field: "allowedTools",
      what: `${list(unknown)} may run without asking, and the gateway does not know what ${
        unknown.length === 1 ? "it does" : "they do"
      } (an MCP server's tool, or another CLI's name): not taken for read-only`
    })
  }
  return asks
}

/** The MCP servers a request enables. @since 0.1.0 */
export const mcpAsk = (request: ApprovalSubject): ReadonlyArray<Ask> =>
  request.mcpServers !== undefined && request.mcpServers.length > 0
    ? [{ kind: "mcp-servers", field: "mcpServers", what: `MCP servers ${list(request.mcpServers)}` }]
    : []

/** The tools a request forbids: a narrowing. @since 0.1.0 */
export const disallowedAsk = (cli: Cli, request: WithDisallowedTools): ReadonlyArray<Ask> =>
  request.disallowedTools !== undefined && request.disallowedTools.length > 0
    ? [{ kind: "narrowing", field: "disallowedTools", what: `${cli} must not use ${list(request.disallowedTools)}` }]
    : []

