/**
 * The opencode agent: its facts, request tools, adapter, and what a request
 * asks of it for approval.
 *
 * opencode allows edits, shell commands and web fetches by default; the
 * adapter denies them (`OPENCODE_PERMISSION`) unless the request allows
 * them or a bypass is granted, so a request that names no permission asks
 * for nothing, and each allowed tool asks for what it lets opencode do.
 *
 * @since 0.1.0
 */
import { type Ask, autoApprovedTools, disallowedAsk, list, mcpAsk } from "../../approvals/askRules.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { permissionName } from "./config.js"
import { facts } from "./facts.js"
import { OpencodeAsyncRequest, OpencodeRequest } from "./request.js"

// opencode's permissions that only read (its defaults allow them; `webfetch` is denied by the adapter unless allowed).
const READERS = new Set(["read", "glob", "grep", "list", "lsp", "todoread", "todowrite", "webfetch", "websearch", "codesearch"])

/** A tool entry as the adapter passes it: opencode's own names in lower case, the edit tools as `edit`. */
const normalised = (tool: string): { readonly name: string; readonly tool: string } => {
  const open = tool.indexOf("(")
  const name = permissionName(open < 0 ? tool : tool.slice(0, open))
  return { name, tool: open < 0 ? name : `${name}${tool.slice(open)}` }
}

const allowedAsks = (tools: ReadonlyArray<string>): ReadonlyArray<Ask> => {
  const entries = tools.map(normalised)
  const readers = entries.filter((e) => READERS.has(e.name)).map((e) => e.tool)
  const folders = entries.filter((e) => e.name === "external_directory").map((e) => e.tool)
  // The rest by the shared rules: `bash` is a shell, `edit` (write, patch, multiedit) a writer, other names
  // (MCP tools, task, skill) unknown.
  const others = entries.filter((e) => !READERS.has(e.name) && e.name !== "external_directory").map((e) => e.tool)
  return [
    ...autoApprovedTools("opencode", others),
    ...(readers.length > 0
      ? [{ kind: "read-tools", field: "allowedTools", what: `${list(readers)} may run without asking` } as const]
      : []),
    ...(folders.length > 0
      ? [{
        kind: "include-dirs",
        field: "allowedTools",
        what: `${list(folders)} lets opencode use folders outside the working folder without asking`
      } as const]
      : [])
  ]
}

const opencodeAsks = (r: OpencodeAsyncRequest): ReadonlyArray<Ask> => [
  ...(r.autoApprove
    ? [{
      kind: "full-bypass",
      field: "autoApprove",
      what: "opencode would run with --auto and its own defaults: every tool call not denied, edits and shell included (full bypass)"
    } as const]
    : []),
  ...(r.agent === "plan"
    ? [{ kind: "narrowing", field: "agent", what: "opencode would run its plan agent: no file edits" } as const]
    : []),
  ...allowedAsks(r.allowedTools ?? []),
  ...(r.addDirs !== undefined && r.addDirs.length > 0
    ? [{
      kind: "include-dirs",
      field: "addDirs",
      what: `opencode could use the folders ${list(r.addDirs)} beyond the working folder`
    } as const]
    : []),
  ...disallowedAsk("opencode", r),
  ...mcpAsk(r)
]

/** @since 0.1.0 */
export const agent: Agent<"opencode", OpencodeAsyncRequest, OpencodeRequest> = {
  ...facts,
  cli: "opencode",
  summary: "Run opencode headless (`opencode run`) on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  request: OpencodeRequest,
  asyncRequest: OpencodeAsyncRequest,
  adapter: () => make(),
  asks: opencodeAsks,
  approvalFields: ["autoApprove", "agent", "allowedTools", "disallowedTools", "addDirs"]
}
