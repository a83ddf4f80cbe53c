/**
 * `JobManager.reply` over a real SQLite file and a scripted CommandRunner:
 * a completed job's text, a failed job's typed failure (caught by its tag),
 * a canceled job's `JobCanceled`, an unknown job's `JobNotFound`, a job
 * still running past the timeout; and `Job.failure`, the typed error of a
 * job as its row holds it. The error channels name only what can happen.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { CliAuthRequired, InternalError, JobCanceled } from "../../src/domain/errors.js"
import * as Job from "../../src/domain/Job.js"
import * as Gateway from "../../src/Gateway.js"
import { JobManager, type JobManagerShape, type ReplyError, type SubmitError } from "../../src/jobs/JobManager.js"
import type { RunError } from "../../src/jobs/RequestRunner.js"
import type { CommandSpec } from "../../src/process/CommandRunner.js"
import { Claude, ScriptedRunner } from "../../src/testing/index.js"
import { testConfig } from "../support/testDatabase.js"
import { claudeRequest } from "./clock.js"

/** The services on a fresh database file; each prompt's run is what `script` answers for it. */
const services = (script: (prompt: string) => ScriptedRunner.Answer) =>
  Gateway.layerServicesWith(
    ScriptedRunner.layer((spec: CommandSpec) => script(ScriptedRunner.promptOf(spec))),
    CliIdentity.layerTrusting
  ).pipe(
    Layer.provideMerge(testConfig({
      databasePath: join(mkdtempSync(join(tmpdir(), "gateway-reply-")), "gateway.db"),
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }
    }))
  )

const script = (prompt: string): ScriptedRunner.Answer => {
  if (prompt.includes("login")) return Claude.authFailure()
  if (prompt.includes("hang")) return ScriptedRunner.hang()
  if (prompt.includes("long")) return Claude.success("x".repeat(5_000))
  return Claude.success("the reply")
}

describe("JobManager.reply", () => {
  it.live("answers a completed job's reply text, whole or its first maxChars characters", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", claudeRequest("hello"))
      const { job: ended, text } = yield* manager.reply(job.id)
      expect(text).toBe("the reply")
      expect(ended.status).toBe("completed")
      expect(ended.reply?.chars).toBe(9)
      const long = yield* manager.submit("claude", claudeRequest("long"))
      expect((yield* manager.reply(long.job.id)).text).toHaveLength(5_000)
      const first = yield* manager.reply(long.job.id, { maxChars: 10 })
      expect(first.text).toBe("x".repeat(10))
      expect(first.job.reply?.chars).toBe(5_000)
    }).pipe(Effect.provide(services(script))))

  it.live("fails with the typed failure the job ended with, which catchTag catches by its tag", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", claudeRequest("login please"))
      const exit = yield* Effect.exit(manager.reply(job.id))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Option.getOrThrow(Cause.failureOption(exit.cause)) : undefined
      expect(error).toBeInstanceOf(CliAuthRequired)
      const caught = yield* manager.reply(job.id).pipe(
        Effect.map(({ text }) => `reply: ${text}`),
        Effect.catchTag("CliAuthRequired", (e) => Effect.succeed(`${e.cli}: log in with ${e.loginCommand}`))
      )
      expect(caught).toMatch(/^claude: log in with claude \/login/)
      // The same failure from the job itself, typed.
      const failed = yield* manager.get(job.id)
      const failure = Option.getOrThrow(Job.failure(failed))
      expect(failure._tag).toBe("CliAuthRequired")
      expect(failure).toBeInstanceOf(CliAuthRequired)
    }).pipe(Effect.provide(services(script))))

  it.live("fails with JobCanceled for a canceled job, and with TimeoutException while one still runs", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", claudeRequest("hang on"))
      const timedOut = yield* Effect.exit(manager.reply(job.id, { timeout: "50 millis" }))
      expect(Exit.isFailure(timedOut) && Cause.isFailType(timedOut.cause)
        ? timedOut.cause.error._tag
        : undefined).toBe("TimeoutException")
      // Waiting never owned it: it still runs.
      expect((yield* manager.get(job.id)).status).toMatch(/queued|running/)
      const waiting = yield* Effect.fork(Effect.flip(manager.reply(job.id)))
      yield* manager.cancel(job.id)
      const error = yield* Fiber.join(waiting)
      expect(error).toBeInstanceOf(JobCanceled)
      expect(error._tag).toBe("JobCanceled")
    }).pipe(Effect.provide(services(script))))

  it.live("fails with JobNotFound for an unknown job", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const error = yield* Effect.flip(manager.reply("00000000-0000-4000-8000-000000000000"))
      expect(error._tag).toBe("JobNotFound")
    }).pipe(Effect.provide(services(script))))

  it("names only what can happen, in its type", () => {
    type ErrorOf<T> = T extends Effect.Effect<any, infer E, any> ? E : never
    type Reply = ErrorOf<ReturnType<JobManagerShape["reply"]>>
    // A run's failures, a cancel, an orphan, a defect, an unknown job, the database; nothing of upgrades.
    expectTypeOf<Reply>().toEqualTypeOf<ReplyError>()
    expectTypeOf<Extract<Reply, { readonly _tag: "UpgradeFailed" }>>().toBeNever()
    expectTypeOf<Extract<Reply, { readonly _tag: "ApprovalDenied" }>>().toBeNever()
    expectTypeOf<RunError>().toMatchTypeOf<Job.JobFailure>()
    expectTypeOf<Extract<SubmitError, { readonly _tag: "UpgradeFailed" | "JobNotFound" }>>().toBeNever()
    expectTypeOf<ErrorOf<ReturnType<JobManagerShape["get"]>>["_tag"]>().toEqualTypeOf<"JobNotFound" | "StorageError">()
    const typed = (manager: JobManagerShape) =>
      manager.reply("id").pipe(
        // @ts-expect-error a job never ends with UpgradeFailed: there is no such tag to catch
        Effect.catchTag("UpgradeFailed", () => Effect.succeed(undefined))
      )
    expect(typeof typed).toBe("function")
  })
})

describe("Job.failure", () => {
  const base = {
    id: "j-1",
    cli: "claude" as const,
    requestKey: "k",
    argv: [],
    cwd: "/",
    correlationId: "c",
    outputFormat: "text",
    ownerInstance: "i",
    principal: "local",
    createdAt: 0,
    startedAt: 0,
    finishedAt: 1,
    exitCode: 1,
    signal: null,
    reply: null,
    pid: null,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutChars: 0,
    stderrChars: 0,
    outputTruncated: false,
    cancelRequestedAt: null
  }

  it("is none while a job runs or once it completed", () => {
    expect(Job.failure({ ...base, status: "running", error: null })).toEqual(Option.none())
    expect(Job.failure({ ...base, status: "completed", error: null })).toEqual(Option.none())
  })

  it("decodes the stored record into its class, with its fields", () => {
    const record = {
      _tag: "CliAuthRequired",
      message: "claude is not logged in",
      cli: "claude",
      hint: "run claude /login",
      cliMessage: "Not logged in",
      exitCode: 1,
      loginCommand: "claude /login"
    }
    const failure = Option.getOrThrow(Job.failure({ ...base, status: "failed", error: record }))
    expect(failure).toBeInstanceOf(CliAuthRequired)
    if (failure._tag !== "CliAuthRequired") throw new Error("not narrowed")
    expect(failure.loginCommand).toBe("claude /login")
  })

  it("reads a tag it does not know (or a record that does not decode) as an InternalError that keeps the tag and message", () => {
    const unknown = Option.getOrThrow(Job.failure({
      ...base,
      status: "failed",
      error: { _tag: "QuotaExploded", message: "a newer gateway's failure" }
    }))
    expect(unknown).toBeInstanceOf(InternalError)
    expect(unknown.message).toContain("QuotaExploded")
    expect(unknown.message).toContain("a newer gateway's failure")
    const broken = Option.getOrThrow(Job.failure({
      ...base,
      status: "failed",
      error: { _tag: "CliAuthRequired", message: "fields missing" }
    }))
    expect(broken._tag).toBe("InternalError")
    expect(broken.message).toContain("CliAuthRequired: fields missing")
    const none = Option.getOrThrow(Job.failure({ ...base, status: "orphaned", error: null }))
    expect(none._tag).toBe("InternalError")
  })
})
