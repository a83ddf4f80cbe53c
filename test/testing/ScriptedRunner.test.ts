/**
 * The scripted CommandRunner of the test kit, under TestClock: chunks
 * arrive at their times and in order, interruption stops the run where it
 * is, a failing run fails typed as the live runner's, and every spec is
 * recorded.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { CommandRunner, type OutputChunk } from "../../src/process/CommandRunner.js"
import { Claude, Codex, ScriptedRunner } from "../../src/testing/index.js"

const text = (chunk: OutputChunk) => Buffer.from(chunk.data).toString("utf8")

describe("ScriptedRunner", () => {
  it.effect("plays chunks at their times on the clock, calling onSpawn then onOutput in order", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const events: Array<string> = []
      const fiber = yield* Effect.fork(runner.run({
        command: "claude",
        args: ["-p"],
        stdin: "hi",
        onSpawn: (pid, path) => Effect.sync(() => events.push(`spawn ${pid} ${path}`)),
        onOutput: (chunk) => Effect.sync(() => events.push(`${chunk.stream} ${text(chunk)}`))
      }))
      yield* TestClock.adjust(50)
      expect(events).toEqual(["spawn 7 /bin/claude"])
      yield* TestClock.adjust(50)
      expect(events).toEqual(["spawn 7 /bin/claude", "stdout one\n"])
      yield* TestClock.adjust(200)
      expect(events).toEqual(["spawn 7 /bin/claude", "stdout one\n", "stderr two\n", "stdout three"])
      expect(fiber.unsafePoll()).toBeNull() // it ends 100 ms after its last chunk
      yield* TestClock.adjust(100)
      const result = yield* Fiber.join(fiber)
      expect(result).toMatchObject({ pid: 7, command: "/bin/claude", exitCode: 0, signal: null, stdout: "one\nthree", stderr: "two\n", durationMs: 400 })
      expect(result.stdoutBytes).toBe(9)
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ({
      pid: 7,
      path: "/bin/claude",
      chunks: [
        { stream: "stdout", text: "one\n", afterMs: 100 },
        { stream: "stderr", text: "two\n", afterMs: 200 },
        { stream: "stdout", text: "three" }
      ],
      endAfterMs: 100
    })))))

  it.effect("a builder's run is played line by line, everyMs apart", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const seen: Array<string> = []
      const fiber = yield* Effect.fork(runner.exec({ command: "claude", args: [], onOutput: (c) => Effect.sync(() => seen.push(text(c))) }))
      yield* TestClock.adjust(10)
      expect(seen).toHaveLength(1)
      yield* TestClock.adjust(20)
      const result = yield* Fiber.join(fiber)
      expect(seen).toHaveLength(3)
      expect(seen.join("")).toBe(Claude.success("hi").stdout)
      expect(result.stdout).toBe(Claude.success("hi").stdout)
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ScriptedRunner.play(Claude.success("hi"), { firstAfterMs: 10, everyMs: 10 })))))

  it.effect("interrupting the run stops it: no later chunk is printed", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const seen: Array<string> = []
      const fiber = yield* Effect.fork(runner.run({ command: "codex", args: [], onOutput: (c) => Effect.sync(() => seen.push(text(c))) }))
      yield* TestClock.adjust(150)
      expect(seen).toEqual(["a\n"])
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust(1_000)
      expect(seen).toEqual(["a\n"])
      expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ({
      chunks: [{ stream: "stdout", text: "a\n", afterMs: 100 }, { stream: "stdout", text: "b\n", afterMs: 100 }]
    })))))

  it.effect("a run that hangs lasts until interrupted", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const fiber = yield* Effect.fork(runner.run({ command: "codex", args: [] }))
      yield* TestClock.adjust(60_000)
      expect(fiber.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ScriptedRunner.hang()))))

  it.effect("a failing run: run fails with CliExitedNonZero carrying the stderr tail; exec answers the exit code", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const failed = yield* Effect.flip(runner.run({ command: "codex", args: [] }))
      expect(failed._tag).toBe("CliExitedNonZero")
      if (failed._tag !== "CliExitedNonZero") return
      expect(failed).toMatchObject({ exitCode: 1, signal: null, stderrTail: Codex.unknownSession("t-1").stderr })
      expect(failed.message).toContain("no rollout found for thread id t-1")
      const result = yield* runner.exec({ command: "codex", args: [] })
      expect(result.exitCode).toBe(1)
    }).pipe(Effect.provide(ScriptedRunner.layer(() => Codex.unknownSession("t-1")))))

  it.effect("a run ended by a signal fails with the signal", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.flip((yield* CommandRunner).run({ command: "codex", args: [] }))
      expect(failed).toMatchObject({ _tag: "CliExitedNonZero", exitCode: null, signal: "SIGTERM" })
      expect(failed.message).toContain("was ended by SIGTERM")
    }).pipe(Effect.provide(ScriptedRunner.layer(() => Codex.networkFailure()))))

  it.effect("silence past the idle window fails with IdleTimeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip((yield* CommandRunner).run({ command: "gemini", args: [], idleTimeoutMs: 1_000 })))
      yield* TestClock.adjust(600)
      expect(fiber.unsafePoll()).toBeNull() // output at 500 ms moved the window
      yield* TestClock.adjust(1_000)
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "IdleTimeout", idleTimeoutMs: 1_000 })
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ScriptedRunner.hang([{ stream: "stderr", text: "x\n", afterMs: 500 }])))))

  it.effect("a script can fail before the run starts (CliNotFound), and every spec is recorded in order", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const missing = yield* Effect.flip(runner.run({ command: "grok", args: [] }))
      expect(missing._tag).toBe("CliNotFound")
      const ok = yield* runner.run({ command: "claude", args: ["-p"], stdin: "by prompt", cwd: "/w", env: { A: "1" } })
      expect(ok.stdout).toBe(Claude.success("answer to by prompt").stdout)
      const specs = yield* ScriptedRunner.specs
      expect(specs.map((s) => [s.command, s.stdin, s.cwd])).toEqual([["grok", undefined, undefined], ["claude", "by prompt", "/w"]])
      expect(specs[1]!.env).toEqual({ A: "1" })
    }).pipe(Effect.provide(ScriptedRunner.layer((spec) =>
      ScriptedRunner.commandOf(spec) === "grok"
        ? ScriptedRunner.notFound(spec.command)
        : Claude.success(`answer to ${ScriptedRunner.promptOf(spec)}`)
    ))))

  it.effect("stdout not kept (keepStdout: false) is counted and its tail kept, as the live runner does", () =>
    Effect.gen(function*() {
      const result = yield* (yield* CommandRunner).run({ command: "claude", args: [], keepStdout: false })
      expect(result.stdout).toBe("")
      expect(result.stdoutBytes).toBe(6)
      expect(result.stdoutTail).toBe("hello\n")
    }).pipe(Effect.provide(ScriptedRunner.layer(() => ({ chunks: [{ stream: "stdout", text: "hello\n" }] })))))
})
