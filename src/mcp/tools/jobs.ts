/**
 * The job tools: `llm_job_status`, `llm_job_wait`, `llm_job_result`,
 * `llm_job_cancel`, `llm_process_health`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Cli } from "../../domain/Cli.js"
import { InvalidRequest } from "../../domain/errors.js"
import { withDefault } from "../../domain/fields.js"
import { isFinal, type Job, JobId } from "../../domain/Job.js"
import { CurrentPrincipal } from "../../domain/Principal.js"
import { JobManager } from "../../jobs/JobManager.js"
import { JobStore } from "../../jobs/JobStore.js"
import { mib, ProcessMemory, processMemory } from "../../observability/processMemory.js"
import { GatewayConfig } from "../../Config.js"
import { fitJsonChars, pageBytes } from "../answerSize.js"
import * as Tool from "../Tool.js"
import { withJobProgress } from "./jobProgress.js"
import { jobLine, jobStatus, JobStatusView } from "./jobView.js"

/**
 * A page of a job's reply (or raw output) beside its status.
 *
 * @since 0.1.0
 */
export const JobResultPage = Schema.extend(
  JobStatusView,
  Schema.Struct({
    source: Schema.Literal("reply", "stdout"),
    text: Schema.String,
    offset: Schema.Number,
    returnedChars: Schema.Number,
    totalChars: Schema.Number,
    nextOffset: Schema.NullOr(Schema.Number).annotations({ description: "Where the next page starts; null at the end." }),
    stderrTail: Schema.optional(Schema.String)
  })
)

/**
 * The jobs this server runs now (`llm_process_health`).
 *
 * @since 0.1.0
 */
export const ProcessHealth = Schema.Struct({
  instanceId: Schema.String,
  pid: Schema.Number,
  running: Schema.Array(Schema.Struct({
    jobId: Schema.String,
    cli: Cli,
    pid: Schema.NullOr(Schema.Number),
    startedAt: Schema.NullOr(Schema.Number),
    attemptCount: Schema.Number,
    lastOutputAt: Schema.NullOr(Schema.Number),
    stdoutBytes: Schema.Number
  })),
  queued: Schema.Number,
  limits: Schema.Struct({ global: Schema.Number, perCli: Schema.Number }),
  memory: ProcessMemory
})

/** The fields of a job's status the listed output schemas name (the answer carries them all). */
const STATUS_FIELDS = ["jobId", "status", "exitCode", "error", "resultChars", "sessionId"] as const

/** The decoder checks that a job id is a UUID; the listing says only that it is a string. */
const JobIdParameter = JobId.annotations({ jsonSchema: { type: "string" } })

/**
 * A job's status. A finished job's is `final`: it never changes, and the
 * server answers the same call again without asking (`finalAnswers.ts`), as
 * a polling client asks again and again.
 */
const statusOf = (job: Job, instanceId: string): Tool.Answer<JobStatusView> => {
  const answer = { text: jobLine(job), structured: jobStatus(job, { selfInstance: instanceId }) }
  return isFinal(job.status) ? { ...answer, final: true } : answer
}

const statusAnswer = (jobId: string) =>
  Effect.gen(function*() {
    const manager = yield* JobManager
    return statusOf(yield* manager.get(jobId), manager.instanceId)
  })

/**
 * The status of a job this instance runs, from memory and at once: what a
 * polling client asks most (`Tool.callNow`); any other job's takes the
 * call's path.
 */
const statusNow = (jobId: string, services: Context.Context<JobManager>): Tool.Answer<JobStatusView> | undefined => {
  const manager = Context.get(services, JobManager)
  const job = manager.peek(jobId, Context.get(services, CurrentPrincipal))
  return job === undefined ? undefined : statusOf(job, manager.instanceId)
}

/** @since 0.1.0 */
export const llmJobStatus = Tool.make({
  name: "llm_job_status",
  description: "A job's state: status, timings, exit code, error, output size.",
  input: Schema.Struct({ jobId: JobIdParameter }),
  output: JobStatusView,
  outputFields: STATUS_FIELDS,
  annotations: Tool.readOnly("Job status"),
  handler: ({ jobId }) => statusAnswer(jobId),
  answerNow: ({ jobId }, services) => statusNow(jobId, services)
})

/** @since 0.1.0 */
export const WAIT_MAX_MS = 600_000

/** @since 0.1.0 */
export const llmJobWait = Tool.make({
  name: "llm_job_wait",
  description: "Wait up to timeoutMs for a job to end, then answer as llm_job_status.",
  input: Schema.Struct({
    jobId: JobIdParameter,
    timeoutMs: withDefault(Schema.Int.pipe(Schema.between(0, WAIT_MAX_MS)), 30_000)
  }),
  output: JobStatusView,
  outputFields: STATUS_FIELDS,
  annotations: Tool.readOnly("Wait for a job"),
  handler: ({ jobId, timeoutMs }, context) =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      yield* withJobProgress(jobId, context, manager.await(jobId, Duration.millis(timeoutMs)))
      return yield* statusAnswer(jobId)
    })
})

/** @since 0.1.0 */
export const llmJobResult = Tool.make({
  name: "llm_job_result",
  description: "A page of a job's reply (before it completes, of its output so far); read on from nextOffset.",
  input: Schema.Struct({
    jobId: JobIdParameter,
    maxChars: withDefault(Schema.Int.pipe(Schema.between(1000, 2_000_000)), 200_000),
    offset: withDefault(Schema.Int.pipe(Schema.greaterThanOrEqualTo(0)), 0)
  }),
  output: JobResultPage,
  outputFields: ["jobId", "status", "text", "nextOffset", "totalChars"],
  annotations: Tool.readOnly("Job result"),
  handler: ({ jobId, maxChars, offset }) =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const store = yield* JobStore
      const job = yield* manager.get(jobId)
      const fromReply = job.reply !== null
      const total = fromReply ? job.reply!.chars : job.stdoutChars
      if (offset > total) {
        return yield* new InvalidRequest({
          message: `offset ${offset} is past the end of job ${jobId}'s ${fromReply ? "reply" : "output"} (${total} characters)`,
          field: "offset"
        })
      }
      const read = fromReply
        ? yield* store.readReply(jobId, offset, maxChars)
        : yield* store.readOutput(jobId, "stdout", offset, maxChars)
      // maxChars counts characters; a page is also cut to what fits the answer budget once JSON-escaped
      // (a control character weighs 6 bytes), and nextOffset goes on from where it was cut.
      const { maxAnswerBytes } = yield* GatewayConfig
      const page = read.slice(0, fitJsonChars(read, pageBytes(maxAnswerBytes)))
      const end = offset + page.length
      const stderrTail = job.status === "completed" || job.stderrChars === 0
        ? ""
        : yield* store.readOutput(jobId, "stderr", Math.max(0, job.stderrChars - 4000), 4000)
      return {
        text: page,
        structured: {
          ...jobStatus(job),
          source: fromReply ? "reply" as const : "stdout" as const,
          text: page,
          offset,
          returnedChars: page.length,
          totalChars: total,
          nextOffset: end < total ? end : null,
          ...(stderrTail !== "" ? { stderrTail } : {})
        }
      }
    })
})

/** @since 0.1.0 */
export const llmJobCancel = Tool.make({
  name: "llm_job_cancel",
  description: "Cancel a job: its CLI's process group is ended.",
  input: Schema.Struct({ jobId: JobIdParameter }),
  output: JobStatusView,
  outputFields: STATUS_FIELDS,
  annotations: { title: "Cancel a job", readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ jobId }) =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const job = yield* manager.cancel(jobId)
      return { text: jobLine(job), structured: jobStatus(job) }
    })
})

/** @since 0.1.0 */
export const llmProcessHealth = Tool.make({
  name: "llm_process_health",
  description: "The jobs this server runs and queues, its limits and its memory.",
  input: Schema.Struct({}),
  output: ProcessHealth,
  annotations: Tool.readOnly("Process health"),
  handler: () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const health = yield* manager.health
      const memory = processMemory()
      return {
        text: `${health.running.length} job(s) running, ${health.queued} queued (limits: ${health.limits.global} in all, ` +
          `${health.limits.perCli} per CLI). Memory: ${mib(memory.rssBytes)} resident, ${mib(memory.peakRssBytes)} at peak ` +
          `(V8 heap mode: ${memory.heapMode}).`,
        structured: { ...health, memory }
      }
    })
})

/** @since 0.1.0 */
export const jobTools = [llmJobStatus, llmJobWait, llmJobResult, llmJobCancel, llmProcessHealth] as const
