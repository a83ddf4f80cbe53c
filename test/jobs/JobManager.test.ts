/**
 * JobManager over a real SQLite file and a scripted CommandRunner whose
 * output follows the (test) clock: lifecycle, throttled flushes, cancel,
 * the queue, dedup and shutdown.
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { GatewayConfigShape } from "../../src/Config.js"
import * as Gateway from "../../src/Gateway.js"
import * as Principal from "../../src/domain/Principal.js"
import { JobManager } from "../../src/jobs/JobManager.js"
import * as Instances from "../../src/jobs/Instances.js"
import { JobStore, layer as JobStoreLayer, make as makeJobStore, type JobStoreShape } from "../../src/jobs/JobStore.js"
import * as JobManagerModule from "../../src/jobs/JobManager.js"
import * as ModelRegistry from "../../src/models/ModelRegistry.js"
import * as FlightRecorder from "../../src/observability/FlightRecorder.js"
import * as Metrics from "../../src/observability/Metrics.js"
import * as Services from "../../src/Services.js"
import * as SessionStore from "../../src/sessions/SessionStore.js"
import { testConfig, testDatabaseAt } from "../support/testDatabase.js"
import { advance, claudeRequest, settle } from "./clock.js"
import type { CommandSpec } from "../../src/process/CommandRunner.js"
import { Claude, ScriptedRunner } from "../../src/testing/index.js"

/** One claude stream-json line per step, written at the step's time. */
interface Step {
  readonly afterMs: number
  readonly text: string
}

/** claude's whole output for a reply of `text` (init, the message, the result), from the test kit. */
const resultLine = (text: string) => Claude.success(text, { sessionId: "s-1" }).stdout

/** A runner that plays steps on the clock; every spec it saw is kept. */
const scriptedRunner = (steps: (spec: CommandSpec) => ReadonlyArray<Step>, seen: Array<CommandSpec>) =>
  ScriptedRunner.layer(
    (spec) => ({
      pid: 4242,
      path: "/fake/claude",
      chunks: steps(spec).map((step) => ({ stream: "stdout" as const, text: step.text, afterMs: step.afterMs }))
    }),
    { seen }
  )

const managerLayer = (
  steps: (spec: CommandSpec) => ReadonlyArray<Step>,
  seen: Array<CommandSpec>,
  config: Partial<GatewayConfigShape> = {},
  path = join(mkdtempSync(join(tmpdir(), "gateway-manager-")), "gateway.db")
) => {
  return Gateway.layerServicesWith(scriptedRunner(steps, seen), CliIdentity.layerTrusting).pipe(
    Layer.provideMerge(testConfig({ databasePath: path, ...config }))
  )
}

const request = claudeRequest

/** `managerLayer`, on the real JobStore with some of its operations changed by `change`. */
const changedStoreLayer = (
  steps: (spec: CommandSpec) => ReadonlyArray<Step>,
  seen: Array<CommandSpec>,
  config: Partial<GatewayConfigShape>,
  change: (real: JobStoreShape) => JobStoreShape,
  path = join(mkdtempSync(join(tmpdir(), "gateway-manager-")), "gateway.db")
) =>
  JobManagerModule.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        Layer.effect(JobStore, Effect.map(makeJobStore, change)),
        Instances.layer,
        SessionStore.layer,
        Services.layerApprovals,
        ModelRegistry.layer,
        Services.layerMcpServers,
        Services.layerRunners(scriptedRunner(steps, seen), CliIdentity.layerTrusting),
        FlightRecorder.layer
      )
    ),
    Layer.provideMerge(Metrics.layer),
    Layer.provideMerge(Services.layerDatabase),
    Layer.provideMerge(testConfig({ databasePath: path, ...config }))
  )

/** A store whose first output flush never answers (a store that stalls mid-write): the flush is cut off when the run ends. */
const stallingFlushLayer = (
  steps: (spec: CommandSpec) => ReadonlyArray<Step>,
  seen: Array<CommandSpec>,
  config: Partial<GatewayConfigShape>
) => {
  let flushes = 0
  return changedStoreLayer(steps, seen, config, (real) => ({
    ...real,
    appendOutput: (id, flush) => ++flushes === 1 ? Effect.never : real.appendOutput(id, flush)
  }))
}

const JobStoreOnly = (path: string) =>
  Layer.provideMerge(JobStoreLayer, testDatabaseAt(path))

const quick = () => [{ afterMs: 10, text: resultLine("done") }]

describe("JobManager", () => {
  it.effect("a job goes queued → running → completed, and the reply is kept", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { deduped, job } = yield* manager.submit("claude", request("hello"))
      expect(deduped).toBe(false)
      expect(job.status).toBe("queued")
      const waiting = yield* Effect.fork(manager.await(job.id, undefined))
      yield* advance(20)
      const done = yield* Fiber.join(waiting)
      expect(done.status).toBe("completed")
      expect(done.reply?.chars).toBe(4)
      expect(yield* (yield* JobStore).readReply(job.id, 0, 100)).toBe("done")
      expect(done.reply?.sessionId).toBe("s-1")
      expect(done.pid).toBe(4242)
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(managerLayer(quick, seen)))
  })

  it.effect("output is flushed to the row at most once per interval while the job runs", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [
      { afterMs: 100, text: "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-1\"}\n" },
      { afterMs: 100, text: "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"part\"}]}}\n" },
      { afterMs: 2_000, text: resultLine("part") }
    ]
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const store = yield* JobStore
      const { job } = yield* manager.submit("claude", request("stream"))
      const chars = Effect.map(store.get(job.id), (j) => Option.getOrThrow(j).stdoutChars)
      yield* advance(250)
      expect(yield* chars).toBe(0) // two chunks arrived, no flush yet
      yield* advance(800)
      const flushed = yield* chars
      expect(flushed).toBeGreaterThan(0) // one flush after the interval
      expect(yield* store.readOutput(job.id, "stdout", 0, 10_000)).toContain("part")
      yield* advance(500)
      expect(yield* chars).toBe(flushed) // nothing new, nothing written
      yield* advance(1_000)
      const done = yield* manager.await(job.id, undefined)
      expect(done.status).toBe("completed")
      expect(done.stdoutChars).toBeGreaterThan(flushed) // the last output came with the final state
    }).pipe(Effect.provide(managerLayer(steps, seen, { flushIntervalMs: 1_000 })))
  })

  it.effect("a flush cut off by the run's end (the store slow to answer) is written with the final state: no output lost", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [
      { afterMs: 100, text: "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-1\"}\n" },
      { afterMs: 100, text: "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"first part\"}]}}\n" },
      { afterMs: 1_500, text: resultLine("first part") }
    ]
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const store = yield* JobStore
      const { job } = yield* manager.submit("claude", request("stalled flush"))
      // The flush at 1 s stalls; the run ends at 1.5 s and cuts it off.
      yield* advance(1_100)
      yield* advance(600)
      const done = yield* manager.await(job.id, undefined)
      expect(done.status).toBe("completed")
      const stored = yield* store.readOutput(job.id, "stdout", 0, 100_000)
      expect(stored.length).toBe(done.stdoutChars)
      expect(stored).toContain("\"subtype\":\"init\"")
      expect(stored).toContain("\"first part\"")
      expect(Option.getOrThrow(yield* store.get(job.id)).stdoutChars).toBe(stored.length)
    }).pipe(Effect.provide(stallingFlushLayer(steps, seen, { flushIntervalMs: 1_000 })))
  })

  it.effect("cancel interrupts the job: it is recorded canceled with the output it had, and no late result lands", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [
      { afterMs: 10, text: "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-9\"}\n" },
      { afterMs: 60_000, text: resultLine("too late") }
    ]
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", request("long"))
      yield* advance(50)
      const canceled = yield* manager.cancel(job.id)
      expect(canceled.status).toBe("canceled")
      expect(canceled.error?._tag).toBe("JobCanceled")
      expect(canceled.stdoutChars).toBeGreaterThan(0)
      yield* advance(120_000)
      const later = yield* manager.get(job.id)
      expect(later.status).toBe("canceled")
      expect(later.reply).toBeNull()
    }).pipe(Effect.provide(managerLayer(steps, seen)))
  })

  it.effect("beyond the limit jobs wait as queued and start in arrival order", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [{ afterMs: 1_000, text: resultLine("ok") }]
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const jobs = []
      for (const p of ["first", "second", "third"]) jobs.push((yield* manager.submit("claude", request(p))).job)
      yield* advance(10)
      const statuses = yield* Effect.forEach(jobs, (j) => Effect.map(manager.get(j.id), (x) => x.status))
      expect(statuses).toEqual(["running", "queued", "queued"])
      yield* advance(1_000)
      yield* advance(1_000)
      yield* advance(1_000)
      const done = yield* Effect.forEach(jobs, (j) => manager.await(j.id, undefined))
      expect(done.map((j) => j.status)).toEqual(["completed", "completed", "completed"])
      expect(seen.map((s) => s.stdin)).toEqual(["first", "second", "third"])
      const health = yield* manager.health
      expect(health.limits).toEqual({ global: 1, perCli: 1 })
    }).pipe(Effect.provide(managerLayer(steps, seen, { maxConcurrentJobs: 1, maxConcurrentJobsPerCli: 1 })))
  })

  it.effect("a slot is let go when the CLI ends: the next job starts while the first one's end is still being written", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [{ afterMs: 100, text: resultLine("ok") }]
    const written = Effect.runSync(Deferred.make<void>())
    let finishes = 0
    const slowFirstFinish = (real: JobStoreShape): JobStoreShape => ({
      ...real,
      finish: (id, final) => ++finishes === 1 ? Effect.zipRight(Deferred.await(written), real.finish(id, final)) : real.finish(id, final)
    })
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const first = (yield* manager.submit("claude", request("first"))).job
      const second = (yield* manager.submit("claude", request("second"))).job
      yield* advance(150)
      // The first CLI ended at 100 ms; its end is not written yet, and the second CLI runs.
      expect(seen.map((s) => s.stdin)).toEqual(["first", "second"])
      expect((yield* manager.get(first.id)).status).toBe("running")
      expect((yield* manager.get(second.id)).status).toBe("running")
      yield* Deferred.succeed(written, undefined)
      yield* advance(100)
      const done = yield* Effect.forEach([first, second], (j) => manager.await(j.id, undefined))
      expect(done.map((j) => j.status)).toEqual(["completed", "completed"])
    }).pipe(
      Effect.provide(
        changedStoreLayer(steps, seen, { maxConcurrentJobs: 1, maxConcurrentJobsPerCli: 1 }, slowFirstFinish)
      )
    )
  })

  it.effect("identical requests submitted together make one run; forceRefresh makes another", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const submitted = yield* Effect.all(Array.from({ length: 20 }, () => manager.submit("claude", request("same"))), {
        concurrency: "unbounded"
      })
      expect(new Set(submitted.map((s) => s.job.id)).size).toBe(1)
      expect(submitted.filter((s) => !s.deduped)).toHaveLength(1)
      const fresh = yield* manager.submit("claude", { ...request("same"), forceRefresh: true })
      expect(fresh.deduped).toBe(false)
      yield* advance(20)
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(managerLayer(quick, seen)))
  })

  it.effect("await with a time limit answers the job as it is when the time is up", () => {
    const seen: Array<CommandSpec> = []
    const steps = () => [{ afterMs: 10_000, text: resultLine("slow") }]
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", request("slow"))
      const waiting = yield* Effect.fork(manager.await(job.id, Duration.seconds(2)))
      yield* advance(3_000)
      const answer = yield* Fiber.join(waiting)
      expect(answer.status).toBe("running")
    }).pipe(Effect.provide(managerLayer(steps, seen)))
  })

  it.effect("a bug while a job runs fails the job with InternalError instead of leaving it running", () => {
    const seen: Array<CommandSpec> = []
    const steps = (): ReadonlyArray<Step> => {
      throw new Error("scripted bug")
    }
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", request("buggy"))
      const waiting = yield* Effect.fork(manager.await(job.id, undefined))
      yield* advance(10)
      const done = yield* Fiber.join(waiting)
      expect(done.status).toBe("failed")
      expect(done.error?._tag).toBe("InternalError")
      expect(done.error?.message).toContain("scripted bug")
    }).pipe(Effect.provide(managerLayer(steps, seen)))
  })

  it.effect("finished jobs, sessions and approval decisions past retention are purged at start-up; recent ones stay", () => {
    const path = join(mkdtempSync(join(tmpdir(), "gateway-manager-")), "gateway.db")
    const day = 24 * 3_600_000
    const old = { id: "00000000-0000-4000-8000-0000000000aa", createdAt: -40 * day }
    const recent = { id: "00000000-0000-4000-8000-0000000000bb", createdAt: -2 * day }
    const seed = Effect.flatMap(JobStore, (store) =>
      Effect.forEach([old, recent], (j) =>
        Effect.zipRight(
          store.insert({
            ...j,
            cli: "claude",
            requestKey: j.id,
            argv: [],
            cwd: "/",
            correlationId: "c",
            outputFormat: "text",
            ownerInstance: "gone",
            principal: "local"
          }, undefined),
          store.finish(j.id, { status: "completed", finishedAt: j.createdAt, exitCode: 0, signal: null, error: null, reply: { chars: 1 }, replyText: "r" })
        )))
    const seedOthers = Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.all([
        sql`INSERT INTO sessions (id, cli, kind, created_at, last_used_at) VALUES
          ('old-session', 'claude', 'cli', ${-40 * day}, ${-40 * day}), ('new-session', 'claude', 'cli', ${-2 * day}, ${-2 * day})`,
        sql`INSERT INTO approvals (id, created_at, cli, policy, status, risk, reasons_json, correlation_id, request_json) VALUES
          ('old-approval', ${-40 * day}, 'claude', 'strict', 'denied', 'high', '[]', 'c', '{}'),
          ('new-approval', ${-2 * day}, 'claude', 'strict', 'denied', 'high', '[]', 'c', '{}')`
      ]))
    return Effect.gen(function*() {
      yield* Effect.zipRight(seed, seedOthers).pipe(Effect.provide(JobStoreOnly(path)))
      const left = yield* Effect.gen(function*() {
        yield* settle
        const store = yield* JobStore
        const sql = yield* SqlClient.SqlClient
        return {
          jobs: (yield* store.list({ limit: 10 })).map((j) => j.id),
          sessions: (yield* sql<{ id: string }>`SELECT id FROM sessions ORDER BY id`).map((r) => r.id),
          approvals: (yield* sql<{ id: string }>`SELECT id FROM approvals ORDER BY id`).map((r) => r.id)
        }
      }).pipe(Effect.provide(Layer.merge(managerLayer(quick, [], { jobRetentionDays: 30 }, path), testDatabaseAt(path))))
      expect(left).toEqual({ jobs: [recent.id], sessions: ["new-session"], approvals: ["new-approval"] })
    })
  })

  it.effect("when the manager's scope closes, its running jobs are recorded canceled", () => {
    const seen: Array<CommandSpec> = []
    const path = join(mkdtempSync(join(tmpdir(), "gateway-manager-")), "gateway.db")
    const steps = () => [{ afterMs: 60_000, text: resultLine("never") }]
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(managerLayer(steps, seen, {}, path), scope)
      const manager = Layer.succeedContext(context)
      const jobId = yield* Effect.flatMap(JobManager, (m) => m.submit("claude", request("left running"))).pipe(
        Effect.map((s) => s.job.id),
        Effect.provide(manager)
      )
      yield* advance(10)
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.flatMap(JobStore, (store) => store.get(jobId)).pipe(
        Effect.provide(managerLayer(steps, [], {}, path))
      )
      expect(Option.getOrThrow(after).status).toBe("canceled")
    })
  })

  describe("principals", () => {
    const other = "token:b"
    const long = () => [{ afterMs: 60_000, text: resultLine("late") }]

    it.effect("another principal's job answers exactly as an unknown id: get, await, cancel; not listed, not counted", () => {
      const seen: Array<CommandSpec> = []
      return Effect.gen(function*() {
        const manager = yield* JobManager
        const store = yield* JobStore
        const { job } = yield* manager.submit("claude", request("mine"))
        yield* advance(10)
        expect(job.principal).toBe("local")
        const unknownId = "00000000-0000-4000-8000-000000000000"
        const asUnknown = (error: { readonly message: string }) => error.message.replace(job.id, unknownId)
        const unknown = yield* Effect.flip(manager.get(unknownId))
        const attempts = [manager.get(job.id), manager.await(job.id, Duration.millis(5)), manager.cancel(job.id)]
        for (const attempt of attempts) {
          const error = yield* Effect.flip(Principal.as(attempt, other))
          expect(error._tag).toBe("JobNotFound")
          expect(asUnknown(error)).toBe(unknown.message)
        }
        // The cancel did nothing: the job still runs for its principal.
        expect((yield* manager.get(job.id)).status).toBe("running")
        expect((yield* Principal.as(manager.health, other)).running).toEqual([])
        expect((yield* manager.health).running.map((r) => r.jobId)).toEqual([job.id])
        expect(yield* store.list({ limit: 10, principal: other })).toEqual([])
        expect((yield* store.list({ limit: 10, principal: "local" })).map((j) => j.id)).toEqual([job.id])
      }).pipe(Effect.provide(managerLayer(long, seen)))
    })

    it.effect("identical requests of one principal make one run; another principal's makes its own", () => {
      const seen: Array<CommandSpec> = []
      return Effect.gen(function*() {
        const manager = yield* JobManager
        const first = yield* manager.submit("claude", request("same"))
        const again = yield* manager.submit("claude", request("same"))
        const theirs = yield* Principal.as(manager.submit("claude", request("same")), other)
        expect(again).toMatchObject({ deduped: true, job: { id: first.job.id } })
        expect(theirs.deduped).toBe(false)
        expect(theirs.job.id).not.toBe(first.job.id)
        expect(theirs.job.principal).toBe(other)
        yield* advance(20)
        expect(seen).toHaveLength(2)
        expect((yield* Principal.as(manager.await(theirs.job.id, undefined), other)).status).toBe("completed")
      }).pipe(Effect.provide(managerLayer(quick, seen)))
    })
  })
})
