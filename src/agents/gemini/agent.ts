/**
 * The gemini agent: its facts, request tools, adapter, and what a request asks
 * of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, autoApprovedTools, list, mcpAsk } from "../../approvals/askRules.js"
import { readGeminiSettings } from "../../models/discovery.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { GeminiAsyncRequest, GeminiRequest } from "./request.js"

const geminiAsks = (r: GeminiAsyncRequest): ReadonlyArray<Ask> => [
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

/** @since 0.1.0 */
export const agent: Agent<"gemini", GeminiAsyncRequest, GeminiRequest> = {
  ...facts,
  cli: "gemini",
  summary: "Run Gemini CLI headless on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  request: GeminiRequest,
  asyncRequest: GeminiAsyncRequest,
  adapter: (options) => make({ trustWorkspace: options.trustWorkspace }),
  asks: geminiAsks,
  approvalFields: ["approvalMode", "allowedTools", "includeDirs"],
  readModelConfig: (paths) => readGeminiSettings(paths.geminiSettings)
}
