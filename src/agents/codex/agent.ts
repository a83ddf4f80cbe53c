/**
 * The codex agent: its facts, request tools, adapter, and what a request asks
 * of it for approval.
 *
 * @since 0.1.0
 */
import { type Ask, mcpAsk } from "../../approvals/askRules.js"
import { readCodexConfig } from "../../models/discovery.js"
import type { Agent } from "../Agent.js"
import { make } from "./adapter.js"
import { facts } from "./facts.js"
import { CodexAsyncRequest, CodexRequest } from "./request.js"

const codexAsks = (r: CodexAsyncRequest): ReadonlyArray<Ask> => [
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

/** @since 0.1.0 */
export const agent: Agent<"codex", CodexAsyncRequest, CodexRequest> = {
  ...facts,
  cli: "codex",
  summary: "Run Codex (`codex exec`) on a prompt and return its final message. The prompt travels on stdin, never as an option.",
  request: CodexRequest,
  asyncRequest: CodexAsyncRequest,
  adapter: () => make(),
  asks: codexAsks,
  approvalFields: ["fullAuto", "dangerouslyBypassApprovalsAndSandbox"],
  readModelConfig: (paths) => readCodexConfig(paths.codexConfig)
}
