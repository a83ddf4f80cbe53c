/**
 * Retry and breaker around RequestRunner.execute, over a scripted
 * CommandRunner (nothing is spawned; the script counts the runs).
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as GatewayConfig from "../../src/Config.js"
import * as RequestRunner from "../../src/jobs/RequestRunner.js"
import { type CommandSpec, layerTest, type ScriptedRun } from "../../src/process/CommandRunner.js"
import * as Providers from "../../src/providers/Providers.js"
import * as CircuitBreaker from "../../src/resilience/CircuitBreaker.js"
import type { RetryInfo } from "../../src/resilience/Retry.js"

const OK: ScriptedRun = { stdout: "{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"ok\",\"session_id\":\"s1\"}\n" }
const RESET: ScriptedRun = { exitCode: 1, stderr: "Error: read ECONNRESET\n" }
const CRASH: ScriptedRun = { exitCode: 1, stderr: "TypeError: boom\n" }

const request = (prompt: string, optimizePrompt = false) => ({
  prompt,
  createNewSession: false,
  continueSession: false,
  outputFormat: "text" as const,
  approvalStrategy: "legacy" as const,
  mcpServers: [],
  dangerouslySkipPermissions: false,
  strictMcpConfig: false,
  optimizePrompt,
  forceRefresh: false
})

/** A RequestRunner whose runs answer `script(n)` for the n-th run (from 1); the specs seen. */
const setup = (
  script: (n: number) => ScriptedRun,
  options: {
    readonly retry?: Partial<GatewayConfig.GatewayConfigShape["retry"]>
    readonly breaker?: Partial<CircuitBreaker.CircuitBreakerOptions> | false
  } = {}
) => {
  const specs: Array<CommandSpec> = []
  const runner = layerTest((spec) =>
    Effect.sync(() => {
      specs.push(spec)
      return script(specs.length)
    })
  )
  const config = GatewayConfig.layerTest({
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000, ...options.retry }
  })
  const base = Layer.mergeAll(runner, Providers.layer, CliIdentity.layerTrusting)
  const layer = options.breaker === false
    ? RequestRunner.layer.pipe(Layer.provideMerge(CircuitBreaker.layerDisabled), Layer.provide(base), Layer.provide(config))
    : RequestRunner.layer.pipe(
      Layer.provideMerge(CircuitBreaker.layerTest(options.breaker)),
      Layer.provide(base),
      Layer.provide(config)
    )
  return { specs, layer }
}

/** Runs a request in a fiber, moving the TestClock until it ends. */
const runToEnd = (options: RequestRunner.RunOptions = {}, prompt = "hello") =>
  Effect.gen(function*() {
    const runner = yield* RequestRunner.RequestRunner
    const fiber = yield* Effect.fork(Effect.either(runner.run("claude", request(prompt), options)))
    for (let i = 0; i < 100 && fiber.unsafePoll() === null; i++) yield* TestClock.adjust("500 millis")
    return yield* Fiber.join(fiber)
  })

describe("RequestRunner with retry and the circuit breaker", () => {
  it.effect("a transient failure is retried once and the request succeeds; the output marks the retry", () => {
    const { layer, specs } = setup((n) => n === 1 ? RESET : OK)
    return Effect.gen(function*() {
      const retries: Array<RetryInfo> = []
      const output: Array<string> = []
      const result = yield* runToEnd({
        onRetry: (info) => Effect.sync(() => void retries.push(info)),
        onOutput: (chunk) => Effect.sync(() => void output.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`))
      })
      expect(Either.isRight(result) && result.right.text).toBe("ok")
      expect(specs).toHaveLength(2)
      expect(retries).toHaveLength(1)
      expect(retries[0]).toMatchObject({ attempt: 1, maxAttempts: 3 })
      expect(retries[0]!.error._tag).toBe("CliNetworkError")
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(800)
      expect(retries[0]!.delayMs).toBeLessThanOrEqual(1_000)
      expect(output[0]).toBe("stderr:Error: read ECONNRESET\n")
      expect(output[1]).toMatch(/^stdout:\n\[llm-cli-gateway\] attempt 1 of 3 failed \(CliNetworkError: .*ECONNRESET.*\); attempt 2 starts in \d+ ms/)
      expect(output[2]).toMatch(/^stderr:\n\[llm-cli-gateway\] attempt 1 of 3 failed/)
      expect(output[3]).toMatch(/^stdout:\{"type":"result"/)
      const breaker = yield* Effect.serviceOption(CircuitBreaker.CircuitBreaker)
      expect(breaker._tag).toBe("Some")
      if (breaker._tag === "Some") {
        expect(yield* breaker.value.state("claude")).toMatchObject({ state: "closed", consecutiveFailures: 0 })
      }
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failure that is not transient is not retried", () => {
    const { layer, specs } = setup(() => CRASH)
    return Effect.gen(function*() {
      const result = yield* runToEnd()
      expect(Either.isLeft(result) && result.left._tag).toBe("CliExitedNonZero")
      expect(specs).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("gives up after maxAttempts and reports the last failure", () => {
    const { layer, specs } = setup(() => RESET, { retry: { maxAttempts: 2 } })
    return Effect.gen(function*() {
      const result = yield* runToEnd()
      expect(Either.isLeft(result) && result.left._tag).toBe("CliNetworkError")
      expect(specs).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an open breaker fails fast with CircuitOpen and starts no process", () => {
    const { layer, specs } = setup(() => CRASH, { breaker: { failureThreshold: 2 } })
    return Effect.gen(function*() {
      yield* runToEnd()
      yield* runToEnd()
      expect(specs).toHaveLength(2)
      const result = yield* runToEnd()
      expect(specs).toHaveLength(2)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "CircuitOpen", cli: "claude" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("the breaker opening mid-retry stops the retries", () => {
    const { layer, specs } = setup(() => RESET, { retry: { maxAttempts: 5 }, breaker: { failureThreshold: 2 } })
    return Effect.gen(function*() {
      const result = yield* runToEnd()
      expect(specs).toHaveLength(2)
      expect(Either.isLeft(result) && result.left._tag).toBe("CircuitOpen")
    }).pipe(Effect.provide(layer))
  })

  it.effect("without the breakers in context, runs are still retried", () => {
    const { layer, specs } = setup((n) => n < 3 ? RESET : OK, { breaker: false })
    return Effect.gen(function*() {
      const result = yield* runToEnd()
      expect(Either.isRight(result)).toBe(true)
      expect(specs).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("optimizePrompt rewrites the prompt the CLI gets; without it the prompt is untouched", () => {
    const { layer, specs } = setup(() => OK)
    return Effect.gen(function*() {
      const runner = yield* RequestRunner.RequestRunner
      yield* runner.run("claude", request("Please   fix   `a  b`.\n\n\n\nThanks", true))
      yield* runner.run("claude", request("Please   fix   `a  b`.\n\n\n\nThanks", false))
      expect(specs.map((s) => s.stdin)).toEqual(["Fix `a  b`.\n\nThanks", "Please   fix   `a  b`.\n\n\n\nThanks"])
    }).pipe(Effect.provide(layer))
  })
})
