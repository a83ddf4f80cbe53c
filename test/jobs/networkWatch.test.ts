/**
 * The network watch of a running CLI: lines split as they arrive, trouble
 * that lasts `failAfterMs` fails the run, and any sign that the service
 * answered starts the count again. Time is the TestClock's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { LineSplitter, make } from "../../src/jobs/networkWatch.js"
import * as Codex from "../../src/agents/codex/adapter.js"
import { WATCHED_LINE_MAX } from "../../src/providers/Provider.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const RECONNECT = '{"type":"error","message":"Reconnecting... waiting for network (Connection failed: error sending request)"}\n'
const ANSWER = '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"hi"}}\n'

describe("LineSplitter", () => {
  it("hands over whole lines across chunks, skips blank ones, and the last line at the end", () => {
    const lines: Array<string | undefined> = []
    const split = new LineSplitter((l) => lines.push(l))
    split.push(bytes("one\ntw"))
    split.push(bytes("o\n\n  \nthr"))
    split.push(bytes("ee"))
    split.end()
    expect(lines).toEqual(["one", "two", "three"])
  })

  it("does not decode a line longer than WATCHED_LINE_MAX: it is handed over as undefined", () => {
    const lines: Array<string | undefined> = []
    const split = new LineSplitter((l) => lines.push(l))
    split.push(bytes("x".repeat(WATCHED_LINE_MAX)))
    split.push(bytes("y\nshort\n"))
    expect(lines).toEqual([undefined, "short"])
  })
})

describe("NetworkWatch", () => {
  it.effect("codex reconnecting for failAfterMs fails with CliNetworkError, retried by the CLI, with its words", () =>
    Effect.gen(function*() {
      const watch = yield* make("codex", Codex.provider.watch!, 60_000)
      const fiber = yield* Effect.fork(Effect.flip(watch.expire))
      watch.observe({ stream: "stdout", data: bytes('{"type":"thread.started","thread_id":"t"}\n') })
      yield* TestClock.adjust("10 seconds")
      watch.observe({ stream: "stdout", data: bytes(RECONNECT) })
      yield* TestClock.adjust("59 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      watch.observe({ stream: "stdout", data: bytes(RECONNECT) })
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("CliNetworkError")
      expect(error).toMatchObject({ cli: "codex", retriedByCli: true, exitCode: null })
      expect(error.cliMessage).toContain("waiting for network")
      expect(error.message).toContain("kept failing for 60 s")
    }))

  it.effect("a sign that the service answered starts the count again", () =>
    Effect.gen(function*() {
      const watch = yield* make("codex", Codex.provider.watch!, 30_000)
      const fiber = yield* Effect.fork(watch.expire)
      watch.observe({ stream: "stdout", data: bytes(RECONNECT) })
      yield* TestClock.adjust("25 seconds")
      watch.observe({ stream: "stdout", data: bytes(ANSWER) })
      yield* TestClock.adjust("25 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      watch.observe({ stream: "stdout", data: bytes(RECONNECT) })
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(fiber.unsafePoll()).not.toBeNull()
    }))

  it.effect("no trouble, or a bound of 0, never fails", () =>
    Effect.gen(function*() {
      const quiet = yield* make("codex", Codex.provider.watch!, 1_000)
      const off = yield* make("codex", Codex.provider.watch!, 0)
      const a = yield* Effect.fork(quiet.expire)
      const b = yield* Effect.fork(off.expire)
      quiet.observe({ stream: "stdout", data: bytes(ANSWER) })
      off.observe({ stream: "stdout", data: bytes(RECONNECT) })
      yield* TestClock.adjust("1 hour")
      expect(a.unsafePoll()).toBeNull()
      expect(b.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
    }))
})
