/**
 * The grok agent: its facts, request tools, adapter, and what a request asks
 * of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, disallowedAsk, list, mcpAsk } from "../../approvals/askRules.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { GrokAsyncRequest, GrokRequest } from "./request.js"

const grokAsks = (r: GrokAsyncRequest): ReadonlyArray<Ask> => {
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

/** @since 0.1.0 */
export const agent: Agent<"grok", GrokAsyncRequest, GrokRequest> = {
  ...facts,
  cli: "grok",
  summary: "Run Grok Build headless on a prompt and return its reply. The prompt travels in a private file, never as an option.",
  request: GrokRequest,
  asyncRequest: GrokAsyncRequest,
  adapter: () => make(),
  asks: grokAsks,
  approvalFields: ["alwaysApprove", "permissionMode", "allowedTools", "disallowedTools"]
}
