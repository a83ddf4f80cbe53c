/**
 * A job's attempts: each run of its CLI (a transient failure retried is the
 * next attempt) is recorded with its start, duration and error; the job's
 * start is the first attempt's. Over SQLite and a scripted CommandRunner
 * whose runs take time on the test clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import * as Gateway from "../../src/Gateway.js"
import { attemptFailed, attemptsEnded, attemptStarted } from "../../src/jobs/attempts.js"
import * as Principal from "../../src/domain/Principal.js"
import { CurrentPrincipal } from "../../src/domain/Principal.js"
import { JobManager } from "../../src/jobs/JobManager.js"
import { JobStore, layer as JobStoreLayer } from "../../src/jobs/JobStore.js"
import { llmJobStatus, llmJobWait } from "../../src/mcp/tools/jobs.js"
import { jobLine, jobStatus } from "../../src/mcp/tools/jobView.js"
import type { CommandSpec } from "../../src/process/CommandRunner.js"
import { testConfig, testDatabaseAt, testStore } from "../support/testDatabase.js"
import { Claude, type CliRun, exited, ScriptedRunner } from "../../src/testing/index.js"
import { advance, claudeRequest } from "./clock.js"

const OK: CliRun = Claude.success("ok", { sessionId: "s1" })
/** A wall-clock timeout (`timeout(1)`'s exit code): transient, so the gateway runs the CLI again. */
const TIMEOUT: CliRun = exited(124, "", "stopped at the wall-clock limit\n")

/** How long each scripted run takes after its spawn (test clock). */
const RUN_MS = 300

/**
 * A runner whose n-th run of a job (from 1) spawns, runs RUN_MS, then
 * answers `script(n)`; the specs of the jobs' runs are kept. Any other
 * command (a probe of the binary, which is told of no spawn) fails at once,
 * so it tells nothing and the binary is used.
 */
const scriptedRunner = (script: (n: number) => CliRun, seen: Array<CommandSpec>) =>
  ScriptedRunner.layer((spec) => {
    if (spec.onSpawn === undefined) return exited(1, "")
    seen.push(spec)
    return ScriptedRunner.play(script(seen.length), { firstAfterMs: RUN_MS, pid: 1000 + seen.length, path: "/fake/claude" })
  })

/**
 * How long a run that ended the job lasted, as recorded: RUN_MS. On
 * PostgreSQL the test may move the clock (in 100 ms steps) while a query of
 * the job's end is in flight, so its end can be read up to one step late.
 */
const ranForRunMs = (durationMs: number | null) => {
  expect(durationMs).toBeGreaterThanOrEqual(RUN_MS)
  expect(durationMs).toBeLessThanOrEqual(testStore() === "postgres" ? RUN_MS + 100 : RUN_MS)
}

/** The services over an in-memory database, with 3 attempts, 1 s then 2 s apart (less jitter). */
const managerLayer = (script: (n: number) => CliRun, seen: Array<CommandSpec>) =>
  Gateway.layerServicesWith(scriptedRunner(script, seen), CliIdentity.layerTrusting).pipe(
    Layer.provideMerge(testConfig({ retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 } }))
  )

const request = claudeRequest

/** Submits a request and moves the clock until its job ends. */
const runToEnd = (prompt: string) =>
  Effect.gen(function*() {
    const manager = yield* JobManager
    const { job } = yield* manager.submit("claude", request(prompt))
    const waiting = yield* Effect.fork(manager.await(job.id, undefined))
    for (let i = 0; i < 100 && waiting.unsafePoll() === null; i++) yield* advance(100)
    return yield* Fiber.join(waiting)
  })

describe("a job's attempts", () => {
  it.effect("a transient failure then a success: completed, 2 attempts, started at the first attempt's start", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const done = yield* runToEnd("retried once")
      expect(seen).toHaveLength(2)
      expect(done.status).toBe("completed")
      const attempts = done.attempts!
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2])
      expect(done.startedAt).toBe(attempts[0]!.startedAt)
      expect(attempts[1]!.startedAt).toBeGreaterThan(attempts[0]!.startedAt + RUN_MS)
      expect(attempts[0]).toMatchObject({ durationMs: RUN_MS, error: { _tag: "CliExitedNonZero" } })
      expect(attempts[0]!.error!.message).toContain("124")
      expect(attempts[1]).toMatchObject({ error: null })
      ranForRunMs(attempts[1]!.durationMs)
      expect(done.pid).toBe(1002) // the last attempt's process

      // The stored row says the same.
      const stored = Option.getOrThrow(yield* (yield* JobStore).get(done.id))
      expect(stored.startedAt).toBe(attempts[0]!.startedAt)
      expect(stored.attempts).toEqual(attempts)
      expect(stored.pid).toBe(1002)

      // And the job tools.
      const view = jobStatus(stored)
      expect(view.attemptCount).toBe(2)
      expect(view.startedAt).toBe(new Date(attempts[0]!.startedAt).toISOString())
      expect(view.attempts![0]).toMatchObject({ attempt: 1, durationMs: RUN_MS, error: { _tag: "CliExitedNonZero" } })
      expect(view.attempts![1]).toMatchObject({ attempt: 2, error: null })
      expect(jobLine(stored)).toContain("completed (2 attempts)")
      // What llm_job_status answers fits the outputSchema it declares.
      const validate = new Ajv({ strict: true, allErrors: true }).compile(llmJobStatus.outputSchema)
      expect(validate(view), JSON.stringify(validate.errors)).toBe(true)
    }).pipe(Effect.provide(managerLayer((n) => n === 1 ? TIMEOUT : OK, seen)))
  })

  it.effect("three failed attempts: three entries, each with its error, and the job failed", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const done = yield* runToEnd("always times out")
      expect(seen).toHaveLength(3)
      expect(done.status).toBe("failed")
      expect(done.error?._tag).toBe("CliExitedNonZero")
      const stored = Option.getOrThrow(yield* (yield* JobStore).get(done.id))
      for (const job of [done, stored]) {
        expect(job.attempts!.map((a) => [a.attempt, a.durationMs, a.error?._tag])).toEqual([
          [1, RUN_MS, "CliExitedNonZero"],
          [2, RUN_MS, "CliExitedNonZero"],
          [3, RUN_MS, "CliExitedNonZero"]
        ])
        expect(job.startedAt).toBe(job.attempts![0]!.startedAt)
      }
      expect(jobStatus(stored).attemptCount).toBe(3)
      expect(jobLine(stored)).toMatch(/failed \(3 attempts\): CliExitedNonZero/)
    }).pipe(Effect.provide(managerLayer(() => TIMEOUT, seen)))
  })

  it.effect("while a retry waits, the status shows the failed attempt closed; then the next one open", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", request("watch the retry"))
      expect(jobStatus(job)).toMatchObject({ attempts: [], attemptCount: 0 })
      yield* advance(RUN_MS + 10) // the first attempt failed; the retry waits 800–1,000 ms
      const waiting = yield* manager.get(job.id)
      expect(waiting.status).toBe("running")
      expect(waiting.attempts).toEqual([
        expect.objectContaining({ attempt: 1, durationMs: RUN_MS, error: expect.objectContaining({ _tag: "CliExitedNonZero" }) })
      ])
      yield* advance(1_000) // the second attempt runs
      const running = yield* manager.get(job.id)
      expect(running.attempts!.map((a) => [a.attempt, a.durationMs])).toEqual([[1, RUN_MS], [2, null]])
      expect(running.startedAt).toBe(running.attempts![0]!.startedAt)
      expect(jobStatus(running).attemptCount).toBe(2)
      expect(jobLine(running)).toContain("is running (2 attempts)")
      const health = yield* manager.health
      expect(health.running).toEqual([expect.objectContaining({ jobId: job.id, pid: 1002, attemptCount: 2 })])
      yield* advance(RUN_MS)
      const done = yield* manager.await(job.id, undefined)
      expect(done.attempts!.map((a) => a.error?._tag ?? null)).toEqual(["CliExitedNonZero", null])
    }).pipe(Effect.provide(managerLayer((n) => n === 1 ? TIMEOUT : OK, seen)))
  })

  it.effect("a job with one attempt has a one-element list, and the text names no count", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const done = yield* runToEnd("once")
      expect(done.attempts).toEqual([{ attempt: 1, startedAt: done.startedAt, durationMs: expect.any(Number), error: null }])
      ranForRunMs(done.attempts![0]!.durationMs)
      expect(jobStatus(done).attemptCount).toBe(1)
      expect(jobLine(done)).not.toContain("attempts")
    }).pipe(Effect.provide(managerLayer(() => OK, seen)))
  })

  it.effect("a status answer is final (the server may answer it again) only once the job has ended", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", request("final answers"))
      const running = yield* llmJobStatus.call({ jobId: job.id })
      expect(["queued", "running"]).toContain(running.structured.status)
      expect(running.final).toBeUndefined()
      yield* advance(RUN_MS)
      yield* manager.await(job.id, undefined)
      const ended = yield* llmJobStatus.call({ jobId: job.id })
      expect(ended).toMatchObject({ final: true, structured: { status: "completed" } })
      expect((yield* llmJobWait.call({ jobId: job.id, timeoutMs: 0 })).final).toBe(true)
    }).pipe(Effect.provide(managerLayer(() => OK, seen)))
  })

  it.effect("a running job's status is answered at once from memory as the call answers it; not another's, not an ended one's", () => {
    const seen: Array<CommandSpec> = []
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const services = yield* Effect.context<JobManager>()
      const { job } = yield* manager.submit("claude", request("answered at once"))
      yield* advance(10)
      const now = llmJobStatus.callNow!({ jobId: job.id }, services)
      const called = yield* llmJobStatus.call({ jobId: job.id })
      // A running job's duration is read from the wall clock at each answer: it may
      // have grown a millisecond between the two; everything else is the same.
      const runningFor = (answer: { readonly structured?: unknown } | undefined): number => {
        const durationMs = (answer?.structured as { readonly durationMs?: unknown } | undefined)?.durationMs
        return typeof durationMs === "number" ? durationMs : Number.NaN
      }
      expect(runningFor(called) - runningFor(now)).toBeGreaterThanOrEqual(0)
      expect(runningFor(called) - runningFor(now)).toBeLessThan(1_000)
      expect({ ...now, structured: { ...now?.structured, durationMs: 0 } })
        .toEqual({ ...called, structured: { ...called.structured, durationMs: 0 } })
      expect(now?.structured.status).toBe("running")
      // Another caller's job is not answered at once (and the call does not find it).
      expect(llmJobStatus.callNow!({ jobId: job.id }, Context.add(services, CurrentPrincipal, "someone-else"))).toBeUndefined()
      const other = yield* Effect.flip(Principal.as(llmJobStatus.call({ jobId: job.id }), "someone-else"))
      expect(other._tag).toBe("JobNotFound")
      // Arguments that do not decode take the call's path, which answers the error.
      expect(llmJobStatus.callNow!({ jobId: "not-a-job" }, services)).toBeUndefined()
      expect(llmJobStatus.callNow!({ jobId: job.id, extra: 1 }, services)).toBeUndefined()
      yield* advance(RUN_MS)
      yield* manager.await(job.id, undefined)
      // Ended: the call's path answers it (final), not the memory of running jobs.
      expect(llmJobStatus.callNow!({ jobId: job.id }, services)).toBeUndefined()
      expect((yield* llmJobStatus.call({ jobId: job.id })).structured.status).toBe("completed")
    }).pipe(Effect.provide(managerLayer(() => OK, seen)))
  })
})

describe("the attempts column", () => {
  const oldRow = (sql: SqlClient.SqlClient, id: string, attempts?: string) =>
    attempts === undefined
      ? sql`INSERT INTO jobs (id, cli, request_key, argv_json, cwd, correlation_id, output_format, status,
          owner_instance, created_at, started_at, finished_at, exit_code)
          VALUES (${id}, 'claude', 'k', '[]', '/', 'c', 'text', 'completed', 'i', 1, 2, 3, 0)`
      : sql`INSERT INTO jobs (id, cli, request_key, argv_json, cwd, correlation_id, output_format, status,
          owner_instance, created_at, started_at, finished_at, exit_code, attempts)
          VALUES (${id}, 'claude', 'k', '[]', '/', 'c', 'text', 'completed', 'i', 1, 2, 3, 0, ${attempts})`

  it.effect("an old row (attempts NULL) decodes with no attempts, and its status names none", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* JobStore
      yield* oldRow(sql, "00000000-0000-4000-8000-000000000001")
      yield* oldRow(sql, "00000000-0000-4000-8000-000000000002", "not json")
      yield* oldRow(sql, "00000000-0000-4000-8000-000000000003", "[{\"attempt\":0}]")
      for (const id of ["1", "2", "3"]) {
        const job = Option.getOrThrow(yield* store.get(`00000000-0000-4000-8000-00000000000${id}`))
        expect(job).toMatchObject({ status: "completed", startedAt: 2 })
        expect("attempts" in job).toBe(false)
        const view = jobStatus(job)
        expect(view.attempts).toBeUndefined()
        expect(view.attemptCount).toBeUndefined()
      }
    }).pipe(Effect.provide(Layer.provideMerge(JobStoreLayer, testDatabaseAt(":memory:")))))

  it.effect("a database from before the column migrates: its rows read with no attempts, new ones record them", () => {
    const path = join(mkdtempSync(join(tmpdir(), "gateway-attempts-")), "gateway.db")
    const store = Layer.provideMerge(JobStoreLayer, testDatabaseAt(path))
    const old = "00000000-0000-4000-8000-0000000000aa"
    return Effect.gen(function*() {
      // The file as 0006 left it: no attempts column.
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.gen(function*() {
          yield* sql`ALTER TABLE jobs DROP COLUMN attempts`
          yield* sql`DELETE FROM gateway_migrations WHERE migration_id >= 7`
          yield* sql`INSERT INTO jobs (id, cli, request_key, argv_json, cwd, correlation_id, output_format, status,
            owner_instance, created_at) VALUES (${old}, 'claude', 'k', '[]', '/', 'c', 'text', 'queued', 'i', 1)`
        })).pipe(Effect.provide(testDatabaseAt(path)))
      yield* Effect.gen(function*() {
        const jobs = yield* JobStore
        expect("attempts" in Option.getOrThrow(yield* jobs.get(old))).toBe(false)
        // An old job still running when the new version starts: its attempts begin with the next spawn.
        const attempts = attemptStarted([], 5)
        expect(yield* jobs.markRunning(old, { pid: 7, command: "/bin/claude", startedAt: 5, attempts })).toBe(true)
        expect(Option.getOrThrow(yield* jobs.get(old)).attempts).toEqual(attempts)
        const fresh = yield* jobs.insert({
          id: "00000000-0000-4000-8000-0000000000bb",
          cli: "claude",
          requestKey: "k2",
          argv: [],
          cwd: "/",
          correlationId: "c",
          outputFormat: "text",
          ownerInstance: "i",
          principal: "local",
          createdAt: 10
        }, undefined)
        expect(fresh.job.attempts).toEqual([])
      }).pipe(Effect.provide(store))
    })
  })

  it.effect("a retry's spawn keeps the first start and replaces pid and command; the end closes the last attempt", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const id = "00000000-0000-4000-8000-0000000000cc"
      yield* store.insert({
        id,
        cli: "claude",
        requestKey: "k",
        argv: [],
        cwd: "/",
        correlationId: "c",
        outputFormat: "text",
        ownerInstance: "i",
        principal: "local",
        createdAt: 0
      }, undefined)
      let attempts = attemptStarted([], 100)
      yield* store.markRunning(id, { pid: 1, command: "/a", startedAt: 100, attempts })
      attempts = attemptFailed(attempts, { _tag: "CliExitedNonZero", message: "exit 124" }, 400)
      expect(yield* store.recordAttempts(id, attempts)).toBe(true)
      attempts = attemptStarted(attempts, 1_400)
      yield* store.markRunning(id, { pid: 2, command: "/b", startedAt: 1_400, attempts })
      const running = Option.getOrThrow(yield* store.get(id))
      expect(running).toMatchObject({ status: "running", pid: 2, startedAt: 100 })
      expect(running.attempts).toEqual([
        { attempt: 1, startedAt: 100, durationMs: 300, error: { _tag: "CliExitedNonZero", message: "exit 124" } },
        { attempt: 2, startedAt: 1_400, durationMs: null, error: null }
      ])
      const failure = { _tag: "CliExitedNonZero", message: "exit 1", exitCode: 1 }
      yield* store.finish(id, {
        status: "failed",
        finishedAt: 1_900,
        exitCode: 1,
        signal: null,
        error: failure,
        reply: null,
        attempts: attemptsEnded(attempts, failure, 1_900)
      })
      const ended = Option.getOrThrow(yield* store.get(id))
      // The stored attempt error keeps only tag and message.
      expect(ended.attempts![1]).toEqual({
        attempt: 2,
        startedAt: 1_400,
        durationMs: 500,
        error: { _tag: "CliExitedNonZero", message: "exit 1" }
      })
      // Final: later writes of attempts change nothing.
      expect(yield* store.recordAttempts(id, [])).toBe(false)
      expect(Option.getOrThrow(yield* store.get(id)).attempts).toHaveLength(2)
    }).pipe(Effect.provide(Layer.provideMerge(JobStoreLayer, testDatabaseAt(":memory:")))))
})

describe("attempts, pure", () => {
  it("an attempt that failed before its process started is recorded failed, with no running time", () => {
    const error = { _tag: "SpawnFailed", message: "connect ECONNREFUSED" }
    const list = attemptFailed([], error, 50)
    expect(list).toEqual([{ attempt: 1, startedAt: 50, durationMs: 0, error }])
    const next = attemptStarted(list, 1_050)
    expect(next.map((a) => a.attempt)).toEqual([1, 2])
    expect(attemptsEnded(next, null, 1_250)[1]).toEqual({ attempt: 2, startedAt: 1_050, durationMs: 200, error: null })
  })

  it("ending closes only an open attempt", () => {
    const closed = attemptFailed(attemptStarted([], 0), { _tag: "X", message: "m" }, 10)
    expect(attemptsEnded(closed, { _tag: "CircuitOpen", message: "open" }, 99)).toBe(closed)
    expect(attemptsEnded([], null, 5)).toEqual([])
  })
})
