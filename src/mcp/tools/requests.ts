/**
 * The request tools. Every request is a durable job: the sync tools
 * (`claude_request`, …) answer the moment the job ends, or with a deferred
 * job reference once `SYNC_DEADLINE_MS` has passed; the async tools
 * (`claude_request_async`, …) answer at once with the job.
 *
 * @since 0.1.0
 */
import { PROMPT_MAX_LENGTH } from "../../domain/fields.js"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { GatewayConfig } from "../../Config.js"
import { allClis, Cli } from "../../domain/Cli.js"
import { isFinal, type Job } from "../../domain/Job.js"
import { Usage } from "../../domain/Usage.js"
import type { GatewayError } from "../../domain/errors.js"
import { JobManager, replyText, type Submitted } from "../../jobs/JobManager.js"
import type { JobStore } from "../../jobs/JobStore.js"
import { agents, type RequestOf } from "../../agents/registry.js"
import { fitJsonChars, pageBytes } from "../answerSize.js"
import { recordCall } from "../callLink.js"
import * as Tool from "../Tool.js"
import { optimizeAnswer, ResponseOptimization } from "../../optimizer/request.js"
import { withJobProgress } from "./jobProgress.js"
import { jobFailure, jobLine, jobStatus, JobStatusView } from "./jobView.js"

/**
 * The MCP servers a request named, and which of them the user's registry
 * defines (claude and gemini only).
 *
 * @since 0.1.0
 */
export const McpServersReport = Schema.Struct({
  requested: Schema.Array(Schema.String),
  enabled: Schema.Array(Schema.String),
  missing: Schema.Array(Schema.String)
})

/**
 * The answer of a request that completed: the reply (or its first page) and
 * the facts of the run.
 *
 * @since 0.1.0
 */
export const RequestReply = Schema.Struct({
  cli: Cli,
  text: Schema.String.annotations({ description: "The reply (its first page when replyTruncated)." }),
  jobId: Schema.String,
  deduped: Schema.Boolean,
  correlationId: Schema.String,
  durationMs: Schema.NullOr(Schema.Number),
  exitCode: Schema.NullOr(Schema.Number),
  outputTruncated: Schema.Boolean,
  model: Schema.optional(Schema.String),
  sessionId: Schema.optional(Schema.String.annotations({ description: "The CLI's own session id: pass it back as sessionId to continue." })),
  usage: Schema.optional(Usage),
  costUsd: Schema.optional(Schema.Number),
  replyTruncated: Schema.optional(Schema.Literal(true)),
  totalChars: Schema.optional(Schema.Number),
  nextOffset: Schema.optional(Schema.Number.annotations({ description: "Read on with llm_job_result from here." })),
  mcpServers: Schema.optional(McpServersReport),
  responseOptimization: Schema.optional(ResponseOptimization)
})

/** @since 0.1.0 */
export type RequestReply = typeof RequestReply.Type

/**
 * The answer of a request still running at the sync deadline: its job, to
 * collect with `llm_job_wait` / `llm_job_result`.
 *
 * @since 0.1.0
 */
export const DeferredRequest = Schema.extend(
  JobStatusView,
  Schema.Struct({ deferred: Schema.Literal(true), mcpServers: Schema.optional(McpServersReport) })
)

/**
 * A sync request answers with the reply, or with its job once the sync
 * deadline has passed (`deferred: true`).
 *
 * @since 0.1.0
 */
export const SyncRequestOutput = Schema.Union(RequestReply, DeferredRequest)

/**
 * An async request answers with its job.
 *
 * @since 0.1.0
 */
export const AsyncRequestOutput = Schema.extend(
  JobStatusView,
  Schema.Struct({ mcpServers: Schema.optional(McpServersReport) })
)

/**
 * The structured answer of a completed request. The reply text is in both
 * `content` and `structuredContent.text`: clients that show only one of
 * them still show the reply.
 *
 * @since 0.1.0
 */
export const replyStructured = (job: Job, deduped: boolean, text: string): RequestReply => {
  const reply = job.reply
  const total = reply?.chars ?? 0
  return {
    cli: job.cli,
    text,
    jobId: job.id,
    deduped,
    correlationId: job.correlationId,
    durationMs: job.startedAt !== null && job.finishedAt !== null ? job.finishedAt - job.startedAt : null,
    exitCode: job.exitCode,
    outputTruncated: job.outputTruncated,
    ...(reply?.model !== undefined ? { model: reply.model } : {}),
    ...(reply?.sessionId !== undefined ? { sessionId: reply.sessionId } : {}),
    ...(reply?.usage !== undefined ? { usage: reply.usage } : {}),
    ...(reply?.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
    ...(text.length < total ? { replyTruncated: true as const, totalChars: total, nextOffset: text.length } : {})
  }
}

/**
 * The reply as a sync answer carries it: whole, or its first `max`
 * characters and where to read on (an answer must stay small enough for
 * clients' message limits; the text is in both content and structuredContent).
 */
const inlineReply = (job: Job, max: number) =>
  Effect.gen(function*() {
    const total = job.reply?.chars ?? 0
    const read = yield* replyText(job, max)
    // Also cut to what fits the answer budget once JSON-escaped (a control character weighs 6 bytes).
    const { maxAnswerBytes } = yield* GatewayConfig
    const page = read.slice(0, fitJsonChars(read, pageBytes(maxAnswerBytes)))
    if (page.length >= total) return { text: page, page }
    return {
      page,
      text: `${page}\n\n[The reply continues: ${page.length} of ${total} characters shown. ` +
        `Read the rest with llm_job_result {"jobId": "${job.id}", "offset": ${page.length}}.]`
    }
  })

/**
 * The answer of a request whose job has ended: the reply (its first page
 * when long), or the typed failure the job ended with. The sync tools answer
 * with it, and so does `tasks/result` for a task-augmented request.
 *
 * @since 0.1.0
 */
export const settledAnswer = (
  job: Job,
  deduped: boolean,
  mcpServers?: Submitted["mcpServers"]
): Effect.Effect<Tool.Answer<RequestReply>, GatewayError, GatewayConfig | JobStore> =>
  Effect.gen(function*() {
    if (job.status !== "completed") return yield* Effect.fail(jobFailure(job))
    const config = yield* GatewayConfig
    const { page, text } = yield* inlineReply(job, config.syncReplyMaxChars)
    const mcp = mcpServers === undefined ? {} : { mcpServers }
    return { text, structured: { ...replyStructured(job, deduped, page), ...mcp } }
  })


/**
 * A sync request's answer once it has its job: the reply (optimized when
 * asked), the typed failure the job ended with, or — still running at the
 * sync deadline — the job to collect (`deferred: true`).
 */
const syncAnswer = (
  job: Job,
  deduped: boolean,
  mcpServers: Submitted["mcpServers"],
  optimize: boolean
): Effect.Effect<Tool.Answer<typeof SyncRequestOutput.Type>, GatewayError, GatewayConfig | JobStore> =>
  Effect.gen(function*() {
    const mcp = mcpServers === undefined ? {} : { mcpServers }
    if (!isFinal(job.status)) {
      return {
        text: `${job.cli} is still working. ${jobLine(job, deduped)}`,
        structured: { ...jobStatus(job, { deduped }), deferred: true as const, ...mcp }
      }
    }
    const answer = yield* settledAnswer(job, deduped, mcpServers)
    return optimize ? yield* optimizeAnswer(answer) : answer
  })

/** An async request's answer: its job. */
const asyncAnswer = (
  job: Job,
  deduped: boolean,
  mcpServers: Submitted["mcpServers"]
): Tool.Answer<typeof AsyncRequestOutput.Type> => ({
  text: jobLine(job, deduped),
  structured: { ...jobStatus(job, { deduped }), ...(mcpServers === undefined ? {} : { mcpServers }) }
})

/**
 * What a request tool's call records of its job (`mcp/callLink`): enough to
 * give the answer it would have given, from the job, when the answer was
 * lost with its connection and the call with its server.
 *
 * @since 0.1.0
 */
export const RequestCall = Schema.Struct({
  kind: Schema.Literal("sync", "async"),
  jobId: Schema.String,
  deduped: Schema.Boolean,
  /** When the call began (ms since the epoch): a sync call's deadline counts from it. */
  startedAt: Schema.Number,
  mcpServers: Schema.optional(McpServersReport),
  optimizeResponse: Schema.optional(Schema.Boolean)
})

/** @since 0.1.0 */
export type RequestCall = typeof RequestCall.Type

const encodeCall = Schema.encodeSync(RequestCall)
const decodeCall = Schema.decodeUnknown(RequestCall)

/**
 * The answer a request tool's call would have given, from the job it
 * recorded (`RequestCall`): a sync call's once the job ends (or its job at
 * the sync deadline, counted from the call's start), an async call's at
 * once; encoded by the tool's own output Schema. A record that is not one
 * is a defect.
 *
 * @since 0.1.0
 */
export const answerFromJob = (
  recorded: unknown
): Effect.Effect<Tool.ToolAnswer, GatewayError, GatewayConfig | JobStore | JobManager> =>
  Effect.gen(function*() {
    const call = yield* Effect.orDie(decodeCall(recorded))
    const manager = yield* JobManager
    if (call.kind === "async") {
      const answer = asyncAnswer(yield* manager.get(call.jobId), call.deduped, call.mcpServers)
      return { text: answer.text, structured: yield* Effect.orDie(Schema.encode(AsyncRequestOutput)(answer.structured)) }
    }
    const { syncDeadlineMs } = yield* GatewayConfig
    const left = call.startedAt + syncDeadlineMs - (yield* Clock.currentTimeMillis)
    const job = yield* manager.await(call.jobId, syncDeadlineMs === 0 ? undefined : Duration.millis(Math.max(0, left)))
    const answer = yield* syncAnswer(job, call.deduped, call.mcpServers, call.optimizeResponse === true)
    return { text: answer.text, structured: yield* Effect.orDie(Schema.encode(SyncRequestOutput)(answer.structured)) }
  })

/** "Run Claude Code (`claude -p`) on a prompt and return its reply." from the agent's summary. */
const firstSentence = (text: string): string => text.match(/^.*?\.(?=\s|$)/)?.[0] ?? text

const syncDescription = (cli: Cli): string =>
  `${firstSentence(agents[cli].summary).slice(0, -1)} (a jobId if it runs long).`

/**
 * Served beside its sync tool, the async twin lists only `prompt` and says
 * that it takes the sync tool's parameters (the model reads them once, not
 * twice); the server decodes every call with the full Schema, strictly.
 * Served without its twin, it lists all of its parameters.
 */
const asyncDescription = (cli: Cli, twinServed: boolean): string =>
  twinServed
    ? `Start ${agents[cli].label} in the background: a jobId for llm_job_wait. Takes the parameters of ` +
      `${cli}_request but optimizeResponse.`
    : `${firstSentence(agents[cli].summary).slice(0, -1)}, in the background: answers a jobId for llm_job_wait.`

/** What an async twin lists beside its sync tool: `prompt`, and room for the sync tool's other parameters. */
const twinInput = {
  type: "object",
  properties: { prompt: { type: "string", minLength: 1, maxLength: PROMPT_MAX_LENGTH } },
  required: ["prompt"]
} as const

const requestAnnotations = (title: string): Tool.ToolAnnotations => ({
  title,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true
})

const syncTool = <C extends Cli, S extends Schema.Schema.AnyNoContext>(cli: C, input: S) =>
  Tool.make({
    name: `${cli}_request`,
    description: syncDescription(cli),
    input,
    output: SyncRequestOutput,
    outputFields: ["text", "sessionId", "jobId", "deferred", "status", "nextOffset"],
    annotations: requestAnnotations(`Ask ${cli}`),
    handler: (request: RequestOf[C], context) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const config = yield* GatewayConfig
        const startedAt = yield* Clock.currentTimeMillis
        const optimize = "optimizeResponse" in request && request.optimizeResponse === true
        const attempt = (asked: RequestOf[C]) =>
          Effect.gen(function*() {
            const { deduped, job: accepted, mcpServers } = yield* manager.submit(cli, asked)
            yield* recordCall(encodeCall({
              kind: "sync",
              jobId: accepted.id,
              deduped,
              startedAt,
              ...(mcpServers === undefined ? {} : { mcpServers }),
              ...(optimize ? { optimizeResponse: true } : {})
            }))
            const job = yield* withJobProgress(
              accepted.id,
              context,
              manager.await(accepted.id, config.syncDeadlineMs === 0 ? undefined : Duration.millis(config.syncDeadlineMs))
            ).pipe(
              // MCP cancellation of the call ends the run it started (not one it merely joined).
              Effect.onInterrupt(() => deduped ? Effect.void : Effect.ignore(manager.cancel(accepted.id)))
            )
            return { deduped, job, mcpServers }
          })
        const first = yield* attempt(request)
        // A run it joined was canceled by the call that started it (a client retrying right after a cancel),
        // not by this one: this one runs anew.
        const { deduped, job, mcpServers } = first.deduped && first.job.status === "canceled"
          ? yield* attempt({ ...request, forceRefresh: true })
          : first
        return yield* syncAnswer(job, deduped, mcpServers, optimize)
      })
  })

const asyncTool = <C extends Cli, S extends Schema.Schema.AnyNoContext>(cli: C, input: S, twinServed: boolean) =>
  Tool.make({
    name: `${cli}_request_async`,
    description: asyncDescription(cli, twinServed),
    input,
    describeInput: !twinServed,
    listedInput: twinServed ? twinInput : undefined,
    output: AsyncRequestOutput,
    outputFields: ["jobId", "status"],
    annotations: requestAnnotations(`Start ${cli} in the background`),
    handler: (request: RequestOf[C]) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const startedAt = yield* Clock.currentTimeMillis
        const { deduped, job, mcpServers } = yield* manager.submit(cli, request)
        yield* recordCall(encodeCall({
          kind: "async",
          jobId: job.id,
          deduped,
          startedAt,
          ...(mcpServers === undefined ? {} : { mcpServers })
        }))
        return asyncAnswer(job, deduped, mcpServers)
      })
  })

/**
 * The request tools: each CLI's sync tool, then each CLI's async twin.
 *
 * @since 0.1.0
 */
export const requestTools = [
  ...allClis.map((cli) => syncTool(cli, agents[cli].request)),
  ...allClis.map((cli) => asyncTool(cli, agents[cli].asyncRequest, true))
]

const alone = new Map<Cli, (typeof requestTools)[number]>()

/**
 * A CLI's async twin as it is listed when its sync tool is not served: it
 * describes its parameters itself.
 *
 * @since 0.1.0
 */
export const asyncToolAlone = (cli: Cli) => {
  let tool = alone.get(cli)
  if (tool === undefined) {
    tool = asyncTool(cli, agents[cli].asyncRequest, false)
    alone.set(cli, tool)
  }
  return tool
}
