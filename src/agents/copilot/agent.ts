/**
 * The copilot agent: its facts, request tools, adapter, and what a request
 * asks of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, autoApprovedTools, disallowedAsk, list, mcpAsk } from "../../approvals/askRules.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { CopilotAsyncRequest, CopilotRequest } from "./request.js"

// copilot's rules (`shell`, `shell(git:*)`, `write`, `write(path)`) are the shared shell and write names;
// `url(…)` and MCP server names are not known to read only.
const copilotAsks = (r: CopilotAsyncRequest): ReadonlyArray<Ask> => [
  ...(r.allowAllTools === true
    ? [{
      kind: "full-bypass",
      field: "allowAllTools",
      what: "copilot would run with --allow-all: every tool, path and URL without asking (full bypass)"
    } as const]
    : []),
  ...autoApprovedTools("copilot", r.allowedTools ?? []),
  ...(r.addDirs !== undefined && r.addDirs.length > 0
    ? [{
      kind: "include-dirs",
      field: "addDirs",
      what: `copilot could read and edit the folders ${list(r.addDirs)} beyond the working folder`
    } as const]
    : []),
  ...disallowedAsk("copilot", r),
  ...mcpAsk(r)
]

/** @since 0.1.0 */
export const agent: Agent<"copilot", CopilotAsyncRequest, CopilotRequest> = {
  ...facts,
  cli: "copilot",
  summary:
    "Run GitHub Copilot CLI headless on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  request: CopilotRequest,
  asyncRequest: CopilotAsyncRequest,
  adapter: () => make(),
  asks: copilotAsks,
  approvalFields: ["allowAllTools", "allowedTools", "disallowedTools", "addDirs"]
}
