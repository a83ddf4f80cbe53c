/**
 * One circuit breaker per CLI. After `failureThreshold` consecutive
 * failures of a CLI its breaker opens: runs of that CLI fail at once with
 * `CircuitOpen`, starting no process, for `openMs`. Then it is half-open:
 * one trial run goes through; its success closes the breaker, its failure
 * opens it again for another `openMs`.
 *
 * What counts as a failure: the transient ones (see `Retry.isTransient`)
 * and those of the CLI's side (a crash, an error result, a hang, a rate
 * limit, a spawn the system refused). The caller's own mistakes (a bad
 * request, model, folder or session, a login the user must do, a missing
 * binary) and cancels count neither way: they say nothing about the CLI's
 * health.
 *
 * State lives in a `Ref` and time comes from `Clock`, so `TestClock` drives
 * the cool-down.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { GatewayConfig } from "../Config.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { CircuitOpen, type GatewayError } from "../domain/errors.js"
import { isTransient } from "./Retry.js"

/**
 * @since 0.1.0
 */
export type CircuitState = "closed" | "open" | "half-open"

/**
 * A breaker's state as it can be read (for metrics and the flight recorder).
 *
 * @since 0.1.0
 */
export interface CircuitSnapshot {
  readonly cli: Cli
  readonly state: CircuitState
  /** Failures in a row so far (while closed), or those that opened it. */
  readonly consecutiveFailures: number
  /** When it last opened (epoch ms), or null when it never did. */
  readonly openedAt: number | null
  /** While open: how long until a trial run may go through (ms); 0 otherwise. */
  readonly retryAfterMs: number
}

/**
 * @since 0.1.0
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open a breaker; 0 disables breaking. */
  readonly failureThreshold: number
  /** How long an open breaker fails fast before a trial run (ms). */
  readonly openMs: number
}

/**
 * @since 0.1.0
 */
export interface CircuitBreakerShape {
  /**
   * Runs `effect` through the CLI's breaker: fails with `CircuitOpen`
   * without running it while the breaker is open, and records how it ended.
   */
  readonly protect: <A, E extends GatewayError, R>(
    cli: Cli,
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CircuitOpen, R>
  /** The CLI's breaker as it is now. */
  readonly state: (cli: Cli) => Effect.Effect<CircuitSnapshot>
  /** Every CLI's breaker. */
  readonly states: Effect.Effect<ReadonlyArray<CircuitSnapshot>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CircuitBreaker extends Context.Tag("llm-cli-gateway/CircuitBreaker")<
  CircuitBreaker,
  CircuitBreakerShape
>() {}

/**
 * Whether a failure counts against the CLI's health.
 *
 * @since 0.1.0
 */
export const countsAsFailure = (error: GatewayError): boolean => {
  if (isTransient(error)) return true
  switch (error._tag) {
    case "CliExitedNonZero":
    case "CliRunFailed":
    case "CliRateLimited":
    case "IdleTimeout":
      return true
    case "SpawnFailed":
      // ENOENT here is a working folder that does not exist: the caller's.
      return error.code !== "ENOENT"
    default:
      return false
  }
}

type Breaker =
  | { readonly _tag: "Closed"; readonly failures: number; readonly openedAt: number | null }
  | { readonly _tag: "Open"; readonly failures: number; readonly openedAt: number; readonly until: number }
  | { readonly _tag: "HalfOpen"; readonly failures: number; readonly openedAt: number; readonly trial: boolean }

type Permit = "normal" | "trial"
/** A run admitted with a permit, or refused with how long to wait (ms). */
type Admission = { readonly ok: Permit } | { readonly wait: number }
type Verdict = "success" | "failure" | "ignore"

/** While a trial run decides, callers are told to try again after this long (ms). */
const TRIAL_RETRY_AFTER_MS = 1_000

const snapshot = (cli: Cli, b: Breaker, now: number): CircuitSnapshot => {
  switch (b._tag) {
    case "Closed":
      return { cli, state: "closed", consecutiveFailures: b.failures, openedAt: b.openedAt, retryAfterMs: 0 }
    case "Open":
      return now >= b.until
        ? { cli, state: "half-open", consecutiveFailures: b.failures, openedAt: b.openedAt, retryAfterMs: 0 }
        : { cli, state: "open", consecutiveFailures: b.failures, openedAt: b.openedAt, retryAfterMs: b.until - now }
    case "HalfOpen":
      return { cli, state: "half-open", consecutiveFailures: b.failures, openedAt: b.openedAt, retryAfterMs: 0 }
  }
}

/** Admits a run or refuses it (with how long to wait). */
const admit = (b: Breaker, now: number): readonly [Admission, Breaker] => {
  switch (b._tag) {
    case "Closed":
      return [{ ok: "normal" }, b]
    case "Open":
      return now < b.until
        ? [{ wait: b.until - now }, b]
        : [{ ok: "trial" }, { _tag: "HalfOpen", failures: b.failures, openedAt: b.openedAt, trial: true }]
    case "HalfOpen":
      return b.trial ? [{ wait: TRIAL_RETRY_AFTER_MS }, b] : [{ ok: "trial" }, { ...b, trial: true }]
  }
}


/** The breaker after a run admitted with `permit` ended with `verdict`. */
const settle = (
  b: Breaker,
  permit: Permit,
  verdict: Verdict,
  now: number,
  options: CircuitBreakerOptions
): Breaker => {
  const open = (failures: number, openedAt: number = now): Breaker => ({
    _tag: "Open",
    failures,
    openedAt,
    until: now + options.openMs
  })
  switch (verdict) {
    case "success":
      return { _tag: "Closed", failures: 0, openedAt: b.openedAt }
    case "ignore":
      return b._tag === "HalfOpen" && permit === "trial" ? { ...b, trial: false } : b
    case "failure":
      switch (b._tag) {
        case "Closed":
          return b.failures + 1 >= options.failureThreshold ? open(b.failures + 1) : { ...b, failures: b.failures + 1 }
        case "Open":
          // A run admitted before it opened: already accounted for.
          return b
        case "HalfOpen":
          return permit === "trial" ? open(b.failures + 1) : b
      }
  }
}

const verdictOf = <A, E extends GatewayError>(exit: Exit.Exit<A, E>): Verdict => {
  if (Exit.isSuccess(exit)) return "success"
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && countsAsFailure(failure.value) ? "failure" : "ignore"
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: CircuitBreakerOptions): Effect.Effect<CircuitBreakerShape> =>
  Effect.gen(function*() {
    const initial: Breaker = { _tag: "Closed", failures: 0, openedAt: null }
    const breakers = yield* Ref.make<Readonly<Record<Cli, Breaker>>>(
      Object.fromEntries(allClis.map((cli) => [cli, initial])) as Record<Cli, Breaker>
    )
    const now = Effect.clockWith((clock) => clock.currentTimeMillis)

    const state = (cli: Cli) =>
      Effect.zipWith(Ref.get(breakers), now, (all, at) => snapshot(cli, all[cli], at))

    const states = Effect.zipWith(Ref.get(breakers), now, (all, at) => allClis.map((cli) => snapshot(cli, all[cli], at)))

    const refuse = (cli: Cli, waitMs: number, failures: number) =>
      new CircuitOpen({
        cli,
        retryAfterMs: waitMs,
        message: `${cli} failed ${failures} times in a row, so the gateway stops starting it for a while; ` +
          `a trial run goes through in ${Math.ceil(waitMs / 1000)} s`,
        hint: `Retry after ${Math.ceil(waitMs / 1000)} s, or check that \`${cli}\` works when run by hand ` +
          "(network, login, quota). Its last failures are in the jobs' errors (llm_job_status)."
      })

    const release = (cli: Cli, permit: Permit, verdict: Verdict) =>
      Effect.flatMap(now, (at) =>
        Ref.modify(breakers, (all) => {
          const before = all[cli]
          const after = settle(before, permit, verdict, at, options)
          return [[before, after] as const, { ...all, [cli]: after }]
        })).pipe(
          Effect.flatMap(([before, after]) => {
            if (after._tag === "Open" && before._tag === "Closed") {
              return Effect.logWarning(
                `${cli} circuit breaker opened after ${after.failures} consecutive failures; ` +
                  `runs fail fast for ${options.openMs} ms`
              )
            }
            if (after._tag === "Open" && before._tag === "HalfOpen") {
              return Effect.logWarning(`${cli} circuit breaker: the trial run failed; open again for ${options.openMs} ms`)
            }
            if (after._tag === "Closed" && before._tag !== "Closed") return Effect.logInfo(`${cli} circuit breaker closed`)
            return Effect.void
          })
        )

    const protect = <A, E extends GatewayError, R>(
      cli: Cli,
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | CircuitOpen, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const at = yield* now
          const [decision, failures] = yield* Ref.modify(breakers, (all) => {
            const [d, next] = admit(all[cli], at)
            return [[d, all[cli].failures] as const, { ...all, [cli]: next }]
          })
          if ("wait" in decision) return yield* Effect.fail(refuse(cli, decision.wait, failures))
          if (decision.ok === "trial") yield* Effect.logInfo(`${cli} circuit breaker half-open: a trial run goes through`)
          return yield* restore(effect).pipe(
            Effect.onExit((exit) => release(cli, decision.ok, verdictOf(exit)))
          )
        })
      )

    if (options.failureThreshold <= 0) {
      return { protect: (_cli, effect) => effect, state, states }
    }
    return { protect, state, states }
  })

/**
 * The breakers as configured (`LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD`,
 * `LLM_GATEWAY_CIRCUIT_OPEN_MS`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CircuitBreaker, never, GatewayConfig> = Layer.effect(
  CircuitBreaker,
  Effect.flatMap(GatewayConfig, (config) => make(config.circuitBreaker))
)

/**
 * Breakers with the given options (default: 5 failures, 60 s), without a
 * configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (options: Partial<CircuitBreakerOptions> = {}): Layer.Layer<CircuitBreaker> =>
  Layer.effect(CircuitBreaker, make({ failureThreshold: 5, openMs: 60_000, ...options }))

/**
 * No breaking: every run goes through, and every breaker reads `closed`
 * (as with `LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD=0`). For an app that
 * builds a `RequestRunner` and wants no circuit breakers.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<CircuitBreaker> = Layer.effect(
  CircuitBreaker,
  make({ failureThreshold: 0, openMs: 1 })
)
