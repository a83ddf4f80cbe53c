/**
 * The request tools. Every request is a durable job: the sync tools
 * (`claude_request`, …) answer the moment the job ends, or with a deferred
 * job reference once `SYNC_DEADLINE_MS` has passed; the async tools
 * (`claude_request_async`, …) answer at once with the job.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { GatewayConfig } from "../../Config.js"
import type { Cli } from "../../domain/Cli.js"
import { isFinal, type Job } from "../../domain/Job.js"
import {
  ClaudeAsyncRequest,
  ClaudeRequest,
  CodexAsyncRequest,
  CodexRequest,
  GeminiAsyncRequest,
  GeminiRequest,
  GrokAsyncRequest,
  GrokRequest
} from "../../domain/requests.js"
import { JobManager } from "../../jobs/JobManager.js"
import type { RequestOf } from "../../providers/Providers.js"
import type { JsonObject } from "../jsonSchema.js"
import * as Tool from "../Tool.js"
import { withJobProgress } from "./jobProgress.js"
import { jobFailure, jobLine, jobStatus } from "./jobView.js"

/**
 * The structured answer of a completed request. The reply text is in both
 * `content` and `structuredContent.text`: clients that show only one of
 * them still show the reply.
 *
 * @since 0.1.0
 */
export const replyStructured = (job: Job, deduped: boolean, text: string): JsonObject => {
  const reply = job.reply
  const total = reply?.text.length ?? 0
  const out: Record<string, unknown> = {
    cli: job.cli,
    text,
    jobId: job.id,
    deduped,
    correlationId: job.correlationId,
    durationMs: job.startedAt !== null && job.finishedAt !== null ? job.finishedAt - job.startedAt : null,
    exitCode: job.exitCode,
    outputTruncated: job.outputTruncated
  }
  if (reply?.model !== undefined) out.model = reply.model
  if (reply?.sessionId !== undefined) out.sessionId = reply.sessionId
  if (reply?.usage !== undefined) out.usage = reply.usage
  if (reply?.costUsd !== undefined) out.costUsd = reply.costUsd
  if (text.length < total) {
    out.replyTruncated = true
    out.totalChars = total
    out.nextOffset = text.length
  }
  return out
}

/**
 * The reply as a sync answer carries it: whole, or its first `max`
 * characters and where to read on (an answer must stay small enough for
 * clients' message limits; the text is in both content and structuredContent).
 */
const inlineReply = (job: Job, max: number): { readonly text: string; readonly page: string } => {
  const full = job.reply?.text ?? ""
  if (full.length <= max) return { text: full, page: full }
  const page = full.slice(0, max)
  return {
    page,
    text: `${page}\n\n[The reply continues: ${max} of ${full.length} characters shown. ` +
      `Read the rest with llm_job_result {"jobId": "${job.id}", "offset": ${max}}.]`
  }
}

const descriptions: Readonly<Record<Cli, string>> = {
  claude: "Run Claude Code (`claude -p`) on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  codex: "Run Codex (`codex exec`) on a prompt and return its final message. The prompt travels on stdin, never as an option.",
  gemini: "Run Gemini CLI headless on a prompt and return its reply. The prompt travels on stdin, never as an option.",
  grok: "Run Grok Build headless on a prompt and return its reply. The prompt travels in a private file, never as an option."
}

const SYNC_NOTE = " Identical requests within the dedup window share one run. A run still going after SYNC_DEADLINE_MS " +
  "(default 45 s) answers with its job id; collect it with llm_job_wait / llm_job_result."

const ASYNC_NOTE = " Answers at once with a job id; collect the reply with llm_job_wait and llm_job_result."

const requestAnnotations = (title: string): Tool.ToolAnnotations => ({
  title,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true
})

const syncTool = <C extends Cli, S extends Schema.Schema<any, any, never>>(cli: C, input: S) =>
  Tool.make({
    name: `${cli}_request`,
    description: descriptions[cli] + SYNC_NOTE,
    input,
    annotations: requestAnnotations(`Ask ${cli}`),
    handler: (request: RequestOf[C], context) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const config = yield* GatewayConfig
        const { deduped, job: accepted, mcpServers } = yield* manager.submit(cli, request)
        const mcp = mcpServers === undefined ? {} : { mcpServers }
        const job = yield* withJobProgress(
          accepted.id,
          context,
          manager.await(accepted.id, config.syncDeadlineMs === 0 ? undefined : Duration.millis(config.syncDeadlineMs))
        ).pipe(
          // MCP cancellation of the call ends the run it started (not one it merely joined).
          Effect.onInterrupt(() => deduped ? Effect.void : Effect.ignore(manager.cancel(accepted.id)))
        )
        if (!isFinal(job.status)) {
          return {
            text: `${cli} is still working. ${jobLine(job, deduped)}`,
            structured: { ...jobStatus(job, { deduped }), deferred: true, ...mcp }
          }
        }
        if (job.status !== "completed") return yield* Effect.fail(jobFailure(job))
        const { page, text } = inlineReply(job, config.syncReplyMaxChars)
        return { text, structured: { ...replyStructured(job, deduped, page), ...mcp } }
      })
  })

const asyncTool = <C extends Cli, S extends Schema.Schema<any, any, never>>(cli: C, input: S) =>
  Tool.make({
    name: `${cli}_request_async`,
    description: descriptions[cli] + ASYNC_NOTE,
    input,
    annotations: requestAnnotations(`Start ${cli} in the background`),
    handler: (request: RequestOf[C]) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const { deduped, job, mcpServers } = yield* manager.submit(cli, request)
        return {
          text: jobLine(job, deduped),
          structured: { ...jobStatus(job, { deduped }), ...(mcpServers === undefined ? {} : { mcpServers }) }
        }
      })
  })

/**
 * @since 0.1.0
 */
export const requestTools = [
  syncTool("claude", ClaudeRequest),
  syncTool("codex", CodexRequest),
  syncTool("gemini", GeminiRequest),
  syncTool("grok", GrokRequest),
  asyncTool("claude", ClaudeAsyncRequest),
  asyncTool("codex", CodexAsyncRequest),
  asyncTool("gemini", GeminiAsyncRequest),
  asyncTool("grok", GrokAsyncRequest)
] as const
