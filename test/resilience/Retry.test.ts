import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import fc from "fast-check"
import {
  CircuitOpen,
  CliAuthRequired,
  CliExitedNonZero,
  CliModelUnknown,
  CliNotFound,
  CliRateLimited,
  CliRunFailed,
  type GatewayError,
  IdleTimeout,
  InvalidRequest,
  JobCanceled,
  SpawnFailed
} from "../../src/domain/errors.js"
import { backoffDelayMs, isTransient, type RetryInfo, type RetryPolicy, retrying } from "../../src/resilience/Retry.js"

const exited = (fields: { exitCode?: number | null; stderrTail?: string; stdoutTail?: string; message?: string }) =>
  new CliExitedNonZero({
    message: fields.message ?? "claude exited with code 1",
    command: "/usr/bin/claude",
    cli: "claude",
    exitCode: fields.exitCode === undefined ? 1 : fields.exitCode,
    signal: null,
    stderrTail: fields.stderrTail ?? "",
    stdoutTail: fields.stdoutTail ?? ""
  })

const cliFailure = { cli: "claude" as const, hint: "h", cliMessage: "", exitCode: 1, message: "m" }

const reset = exited({ stderrTail: "Error: read ECONNRESET\n" })

describe("isTransient", () => {
  it("is true for the kinds 1.4.0 retries: exit 124 and network resets, timeouts, refusals, EPIPE", () => {
    expect(isTransient(exited({ exitCode: 124 }))).toBe(true)
    expect(isTransient(reset)).toBe(true)
    expect(isTransient(exited({ stdoutTail: "{\"error\":\"connect ETIMEDOUT 10.0.0.1:443\"}" }))).toBe(true)
    expect(isTransient(exited({ stderrTail: "connect ECONNREFUSED 127.0.0.1:8080" }))).toBe(true)
    expect(isTransient(exited({ stderrTail: "Error: write EPIPE" }))).toBe(true)
    expect(isTransient(new CliRunFailed({ ...cliFailure, cliMessage: "API error: socket ECONNRESET" }))).toBe(true)
    expect(isTransient(new SpawnFailed({ message: "m", command: "c", code: "EPIPE" }))).toBe(true)
  })

  it("is false for an idle timeout, a missing binary, auth, bad input, unknown model, rate limit, cancel", () => {
    const never: ReadonlyArray<GatewayError> = [
      new IdleTimeout({ message: "m", command: "c", cli: "claude", idleTimeoutMs: 30_000 }),
      new CliNotFound({ message: "m", command: "c", hint: "h" }),
      new SpawnFailed({ message: "m", command: "c", code: "ENOENT" }),
      new SpawnFailed({ message: "m", command: "c" }),
      new CliAuthRequired({ ...cliFailure, loginCommand: "claude /login" }),
      new InvalidRequest({ message: "m" }),
      new CliModelUnknown({ ...cliFailure }),
      new CliRateLimited({ ...cliFailure }),
      new CliRunFailed({ ...cliFailure, cliMessage: "the model refused" }),
      new JobCanceled({ message: "m" }),
      new CircuitOpen({ message: "m", cli: "claude", retryAfterMs: 1000, hint: "h" }),
      exited({ stderrTail: "TypeError: Cannot read properties of undefined" }),
      exited({ exitCode: 125 }),
      exited({ stderrTail: "XECONNRESETX is not a word" })
    ]
    for (const error of never) expect(isTransient(error), error._tag).toBe(false)
  })
})

describe("backoffDelayMs", () => {
  const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 }

  it("starts at the base, doubles, and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20, 2000].map((n) => backoffDelayMs(policy, n, 0.5))).toEqual([
      1_000,
      2_000,
      4_000,
      8_000,
      16_000,
      30_000,
      30_000,
      30_000,
      30_000
    ])
  })

  it("jitter only shortens a delay, by at most its fraction, and never passes the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (retry, random, jitter) => {
          const nominal = backoffDelayMs({ ...policy, jitter: 0 }, retry, random)
          const d = backoffDelayMs({ ...policy, jitter }, retry, random)
          expect(d).toBeLessThanOrEqual(nominal)
          expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - jitter)))
          expect(d).toBeLessThanOrEqual(policy.maxDelayMs)
        }
      )
    )
  })
})

/** Runs `attempt` under `retrying`, moving the TestClock until it ends; the times each attempt started. */
const drive = <A>(attempt: (n: number) => Effect.Effect<A, GatewayError>, policy: RetryPolicy) =>
  Effect.gen(function*() {
    const starts: Array<number> = []
    const retries: Array<RetryInfo> = []
    const fiber = yield* Effect.fork(
      retrying(
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          starts.push(now)
          return attempt(starts.length)
        }),
        policy,
        { onRetry: (info) => Effect.sync(() => void retries.push(info)) }
      )
    )
    // Move time a second at a time, as long as the fiber is still waiting.
    for (let i = 0; i < 400 && fiber.unsafePoll() === null; i++) yield* TestClock.adjust("1 second")
    const exit = yield* Fiber.await(fiber)
    return { exit, starts, retries }
  })

describe("retrying", () => {
  const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 }

  it.effect("retries a transient failure 1 s, 2 s, 4 s, 8 s apart and reports the last failure", () =>
    Effect.gen(function*() {
      const { exit, retries, starts } = yield* drive(() => Effect.fail(reset), policy)
      expect(starts).toEqual([0, 1_000, 3_000, 7_000, 15_000])
      expect(retries.map((r) => [r.attempt, r.maxAttempts, r.delayMs])).toEqual([
        [1, 5, 1_000],
        [2, 5, 2_000],
        [3, 5, 4_000],
        [4, 5, 8_000]
      ])
      expect(retries.every((r) => r.error === reset)).toBe(true)
      expect(exit).toEqual(Exit.fail(reset))
    }))

  it.effect("caps the delay", () =>
    Effect.gen(function*() {
      const { starts } = yield* drive(() => Effect.fail(reset), { ...policy, maxAttempts: 6, maxDelayMs: 5_000 })
      const gaps = starts.slice(1).map((t, i) => t - starts[i]!)
      expect(gaps).toEqual([1_000, 2_000, 4_000, 5_000, 5_000])
    }))

  it.effect("succeeds on the attempt after a transient failure", () =>
    Effect.gen(function*() {
      const { exit, retries, starts } = yield* drive(
        (n) => n === 1 ? Effect.fail(exited({ exitCode: 124 })) : Effect.succeed("ok"),
        policy
      )
      expect(exit).toEqual(Exit.succeed("ok"))
      expect(starts).toEqual([0, 1_000])
      expect(retries).toHaveLength(1)
    }))

  it.effect("does not retry a failure that is not transient", () =>
    Effect.gen(function*() {
      const idle = new IdleTimeout({ message: "m", command: "c", cli: "codex", idleTimeoutMs: 30_000 })
      const { exit, retries, starts } = yield* drive(() => Effect.fail(idle), policy)
      expect(starts).toEqual([0])
      expect(retries).toEqual([])
      expect(exit).toEqual(Exit.fail(idle))
    }))

  it.effect("stops retrying when a later attempt fails for another reason", () =>
    Effect.gen(function*() {
      const auth = new CliAuthRequired({ ...cliFailure, loginCommand: "claude /login" })
      const { exit, starts } = yield* drive((n) => Effect.fail(n === 1 ? reset : auth), policy)
      expect(starts).toEqual([0, 1_000])
      expect(exit).toEqual(Exit.fail(auth))
    }))

  it.effect("maxAttempts 1 and 0 run once", () =>
    Effect.gen(function*() {
      for (const maxAttempts of [0, 1]) {
        const { starts } = yield* drive(() => Effect.fail(reset), { ...policy, maxAttempts })
        expect(starts).toHaveLength(1)
      }
    }))

  it.effect("with jitter, each delay stays between 80 % of the nominal delay and the nominal delay", () =>
    Effect.gen(function*() {
      const { retries, starts } = yield* drive(() => Effect.fail(reset), { ...policy, maxAttempts: 7, jitter: 0.2 })
      expect(starts).toHaveLength(7)
      const nominal = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000]
      retries.forEach((r, i) => {
        expect(r.delayMs).toBeGreaterThanOrEqual(nominal[i]! * 0.8)
        expect(r.delayMs).toBeLessThanOrEqual(nominal[i]!)
        // The clock moves a second at a time: the next attempt starts within a second after its delay.
        expect(starts[i + 1]! - starts[i]!).toBeGreaterThanOrEqual(r.delayMs)
        expect(starts[i + 1]! - starts[i]!).toBeLessThan(r.delayMs + 1_000)
      })
    }))
})
