/**
 * Owns running jobs: each is a fiber in a FiberMap keyed by job id, whose
 * scope owns the CLI's process. It records every change of state in the
 * JobStore, flushes output at most once per interval, settles the final
 * state once, and answers status, wait and cancel for any job in the
 * database, whichever instance runs it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Cause from "effect/Cause"
import * as FiberMap from "effect/FiberMap"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { GatewayConfig } from "../Config.js"
import { agentFacts } from "../agents/facts.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { JobCanceled, JobNotFound, type StorageError } from "../domain/errors.js"
import * as Principal from "../domain/Principal.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { ApprovalPolicy } from "../approvals/ApprovalPolicy.js"
import { McpServerRegistry } from "../mcpServers/McpServerRegistry.js"
import { ModelRegistry } from "../models/ModelRegistry.js"
import type { FlightRecorder } from "../observability/FlightRecorder.js"
import type { Metrics } from "../observability/Metrics.js"
import type { CircuitBreaker } from "../resilience/CircuitBreaker.js"
import * as RequestObserver from "../observability/observe.js"
import { SessionStore } from "../sessions/SessionStore.js"
import { isFinal, type Job } from "../domain/Job.js"
import type { RequestOf } from "../providers/Providers.js"
import { awaitNotification, Notifications } from "../storage/Notifications.js"
import { makeJobRun } from "./jobRun.js"
import { awaitPeer, RecentJobs } from "./peerJobs.js"
import { dedupSince, requestKey } from "./Dedup.js"
import { forkHousekeeping } from "./housekeeping.js"
import { Instances } from "./Instances.js"
import { type Health, type SubmitError, type Submitted, toJobError } from "./jobOutcome.js"
import { type Reply, type ReplyError, type ReplyOptions, settledReply } from "./jobReply.js"
import { JobStore } from "./JobStore.js"
import { makeJobLookup } from "./jobLookup.js"
import { liveSummary, type LiveJob, makeLiveJob } from "./liveJob.js"
import { type PlannedRequest, RequestRunner } from "./RequestRunner.js"

/**
 * What the service answers, and the stored form of a failure (defined in
 * `jobs/jobOutcome`).
 *
 * @since 0.1.0
 */
export { type Health, type SubmitError, type Submitted, toJobError } from "./jobOutcome.js"

/**
 * Every typed failure a job can end with (defined in `domain/Job`).
 *
 * @since 0.1.0
 */
export type { JobFailure } from "../domain/Job.js"

/**
 * What `reply` answers and fails with, and how a reply is read (defined in
 * `jobs/jobReply`).
 *
 * @since 0.1.0
 */
export { type Reply, type ReplyError, type ReplyOptions, replyText, settledReply } from "./jobReply.js"

/**
 * @since 0.1.0
 */
export interface JobManagerShape {
  /** Accepts a request as a job (or finds the identical recent one) and starts it. */
  readonly submit: <C extends Cli>(
    cli: C,
    request: RequestOf[C],
    options?: { readonly cwd?: string | undefined }
  ) => Effect.Effect<Submitted, SubmitError>
  readonly get: (jobId: string) => Effect.Effect<Job, JobNotFound | StorageError>
  /**
   * The job as this instance runs it, at once, when it is queued or running
   * here and `principal` asked for it; otherwise undefined (ask `get`).
   */
  readonly peek: (jobId: string, principal: string) => Job | undefined
  /** Waits until the job is final or the time is up, then answers its state. */
  readonly await: (jobId: string, timeout: Duration.Duration | undefined) => Effect.Effect<Job, JobNotFound | StorageError>
  /**
   * News of a job for the life of the scope: the effect returned waits for
   * the next (its output grew, or it ended), on whichever host runs it
   * where the store's notifications cross hosts (PostgreSQL).
   */
  readonly watch: (jobId: string) => Effect.Effect<Effect.Effect<void>, never, Scope.Scope>
  /** Ends the job: at once when this instance runs it; otherwise recorded for its owner. */
  readonly cancel: (jobId: string) => Effect.Effect<Job, JobNotFound | StorageError>
  /**
   * Waits until the job ends, then answers its reply, or fails with the
   * typed failure it ended with (`Effect.catchTag("CliAuthRequired", …)`).
   * Given a `timeout`, fails with `TimeoutException` when the job is still
   * running then (it runs on: waiting never owns it).
   */
  readonly reply: {
    (
      jobId: string,
      options: ReplyOptions & { readonly timeout: Duration.DurationInput }
    ): Effect.Effect<Reply, ReplyError | Cause.TimeoutException>
    (jobId: string, options?: ReplyOptions): Effect.Effect<Reply, ReplyError>
  }
  readonly health: Effect.Effect<Health>
  /** This instance's id: a job it runs has it as `ownerInstance`. */
  readonly instanceId: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class JobManager extends Context.Tag("llm-cli-gateway/JobManager")<JobManager, JobManagerShape>() {}

/** How many of its finished jobs an instance answers from memory. */
const RECENT_JOBS = 1024

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const config = yield* GatewayConfig
  const store = yield* JobStore
  const runner = yield* RequestRunner
  const instances = yield* Instances
  const notifications = yield* Notifications
  const sessions = yield* SessionStore
  const approvals = yield* ApprovalPolicy
  const models = yield* ModelRegistry
  const mcpServers = yield* McpServerRegistry
  const observer = yield* RequestObserver.make
  const fibers = yield* FiberMap.make<string>()
  const live = new Map<string, LiveJob>()
  /** Its last finished jobs, answered without reading the store. */
  const recent = new RecentJobs(RECENT_JOBS, config.jobRetentionDays * 86_400_000)
  const globalSlots = yield* Effect.makeSemaphore(config.maxConcurrentJobs)
  const cliSlots: Readonly<Record<Cli, Effect.Semaphore>> = Object.fromEntries(
    yield* Effect.forEach(allClis, (cli) => Effect.map(Effect.makeSemaphore(config.maxConcurrentJobsPerCli), (s) => [cli, s]))
  )
  const self = instances.self

  const { find, get, peek } = makeJobLookup({ store, live, recent })

  const { body, settle } = makeJobRun({
    config,
    store,
    runner,
    sessions,
    observer,
    live,
    recent,
    find,
    globalSlots,
    cliSlots
  })

  const start = (job: Job, planned: PlannedRequest, gatewaySessionId: string | undefined) =>
    Effect.gen(function*() {
      const entry = yield* makeLiveJob(job, config.maxOutputBytes)
      live.set(job.id, entry)
      // The run is its principal's whoever forked it: what it records (its CLI session) is theirs.
      yield* FiberMap.run(fibers, job.id, Principal.as(body(job, planned, entry, gatewaySessionId), job.principal))
    })

  const submit = <C extends Cli>(cli: C, request: RequestOf[C], options: { readonly cwd?: string | undefined } = {}) =>
    Effect.suspend(() => {
      const correlationId = request.correlationId ?? randomUUID()
      return submitAs(cli, request, options, correlationId).pipe(
        // A request refused before it became a job is part of the record too.
        Effect.tapError((error) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            observer.refused({ cli, request, correlationId, error, instanceId: self.id, at }))
        ),
        Effect.annotateLogs({ correlationId, cli })
      )
    })

  const submitAs = <C extends Cli>(
    cli: C,
    request: RequestOf[C],
    options: { readonly cwd?: string | undefined },
    correlationId: string
  ) =>
    Effect.gen(function*() {
      // A gateway session id (gw-…) stands for the CLI conversation it is linked to.
      const gatewaySessionId = !request.createNewSession && request.sessionId?.startsWith("gw-")
        ? request.sessionId
        : undefined
      const withSession: RequestOf[C] = gatewaySessionId === undefined
        ? request
        : { ...request, sessionId: yield* sessions.resolveSessionId(cli, gatewaySessionId) }
      // Aliases, `latest` and `default` become the model they stand for (or no model flag at all).
      const { model } = yield* models.resolveModel(cli, request.model)
      const { model: _asked, ...rest } = withSession
      const resolved = (model === undefined ? rest : { ...rest, model }) as RequestOf[C]
      // A request the adapter refuses (a comma in a gemini tool name, say) is refused before any decision is
      // recorded: the approval log holds only requests that could run.
      yield* runner.plan(cli, resolved, { ...options, correlationId, context: { bypassAllowed: false } })
      const decision = yield* approvals.evaluate(cli, resolved, { correlationId })
      // The CLIs that take MCP servers get the named ones the user's registry defines; strict fails on a missing one.
      const mcp = agentFacts[cli].takesMcpServers
        ? yield* mcpServers.resolve(request.mcpServers, {
          strict: "strictMcpConfig" in request && request.strictMcpConfig === true
        })
        : undefined
      const planned = yield* runner.plan(cli, resolved, {
        ...options,
        correlationId,
        context: { bypassAllowed: decision.bypass, mcpServers: mcp }
      })
      // Reported when the request named servers (none are asked for by default).
      const mcpReport = mcp === undefined || mcp.requested.length === 0
        ? undefined
        : { requested: mcp.requested, enabled: mcp.enabled, missing: mcp.missing }
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* store.insert(
        {
          id: randomUUID(),
          cli,
          requestKey: requestKey(planned),
          argv: planned.invocation.args,
          cwd: planned.cwd,
          correlationId,
          outputFormat: planned.invocation.outputFormat,
          ownerInstance: self.id,
          principal: yield* CurrentPrincipal,
          createdAt: now
        },
        dedupSince(now, config.dedupWindowMs, request.forceRefresh)
      )
      if (decision.strategy === "mcp_managed" && decision.approvalId !== undefined) {
        yield* approvals.linkJob(decision.approvalId, outcome.job.id)
      }
      // Before the job starts, so its end always finds its row.
      yield* observer.accepted({
        cli,
        correlationId,
        request,
        model,
        job: outcome.job,
        deduped: outcome._tag === "Duplicate",
        decision,
        instanceId: self.id,
        at: now
      })
      if (outcome._tag === "Duplicate") return { job: outcome.job, deduped: true, mcpServers: mcpReport }
      yield* start(outcome.job, planned, gatewaySessionId)
      return { job: outcome.job, deduped: false, mcpServers: mcpReport }
    })

  const awaitJob = (jobId: string, timeout: Duration.Duration | undefined) =>
    Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      const found = live.get(jobId)
      // Another principal's live job is waited on as an unknown one: the row says so.
      const entry = found !== undefined && found.job.principal === principal ? found : undefined
      const waitDone: Effect.Effect<Job, JobNotFound | StorageError> = entry !== undefined
        ? Deferred.await(entry.done)
        : awaitPeer(notifications, get, jobId)
      if (timeout === undefined) return yield* waitDone
      const finished = yield* Effect.timeout(waitDone, timeout).pipe(
        Effect.catchTag("TimeoutException", () => Effect.succeed(undefined))
      )
      return finished ?? (yield* get(jobId))
    })

  /**
   * Interrupts a job of ours and records it canceled. Its own finalizer
   * normally records that; a job interrupted before it began never ran one.
   */
  const stopLocal = (jobId: string, message: string, retryWrite = true) =>
    Effect.gen(function*() {
      const entry = live.get(jobId)
      yield* FiberMap.remove(fibers, jobId)
      if (entry === undefined) return
      yield* settle(jobId, entry, {
        status: "canceled",
        finishedAt: yield* Clock.currentTimeMillis,
        exitCode: null,
        signal: null,
        error: toJobError(new JobCanceled({ message, jobId })),
        reply: null
      }, retryWrite)
    })

  const cancel = (jobId: string) =>
    Effect.gen(function*() {
      // Only the principal's own job; the check reads the row, which a live job has too.
      yield* get(jobId)
      if (live.has(jobId)) {
        yield* stopLocal(jobId, "the job was canceled")
        return yield* get(jobId)
      }
      const job = yield* get(jobId)
      if (isFinal(job.status)) return job
      yield* store.requestCancel(jobId, yield* Clock.currentTimeMillis)
      if (yield* instances.isGone(job.ownerInstance)) yield* instances.reapOrphans
      return yield* get(jobId)
    })

  // The caller's own jobs only: another principal's are not even counted.
  const health = Effect.map(CurrentPrincipal, (principal): Health => ({
    instanceId: self.id,
    pid: self.pid,
    ...liveSummary(live, principal),
    limits: { global: config.maxConcurrentJobs, perCli: config.maxConcurrentJobsPerCli }
  }))

  // On shutdown, end every job and record it canceled, started or still queued.
  yield* Effect.addFinalizer(() =>
    Effect.forEach(
      [...live.keys()],
      // Written once: a store out of reach does not hold up the shutdown (the next instance orphans the job).
      (jobId) => stopLocal(jobId, "the server shut down while the job ran", false),
      { concurrency: "unbounded", discard: true }
    )
  )

  const reply = (
    jobId: string,
    options: ReplyOptions & { readonly timeout?: Duration.DurationInput | undefined } = {}
  ): Effect.Effect<Reply, ReplyError | Cause.TimeoutException> => {
    const ended = awaitJob(jobId, undefined)
    return Effect.flatMap(
      options.timeout === undefined ? ended : Effect.timeout(ended, options.timeout),
      (job) => Effect.provideService(settledReply(job, options), JobStore, store)
    )
  }

  const watch: JobManagerShape["watch"] = (jobId) =>
    Effect.map(notifications.subscribe, (news) =>
      Effect.asVoid(
        awaitNotification(news, (n) => (n._tag === "JobOutput" || n._tag === "JobEnded") && n.jobId === jobId)
      ))

  yield* forkHousekeeping(stopLocal)

  return {
    submit,
    get,
    peek,
    await: awaitJob,
    watch,
    cancel,
    reply: reply as JobManagerShape["reply"],
    health,
    instanceId: self.id
  } satisfies JobManagerShape
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  JobManager,
  never,
  | GatewayConfig
  | JobStore
  | RequestRunner
  | Instances
  | Notifications
  | SessionStore
  | ApprovalPolicy
  | ModelRegistry
  | McpServerRegistry
  | FlightRecorder
  | Metrics
  | CircuitBreaker
> = Layer.scoped(JobManager, make)
