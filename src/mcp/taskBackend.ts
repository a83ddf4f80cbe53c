/**
 * Tasks served from jobs: the request tools (`claude_request`, …, and their
 * `*_async` twins) can be called as tasks, and a task IS the job the call
 * starts (the task id is the job id). So a task is as durable as a job,
 * shares its dedup, is seen by `llm_job_status`, and is served by any
 * server on the same database.
 *
 * @since 0.1.0
 */
import { CurrentPrincipal } from "../domain/Principal.js"
import type { Task } from "@modelcontextprotocol/sdk/types.js"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { GatewayConfig } from "../Config.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { type GatewayError, InvalidRequest } from "../domain/errors.js"
import { isFinal, type Job, type JobStatus } from "../domain/Job.js"
import { JobManager } from "../jobs/JobManager.js"
import { JobStore } from "../jobs/JobStore.js"
import { agents, type RequestOf } from "../agents/registry.js"
import type { TaskBackend } from "./taskHandlers.js"
import { invalidArguments, shallowArguments, type ToolAnswer } from "./Tool.js"
import { withJobProgress } from "./tools/jobProgress.js"
import { jobLine, jobStatus } from "./tools/jobView.js"
import type { ToolServices } from "./tools/index.js"
import { AsyncRequestOutput, RequestReply, settledAnswer } from "./tools/requests.js"

/**
 * How often a client is asked to poll `tasks/get`.
 *
 * @since 0.1.0
 */
export const POLL_INTERVAL_MS = 1_000

/**
 * Tasks per `tasks/list` page.
 *
 * @since 0.1.0
 */
export const PAGE_SIZE = 50

/** How long `tasks/cancel` waits for another server to end a job it runs. */
const PEER_CANCEL_WAIT = Duration.seconds(3)

/**
 * A job's status as a task's (`input_required` is never used).
 *
 * @since 0.1.0
 */
export const taskStatus = (status: JobStatus): Task["status"] => {
  switch (status) {
    case "queued":
    case "running":
      return "working"
    case "completed":
      return "completed"
    case "failed":
    case "orphaned":
      return "failed"
    case "canceled":
      return "cancelled"
  }
}

/**
 * A job as a task. Its `ttl` is the job retention (counted from the job's
 * end, where the specification counts from creation: a job is never purged
 * while it runs).
 *
 * @since 0.1.0
 */
export const toTask = (job: Job, ttlMs: number | null): Task => {
  const updated = Math.max(job.createdAt, job.startedAt ?? 0, job.finishedAt ?? 0, job.cancelRequestedAt ?? 0)
  return {
    taskId: job.id,
    status: taskStatus(job.status),
    statusMessage: jobLine(job),
    createdAt: new Date(job.createdAt).toISOString(),
    lastUpdatedAt: new Date(updated).toISOString(),
    ttl: ttlMs,
    pollInterval: POLL_INTERVAL_MS
  }
}

const encodeReply = Schema.encode(RequestReply)
const encodeAsync = Schema.encode(AsyncRequestOutput)

/**
 * What a sync request tool answers for its ended job: the reply, or the
 * job's typed failure.
 */
const syncAnswer = (job: Job): Effect.Effect<ToolAnswer, GatewayError, ToolServices> =>
  Effect.flatMap(settledAnswer(job, false), (answer) =>
    // Our own Schema refusing our own answer is a bug: a defect.
    Effect.map(Effect.orDie(encodeReply(answer.structured)), (structured) => ({ text: answer.text, structured })))

/** What an async request tool answers for a job: its status (here, as it ended). */
const asyncAnswer = (job: Job): Effect.Effect<ToolAnswer, GatewayError, ToolServices> =>
  Effect.map(Effect.orDie(encodeAsync(jobStatus(job, { deduped: false }))), (structured) => ({
    text: jobLine(job),
    structured
  }))

/**
 * The tools that can be called as tasks: the CLI they run, the request they
 * decode, and their answer for the job once it has ended.
 */
interface TaskTool {
  readonly cli: Cli
  readonly input: Schema.Schema.AnyNoContext
  readonly answer: (job: Job) => Effect.Effect<ToolAnswer, GatewayError, ToolServices>
}
const taskTools: Readonly<Record<string, TaskTool>> = Object.fromEntries(
  allClis.flatMap((cli) => [
    [`${cli}_request`, { cli, input: agents[cli].request, answer: syncAnswer }],
    [`${cli}_request_async`, { cli, input: agents[cli].asyncRequest, answer: asyncAnswer }]
  ])
)

const decoders = new Map<string, (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>>()
const decoderOf = (tool: string, input: Schema.Schema.AnyNoContext) => {
  let decoder = decoders.get(tool)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknown(input, { onExcessProperty: "error", errors: "all" })
    decoders.set(tool, decoder)
  }
  return decoder
}

/** A `tasks/list` cursor: where the previous page ended. */
const Cursor = Schema.parseJson(Schema.Struct({ createdAt: Schema.Number, id: Schema.String }))
const encodeCursor = (job: Job): string =>
  Buffer.from(Schema.encodeSync(Cursor)({ createdAt: job.createdAt, id: job.id })).toString("base64url")
const decodeCursor = (cursor: string) =>
  Schema.decodeUnknown(Cursor)(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
    Effect.mapError(() => new InvalidRequest({ message: `cursor ${JSON.stringify(cursor)} is not one that tasks/list gave` }))
  )

const ttlMs = Effect.map(GatewayConfig, (config) => config.jobRetentionDays * 24 * 3_600_000)

const taskOf = (job: Job) => Effect.map(ttlMs, (ttl) => toTask(job, ttl))

/** How many task creators a server remembers. */
const REMEMBERED = 4096

/**
 * The tasks of the gateway, on its JobManager and JobStore (one backend per
 * server).
 *
 * A server remembers which tool created its newest tasks, so that
 * `tasks/result` answers as that tool would: a sync tool with the reply, an
 * async twin with the job's status. A task it did not create (another
 * server's, or one from before a restart) answers as the sync tool.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): TaskBackend<ToolServices> => {
  const createdBy = new Map<string, TaskTool>()
  const remember = (taskId: string, tool: TaskTool) => {
    createdBy.delete(taskId)
    createdBy.set(taskId, tool)
    if (createdBy.size > REMEMBERED) createdBy.delete(createdBy.keys().next().value!)
  }
  return {
    supports: (tool) => Object.hasOwn(taskTools, tool),

    create: (tool, args) =>
      Effect.gen(function*() {
        const taskTool = taskTools[tool]!
        const { cli, input } = taskTool
        yield* shallowArguments(tool, args)
        const request = yield* Effect.suspend(() => decoderOf(tool, input)(args ?? {})).pipe(
          Effect.mapError((e) => invalidArguments(tool, e))
        )
        const manager = yield* JobManager
        const { deduped, job, mcpServers } = yield* manager.submit(cli, request as RequestOf[typeof cli])
        remember(job.id, taskTool)
        const meta: Record<string, unknown> = { "llm-cli-gateway/deduped": deduped }
        if (mcpServers !== undefined) meta["llm-cli-gateway/mcpServers"] = mcpServers
        return { task: yield* taskOf(job), meta }
      }),

    get: (taskId) => Effect.flatMap(JobManager, (manager) => Effect.flatMap(manager.get(taskId), taskOf)),

    result: (taskId) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const job = yield* manager.await(taskId, undefined)
        const answer = createdBy.get(taskId)?.answer ?? syncAnswer
        return yield* Effect.either(answer(job))
      }),

    list: (cursor) =>
      Effect.gen(function*() {
        const store = yield* JobStore
        const before = cursor === undefined ? undefined : yield* decodeCursor(cursor)
        const jobs = yield* store.list({ limit: PAGE_SIZE + 1, before, principal: yield* CurrentPrincipal })
        const page = jobs.slice(0, PAGE_SIZE)
        const tasks = yield* Effect.forEach(page, taskOf)
        return jobs.length > PAGE_SIZE ? { tasks, nextCursor: encodeCursor(page[page.length - 1]!) } : { tasks }
      }),

    cancel: (taskId) =>
      Effect.gen(function*() {
        const manager = yield* JobManager
        const before = yield* manager.get(taskId)
        if (isFinal(before.status)) {
          return yield* new InvalidRequest({
            message: `task ${taskId} has already ended (${taskStatus(before.status)}): it cannot be cancelled`
          })
        }
        const job = yield* manager.cancel(taskId)
        // A job another server runs ends when its owner sees the request (about a second).
        const settled = isFinal(job.status) ? job : yield* manager.await(taskId, PEER_CANCEL_WAIT)
        return yield* taskOf(settled)
      }),

    follow: (taskId, context) =>
      Effect.ignore(
        Effect.flatMap(JobManager, (manager) => withJobProgress(taskId, context, manager.await(taskId, undefined)))
      )
  }
}
