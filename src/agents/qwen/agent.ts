/**
 * The qwen agent: its facts, request tools, adapter, and what a request asks
 * of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, autoApprovedTools, list, mcpAsk } from "../../approvals/askRules.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { QwenAsyncRequest, QwenRequest } from "./request.js"

const modeAsks = (mode: QwenAsyncRequest["approvalMode"]): ReadonlyArray<Ask> => {
  switch (mode) {
    case "yolo":
      return [{
        kind: "full-bypass",
        field: "approvalMode",
        what: "qwen would run with --approval-mode=yolo: every tool call approved, shell included (full bypass)"
      }]
    case "auto-edit":
      return [{
        kind: "write",
        field: "approvalMode",
        what: "qwen would run with --approval-mode=auto-edit: file edits approved without asking"
      }]
    case "auto":
      return [{
        kind: "write",
        field: "approvalMode",
        what: "qwen would run with --approval-mode=auto: an LLM classifier approves actions, edits included"
      }]
    case "plan":
      return [{
        kind: "narrowing",
        field: "approvalMode",
        what: "qwen would run with --approval-mode=plan: analyse only, no edits and no commands"
      }]
    default:
      return []
  }
}

const qwenAsks = (r: QwenAsyncRequest): ReadonlyArray<Ask> => [
  ...modeAsks(r.approvalMode),
  ...autoApprovedTools("qwen", r.allowedTools ?? []),
  ...(r.excludeTools !== undefined && r.excludeTools.length > 0
    ? [{ kind: "narrowing", field: "excludeTools", what: `qwen must not use ${list(r.excludeTools)}` } as const]
    : []),
  ...(r.includeDirs !== undefined && r.includeDirs.length > 0
    ? [{
      kind: "include-dirs",
      field: "includeDirs",
      what: `qwen's workspace would include the folders ${list(r.includeDirs)} beyond the working folder`
    } as const]
    : []),
  ...mcpAsk(r)
]

/** @since 0.1.0 */
export const agent: Agent<"qwen", QwenAsyncRequest, QwenRequest> = {
  ...facts,
  cli: "qwen",
  summary: "Run Qwen Code headless on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  request: QwenRequest,
  asyncRequest: QwenAsyncRequest,
  adapter: () => make(),
  asks: qwenAsks,
  approvalFields: ["approvalMode", "allowedTools", "excludeTools", "includeDirs"]
}
