import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { JobStore, layer, type NewJob } from "../../src/jobs/JobStore.js"
import { testDatabaseAt } from "../support/testDatabase.js"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "gateway-store-")), "gateway.db")
const storeAt = (path: string) => layer.pipe(Layer.provideMerge(testDatabaseAt(path)))

let n = 0
const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
  cli: "claude",
  requestKey: "key-a",
  argv: ["-p", "--output-format", "stream-json"],
  cwd: "/work",
  correlationId: "corr",
  outputFormat: "text",
  ownerInstance: "instance-1",
  principal: "local",
  createdAt: 1_000_000,
  ...overrides
})

const final = (status: "completed" | "failed" | "canceled" = "completed") => ({
  status,
  finishedAt: 1_000_500,
  exitCode: status === "completed" ? 0 : 1,
  signal: null,
  error: status === "completed" ? null : { _tag: "CliExitedNonZero", message: "boom", exitCode: 1 },
  reply: status === "completed" ? { chars: 9, sessionId: "s-1" } : null,
  ...(status === "completed" ? { replyText: "the reply" } : {})
})

describe("JobStore", () => {
  it.effect("inserts a job as queued and reads it back with every field", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      const outcome = yield* store.insert(job, undefined)
      expect(outcome._tag).toBe("Inserted")
      const read = Option.getOrThrow(yield* store.get(job.id))
      expect(read).toMatchObject({
        id: job.id,
        cli: "claude",
        status: "queued",
        argv: job.argv,
        cwd: "/work",
        ownerInstance: "instance-1",
        startedAt: null,
        reply: null,
        error: null
      })
      expect(Option.isNone(yield* store.get("00000000-0000-4000-8000-999999999999"))).toBe(true)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("dedups onto a queued, running or completed job of the same key within the window, not a failed one", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const first = newJob({ requestKey: "k1" })
      yield* store.insert(first, undefined)
      const again = yield* store.insert(newJob({ requestKey: "k1", createdAt: 1_000_100 }), 1_000_000)
      expect(again._tag).toBe("Duplicate")
      expect(again.job.id).toBe(first.id)

      yield* store.markRunning(first.id, { pid: 42, command: "/bin/claude", startedAt: 1_000_010 })
      expect((yield* store.insert(newJob({ requestKey: "k1" }), 999_000)).job.id).toBe(first.id)
      yield* store.finish(first.id, final("completed"))
      expect((yield* store.insert(newJob({ requestKey: "k1" }), 999_000)).job.id).toBe(first.id)

      // outside the window: a new job
      const later = yield* store.insert(newJob({ requestKey: "k1", createdAt: 5_000_000 }), 4_000_000)
      expect(later._tag).toBe("Inserted")

      // a failed job is not reused
      const failing = newJob({ requestKey: "k2" })
      yield* store.insert(failing, undefined)
      yield* store.finish(failing.id, final("failed"))
      expect((yield* store.insert(newJob({ requestKey: "k2" }), 0))._tag).toBe("Inserted")

      // no window: always a new job
      expect((yield* store.insert(newJob({ requestKey: "k1" }), undefined))._tag).toBe("Inserted")
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("output is appended in pieces and read in pages across them", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      yield* store.insert(job, undefined)
      yield* store.markRunning(job.id, { pid: 1, command: "/bin/x", startedAt: 1 })
      yield* store.appendOutput(job.id, {
        chunks: [{ stream: "stdout", seq: 0, charStart: 0, data: "hello " }, { stream: "stderr", seq: 0, charStart: 0, data: "warn" }],
        stdoutBytes: 6,
        stderrBytes: 4,
        stdoutChars: 6,
        stderrChars: 4,
        truncated: false
      })
      yield* store.appendOutput(job.id, {
        chunks: [{ stream: "stdout", seq: 1, charStart: 6, data: "wörld!" }],
        stdoutBytes: 13,
        stderrBytes: 4,
        stdoutChars: 12,
        stderrChars: 4,
        truncated: false
      })
      expect(yield* store.readOutput(job.id, "stdout", 0, 100)).toBe("hello wörld!")
      expect(yield* store.readOutput(job.id, "stdout", 4, 5)).toBe("o wör")
      expect(yield* store.readOutput(job.id, "stdout", 12, 5)).toBe("")
      expect(yield* store.readOutput(job.id, "stderr", 0, 100)).toBe("warn")
      const read = Option.getOrThrow(yield* store.get(job.id))
      expect(read).toMatchObject({ status: "running", pid: 1, stdoutBytes: 13, stdoutChars: 12, stderrChars: 4 })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("a piece of output sent again (its first write's answer lost) is kept once, and the job still ends", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      yield* store.insert(job, undefined)
      const first = {
        chunks: [{ stream: "stdout" as const, seq: 0, charStart: 0, data: "hello " }],
        stdoutBytes: 6,
        stderrBytes: 0,
        stdoutChars: 6,
        stderrChars: 0,
        truncated: false
      }
      expect(yield* store.appendOutput(job.id, first)).toBe(true)
      // The flush is sent again, joined with what came next, with the final state.
      const wrote = yield* store.finish(job.id, {
        ...final("completed"),
        output: { ...first, chunks: [...first.chunks, { stream: "stdout", seq: 1, charStart: 6, data: "world" }], stdoutBytes: 11, stdoutChars: 11 }
      })
      expect(wrote).toBe(true)
      expect(yield* store.readOutput(job.id, "stdout", 0, 100)).toBe("hello world")
      const read = Option.getOrThrow(yield* store.get(job.id))
      expect(read).toMatchObject({ status: "completed", stdoutChars: 11 })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("a final state is written once with its last output; late writes never overwrite it", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      yield* store.insert(job, undefined)
      const wrote = yield* store.finish(job.id, {
        ...final("canceled"),
        output: {
          chunks: [{ stream: "stdout", seq: 0, charStart: 0, data: "partial" }],
          stdoutBytes: 7,
          stderrBytes: 0,
          stdoutChars: 7,
          stderrChars: 0,
          truncated: false
        }
      })
      expect(wrote).toBe(true)
      expect(yield* store.finish(job.id, final("completed"))).toBe(false)
      expect(yield* store.markRunning(job.id, { pid: 9, command: "x", startedAt: 2 })).toBe(false)
      expect(
        yield* store.appendOutput(job.id, {
          chunks: [{ stream: "stdout", seq: 1, charStart: 7, data: "late" }],
          stdoutBytes: 11,
          stderrBytes: 0,
          stdoutChars: 11,
          stderrChars: 0,
          truncated: false
        })
      ).toBe(false)
      const read = Option.getOrThrow(yield* store.get(job.id))
      expect(read.status).toBe("canceled")
      expect(read.reply).toBeNull()
      expect(read.pid).toBeNull()
      expect(read.stdoutChars).toBe(7)
      expect(yield* store.readOutput(job.id, "stdout", 0, 100)).toBe("partial")
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("cancel requests are recorded for active jobs only and listed for their owner", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const mine = newJob({ ownerInstance: "me" })
      const other = newJob({ ownerInstance: "other" })
      const done = newJob({ ownerInstance: "me" })
      yield* Effect.forEach([mine, other, done], (j) => store.insert(j, undefined))
      yield* store.finish(done.id, final())
      expect(yield* store.requestCancel(mine.id, 5)).toBe(true)
      expect(yield* store.requestCancel(other.id, 5)).toBe(true)
      expect(yield* store.requestCancel(done.id, 5)).toBe(false)
      expect(yield* store.cancelRequested("me")).toEqual([mine.id])
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("purge deletes final jobs past retention with their output, and keeps active ones", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const sql = yield* SqlClient.SqlClient
      const old = newJob()
      const active = newJob({ createdAt: 10 })
      yield* store.insert(old, undefined)
      yield* store.insert(active, undefined)
      yield* store.finish(old.id, {
        ...final(),
        output: { chunks: [{ stream: "stdout", seq: 0, charStart: 0, data: "x" }], stdoutBytes: 1, stderrBytes: 0, stdoutChars: 1, stderrChars: 0, truncated: false }
      })
      expect(yield* store.purge(1_000_000)).toBe(0)
      expect(yield* store.purge(2_000_000)).toBe(1)
      expect(Option.isNone(yield* store.get(old.id))).toBe(true)
      expect(Option.isSome(yield* store.get(active.id))).toBe(true)
      const [left] = yield* sql<{ n: number }>`SELECT count(*) AS n FROM job_output`
      expect(left?.n).toBe(0)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("two stores on one file inserting the same request at once make exactly one job", () => {
    const path = tempDb()
    return Effect.gen(function*() {
      const insertFrom = (owner: string) =>
        Effect.flatMap(JobStore, (store) => store.insert(newJob({ requestKey: "same", ownerInstance: owner }), 0)).pipe(
          Effect.provide(storeAt(path))
        )
      const outcomes = yield* Effect.all(
        Array.from({ length: 10 }, (_, i) => insertFrom(`owner-${i}`)),
        { concurrency: "unbounded" }
      )
      expect(outcomes.filter((o) => o._tag === "Inserted")).toHaveLength(1)
      expect(new Set(outcomes.map((o) => o.job.id)).size).toBe(1)
    })
  })

  it.effect("list filters by status and cli, newest first", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const a = newJob({ createdAt: 1 })
      const b = newJob({ createdAt: 2, cli: "codex" })
      yield* store.insert(a, undefined)
      yield* store.insert(b, undefined)
      yield* store.finish(a.id, final())
      expect((yield* store.list({ limit: 10 })).map((j) => j.id)).toEqual([b.id, a.id])
      expect((yield* store.list({ limit: 10, statuses: ["completed"] })).map((j) => j.id)).toEqual([a.id])
      expect((yield* store.list({ limit: 10, cli: "codex" })).map((j) => j.id)).toEqual([b.id])
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("keeps a long reply in pieces beside the row: get never loads it, readReply pages across pieces", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      yield* store.insert(job, undefined)
      // Past two pieces of 2^20 units, with astral characters (two units each) on a piece boundary.
      const text = "a".repeat((1 << 20) - 1) + "\u{1F600}" + "b".repeat(1 << 20) + "\u00e9".repeat(10)
      yield* store.finish(job.id, { ...final(), reply: { chars: text.length }, replyText: text })
      const read = Option.getOrThrow(yield* store.get(job.id))
      expect(read.reply).toEqual({ chars: text.length })
      for (const [offset, max] of [[0, 5], [(1 << 20) - 3, 10], [(1 << 20) + 5, 1 << 20], [text.length - 4, 100]] as const) {
        expect(yield* store.readReply(job.id, offset, max)).toBe(text.slice(offset, offset + max))
      }
      expect(yield* store.readReply(job.id, 0, text.length)).toBe(text)
      expect(yield* store.readReply(job.id, text.length, 10)).toBe("")
      const sql = yield* SqlClient.SqlClient
      const pieces = yield* sql<{ n: number }>`SELECT count(*) AS n FROM job_reply WHERE job_id = ${job.id}`
      expect(pieces[0]?.n).toBe(3)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("an empty reply reads as empty", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const job = newJob()
      yield* store.insert(job, undefined)
      yield* store.finish(job.id, { ...final(), reply: { chars: 0 }, replyText: "" })
      expect(yield* store.readReply(job.id, 0, 1000)).toBe("")
    }).pipe(Effect.provide(storeAt(tempDb()))))
})
