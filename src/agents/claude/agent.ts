/**
 * The claude agent: its facts, request tools, adapter, and what a request asks
 * of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, autoApprovedTools, disallowedAsk, list, mcpAsk } from "../../approvals/askRules.js"
import { readClaudeSettings } from "../../models/discovery.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { ClaudeAsyncRequest, ClaudeRequest } from "./request.js"

const claudeAsks = (r: ClaudeAsyncRequest): ReadonlyArray<Ask> => [
  ...(r.dangerouslySkipPermissions === true
    ? [{
      kind: "full-bypass",
      field: "dangerouslySkipPermissions",
      what: "claude would run with --permission-mode bypassPermissions: every tool, no permission check (full bypass)"
    } as const]
    : []),
  ...autoApprovedTools("claude", r.allowedTools ?? []),
  ...(r.addDirs !== undefined && r.addDirs.length > 0
    ? [{
      kind: "include-dirs",
      field: "addDirs",
      what: `claude could read and edit the folders ${list(r.addDirs)} beyond the working folder`
    } as const]
    : []),
  ...disallowedAsk("claude", r),
  ...mcpAsk(r)
]

/** @since 0.1.0 */
export const agent: Agent<"claude", ClaudeAsyncRequest, ClaudeRequest> = {
  ...facts,
  cli: "claude",
  summary: "Run Claude Code (`claude -p`) on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  request: ClaudeRequest,
  asyncRequest: ClaudeAsyncRequest,
  adapter: () => make(),
  asks: claudeAsks,
  approvalFields: ["dangerouslySkipPermissions", "allowedTools", "disallowedTools", "strictMcpConfig", "addDirs"],
  readModelConfig: (paths) => readClaudeSettings(paths.claudeSettings, paths.claudeSettingsLocal)
}
