/**
 * Metrics: counters per CLI, in-flight jobs, percentiles over a bounded
 * window, recorder errors, and a snapshot that decodes with its Schema.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import fc from "fast-check"
import { make, Metrics, MetricsSnapshot, layer, percentile } from "../../src/observability/Metrics.js"

describe("Metrics", () => {
  it.effect("counts requests, outcomes, retries and jobs in flight per CLI", () =>
    Effect.gen(function*() {
      const metrics = yield* make()
      yield* metrics.requestAccepted("claude", { deduped: false })
      yield* metrics.jobStarted("claude")
      yield* metrics.requestAccepted("claude", { deduped: false })
      yield* metrics.jobStarted("claude")
      yield* metrics.requestAccepted("claude", { deduped: true })
      yield* metrics.requestRefused("codex", "InvalidRequest")
      yield* metrics.retried("claude")

      let snap = yield* metrics.snapshot
      expect(snap.clis.claude).toMatchObject({ requests: 3, deduped: 1, inFlight: 2, retries: 1, successes: 0 })
      expect(snap.clis.codex).toMatchObject({ requests: 0, refused: 1, errors: { InvalidRequest: 1 } })
      expect(snap.totals).toMatchObject({ requests: 3, inFlight: 2, refused: 1 })

      yield* metrics.jobEnded("claude", { outcome: "completed", durationMs: 100 })
      yield* metrics.jobEnded("claude", { outcome: "failed", durationMs: 300, errorTag: "CliRateLimited" })
      yield* metrics.recorderError
      snap = yield* metrics.snapshot
      expect(snap.clis.claude).toMatchObject({
        successes: 1,
        failures: 1,
        inFlight: 0,
        errors: { CliRateLimited: 1 }
      })
      expect(snap.clis.claude.durations).toMatchObject({ count: 2, minMs: 100, maxMs: 300, meanMs: 200, p50Ms: 100, p99Ms: 300 })
      expect(snap.clis.gemini.durations.count).toBe(0)
      expect(snap.clis.gemini.durations.p50Ms).toBeNull()
      expect(snap.recorderErrors).toBe(1)
      expect(Schema.decodeUnknownSync(MetricsSnapshot)(snap)).toEqual(snap)
    }))

  it.effect("a cancel is counted as canceled, not as a failure, and its tag is not an error", () =>
    Effect.gen(function*() {
      const metrics = yield* make()
      yield* metrics.jobStarted("grok")
      yield* metrics.jobEnded("grok", { outcome: "canceled", durationMs: 5, errorTag: "JobCanceled" })
      const snap = yield* metrics.snapshot
      expect(snap.clis.grok).toMatchObject({ canceled: 1, failures: 0, errors: {} })
    }))

  it.effect("percentiles cover the most recent runs only; memory stays bounded", () =>
    Effect.gen(function*() {
      const metrics = yield* make(10)
      for (let i = 0; i < 100; i++) yield* metrics.jobEnded("gemini", { outcome: "completed", durationMs: 1000 + i })
      for (let i = 1; i <= 10; i++) yield* metrics.jobEnded("gemini", { outcome: "completed", durationMs: i })
      const d = (yield* metrics.snapshot).clis.gemini.durations
      expect(d).toMatchObject({ count: 110, window: 10, minMs: 1, maxMs: 1099, p50Ms: 5, p90Ms: 9, p99Ms: 10 })
    }))

  it.effect("uptime follows the clock", () =>
    Effect.gen(function*() {
      const metrics = yield* Metrics
      yield* TestClock.adjust("5 seconds")
      const snap = yield* metrics.snapshot
      expect(snap.uptimeMs).toBe(5000)
    }).pipe(Effect.provide(layer)))

  it("percentile is the nearest rank of sorted values", () => {
    expect(percentile([], 0.5)).toBeNull()
    expect(percentile([7], 0.99)).toBe(7)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        const sorted = [...values].sort((a, b) => a - b)
        const p = percentile(sorted, q)!
        expect(sorted).toContain(p)
        // At least q of the values are at or below it.
        expect(sorted.filter((v) => v <= p).length).toBeGreaterThanOrEqual(Math.ceil(q * sorted.length))
      })
    )
  })
})
