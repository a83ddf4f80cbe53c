import { allClis } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type { Cli } from "../../src/domain/Cli.js"
import {
  CliAuthRequired,
  CliExitedNonZero,
  CliModelUnknown,
  CliRateLimited,
  type GatewayError,
  IdleTimeout,
  InvalidRequest,
  SpawnFailed
} from "../../src/domain/errors.js"
import { CircuitBreaker, countsAsFailure, layerTest } from "../../src/resilience/CircuitBreaker.js"

const crash = new CliExitedNonZero({
  message: "claude exited with code 1",
  command: "/usr/bin/claude",
  cli: "claude",
  exitCode: 1,
  signal: null,
  stderrTail: "TypeError: boom",
  stdoutTail: ""
})
const cliFailure = { cli: "claude" as const, hint: "h", cliMessage: "", exitCode: 1, message: "m" }
const unknownModel = new CliModelUnknown({ ...cliFailure, model: "nope" })

/** A counter of runs that actually started, and runs that succeed or fail. */
const harness = Effect.gen(function*() {
  const breaker = yield* CircuitBreaker
  let started = 0
  const run = (cli: Cli, outcome: Effect.Effect<string, GatewayError>) =>
    Effect.either(breaker.protect(cli, Effect.suspend(() => {
      started++
      return outcome
    })))
  return {
    breaker,
    started: () => started,
    fail: (cli: Cli = "claude", error: GatewayError = crash) => run(cli, Effect.fail(error)),
    succeed: (cli: Cli = "claude") => run(cli, Effect.succeed("ok")),
    run
  }
})

const failTimes = (fail: () => Effect.Effect<unknown>, n: number) => Effect.repeatN(fail(), n - 1)

describe("CircuitBreaker", () => {
  it.effect("opens after 5 consecutive failures and then fails fast without starting anything", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 4)
      expect((yield* h.breaker.state("claude")).state).toBe("closed")
      expect((yield* h.breaker.state("claude")).consecutiveFailures).toBe(4)
      yield* h.fail()
      const open = yield* h.breaker.state("claude")
      expect(open).toMatchObject({ state: "open", consecutiveFailures: 5, openedAt: 0, retryAfterMs: 60_000 })
      expect(h.started()).toBe(5)

      yield* TestClock.adjust("20 seconds")
      const refused = yield* h.succeed()
      expect(h.started()).toBe(5)
      expect(Either.isLeft(refused)).toBe(true)
      const error = Either.getLeft(refused).pipe((o) => o._tag === "Some" ? o.value : undefined)
      expect(error?._tag).toBe("CircuitOpen")
      expect(error).toMatchObject({ cli: "claude", retryAfterMs: 40_000 })
      expect((error as { hint?: string }).hint).toMatch(/40 s/)
    }).pipe(Effect.provide(layerTest())))

  it.effect("a success resets the count; breakers are per CLI", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 4)
      yield* h.succeed()
      yield* failTimes(() => h.fail(), 4)
      expect((yield* h.breaker.state("claude")).state).toBe("closed")
      yield* h.fail()
      expect((yield* h.breaker.state("claude")).state).toBe("open")
      expect((yield* h.breaker.state("codex")).state).toBe("closed")
      expect(Either.isRight(yield* h.succeed("codex"))).toBe(true)
      const all = yield* h.breaker.states
      expect(all.map((s) => [s.cli, s.state])).toEqual(allClis.map((cli) => [cli, cli === "claude" ? "open" : "closed"]))
    }).pipe(Effect.provide(layerTest())))

  it.effect("the caller's mistakes and cancels neither count nor reset", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 4)
      yield* h.fail("claude", unknownModel)
      yield* h.fail("claude", new InvalidRequest({ message: "bad" }))
      yield* h.fail("claude", new CliAuthRequired({ ...cliFailure, loginCommand: "claude /login" }))
      yield* Effect.fork(h.run("claude", Effect.never)).pipe(
        Effect.tap(() => Effect.yieldNow()),
        Effect.flatMap(Fiber.interrupt)
      )
      expect(h.started()).toBe(8)
      expect((yield* h.breaker.state("claude")).consecutiveFailures).toBe(4)
      yield* h.fail()
      expect((yield* h.breaker.state("claude")).state).toBe("open")
    }).pipe(Effect.provide(layerTest())))

  it.effect("half-opens after the cool-down, lets one trial through, and closes on its success", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 5)
      yield* TestClock.adjust("59 seconds")
      expect((yield* h.breaker.state("claude")).state).toBe("open")
      yield* TestClock.adjust("1 second")
      expect((yield* h.breaker.state("claude")).state).toBe("half-open")

      const gate = yield* Deferred.make<void>()
      const trial = yield* Effect.fork(h.run("claude", Effect.as(Deferred.await(gate), "trial")))
      yield* Effect.yieldNow()
      expect(h.started()).toBe(6)
      // While the trial runs, others fail fast.
      const other = yield* h.succeed()
      expect(h.started()).toBe(6)
      expect(Either.isLeft(other) && other.left._tag).toBe("CircuitOpen")

      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(trial)).toEqual(Either.right("trial"))
      expect(yield* h.breaker.state("claude")).toMatchObject({ state: "closed", consecutiveFailures: 0 })
      expect(Either.isRight(yield* h.succeed())).toBe(true)
      expect(h.started()).toBe(7)
    }).pipe(Effect.provide(layerTest())))

  it.effect("re-opens for another cool-down when the trial fails", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 5)
      yield* TestClock.adjust("60 seconds")
      yield* h.fail()
      expect(h.started()).toBe(6)
      expect(yield* h.breaker.state("claude")).toMatchObject({ state: "open", openedAt: 60_000, retryAfterMs: 60_000 })
      yield* h.succeed()
      expect(h.started()).toBe(6)
      yield* TestClock.adjust("60 seconds")
      expect(Either.isRight(yield* h.succeed())).toBe(true)
      expect((yield* h.breaker.state("claude")).state).toBe("closed")
    }).pipe(Effect.provide(layerTest())))

  it.effect("a trial that is canceled or fails for the caller's reason leaves it half-open for the next", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 5)
      yield* TestClock.adjust("60 seconds")
      yield* Effect.fork(h.run("claude", Effect.never)).pipe(
        Effect.tap(() => Effect.yieldNow()),
        Effect.flatMap(Fiber.interrupt)
      )
      expect((yield* h.breaker.state("claude")).state).toBe("half-open")
      yield* h.fail("claude", unknownModel)
      expect((yield* h.breaker.state("claude")).state).toBe("half-open")
      expect(h.started()).toBe(7)
      expect(Either.isRight(yield* h.succeed())).toBe(true)
      expect((yield* h.breaker.state("claude")).state).toBe("closed")
    }).pipe(Effect.provide(layerTest())))

  it.effect("the threshold and cool-down are configurable", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 2)
      expect(yield* h.breaker.state("claude")).toMatchObject({ state: "open", retryAfterMs: 5_000 })
      yield* TestClock.adjust("5 seconds")
      expect((yield* h.breaker.state("claude")).state).toBe("half-open")
    }).pipe(Effect.provide(layerTest({ failureThreshold: 2, openMs: 5_000 }))))

  it.effect("a threshold of 0 disables breaking", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* failTimes(() => h.fail(), 50)
      expect((yield* h.breaker.state("claude")).state).toBe("closed")
      expect(h.started()).toBe(50)
    }).pipe(Effect.provide(layerTest({ failureThreshold: 0 }))))
})

describe("countsAsFailure", () => {
  it("counts the CLI's failures, not the caller's", () => {
    expect(countsAsFailure(crash)).toBe(true)
    expect(countsAsFailure(new CliRateLimited({ ...cliFailure }))).toBe(true)
    expect(countsAsFailure(new IdleTimeout({ message: "m", command: "c", idleTimeoutMs: 1 }))).toBe(true)
    expect(countsAsFailure(new SpawnFailed({ message: "m", command: "c", code: "EAGAIN" }))).toBe(true)
    expect(countsAsFailure(new SpawnFailed({ message: "m", command: "c", code: "ENOENT" }))).toBe(false)
    expect(countsAsFailure(unknownModel)).toBe(false)
    expect(countsAsFailure(new InvalidRequest({ message: "m" }))).toBe(false)
    expect(countsAsFailure(new CliAuthRequired({ ...cliFailure, loginCommand: "x" }))).toBe(false)
  })
})
