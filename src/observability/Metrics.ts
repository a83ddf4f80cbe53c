/**
 * Request metrics of this server process, per CLI: requests, deduped ones,
 * refusals, successes, failures (by error tag), cancels, retries, jobs in
 * flight, and durations with percentiles over a bounded window of recent
 * runs; plus the count of flight-recorder writes that failed. In memory:
 * memory stays bounded however long the server runs.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { allClis, byCli, type Cli } from "../domain/Cli.js"

/** Durations kept per CLI for percentiles (the most recent ones). @since 0.1.0 */
export const DURATION_WINDOW = 1024

/** Distinct error tags counted per CLI; the rest are counted as `other`. */
const MAX_ERROR_TAGS = 64

/**
 * Durations (ms) of finished runs: all-time count, mean, min and max, and
 * percentiles over the most recent `DURATION_WINDOW` runs.
 *
 * @since 0.1.0
 */
export const DurationSummary = Schema.Struct({
  count: Schema.Number,
  meanMs: Schema.NullOr(Schema.Number),
  minMs: Schema.NullOr(Schema.Number),
  maxMs: Schema.NullOr(Schema.Number),
  p50Ms: Schema.NullOr(Schema.Number),
  p90Ms: Schema.NullOr(Schema.Number),
  p99Ms: Schema.NullOr(Schema.Number),
  /** How many recent runs the percentiles are computed over. */
  window: Schema.Number
})

/** @since 0.1.0 */
export type DurationSummary = typeof DurationSummary.Type

/**
 * One CLI's counters.
 *
 * @since 0.1.0
 */
export const CliMetrics = Schema.Struct({
  /** Requests accepted as a job or joined to one (deduped). */
  requests: Schema.Number,
  deduped: Schema.Number,
  /** Requests refused before any job (invalid, denied, unknown session, …). */
  refused: Schema.Number,
  successes: Schema.Number,
  failures: Schema.Number,
  canceled: Schema.Number,
  retries: Schema.Number,
  /** Jobs accepted and not yet ended (queued or running). */
  inFlight: Schema.Number,
  /** Failures and refusals by error tag. */
  errors: Schema.Record({ key: Schema.String, value: Schema.Number }),
  durations: DurationSummary
})

/** @since 0.1.0 */
export type CliMetrics = typeof CliMetrics.Type

/**
 * What `snapshot` answers (and `metrics://performance` shows).
 *
 * @since 0.1.0
 */
export const MetricsSnapshot = Schema.Struct({
  /** When this server process started counting (ms since the epoch). */
  since: Schema.Number,
  at: Schema.Number,
  uptimeMs: Schema.Number,
  totals: Schema.Struct({
    requests: Schema.Number,
    deduped: Schema.Number,
    refused: Schema.Number,
    successes: Schema.Number,
    failures: Schema.Number,
    canceled: Schema.Number,
    retries: Schema.Number,
    inFlight: Schema.Number
  }),
  /** Flight-recorder writes that failed (each was logged; no request failed for it). */
  recorderErrors: Schema.Number,
  clis: Schema.Struct(byCli(() => CliMetrics))
})

/** @since 0.1.0 */
export type MetricsSnapshot = typeof MetricsSnapshot.Type

/**
 * How a job ended, for the counters.
 *
 * @since 0.1.0
 */
export type RunOutcome = "completed" | "failed" | "canceled" | "orphaned"

/**
 * @since 0.1.0
 */
export interface MetricsShape {
  /** A request became a job (or joined one, when `deduped`). */
  readonly requestAccepted: (cli: Cli, options: { readonly deduped: boolean }) => Effect.Effect<void>
  /** A request was refused before it became a job. */
  readonly requestRefused: (cli: Cli, errorTag: string) => Effect.Effect<void>
  /** A job of this server started to wait for its slot. */
  readonly jobStarted: (cli: Cli) => Effect.Effect<void>
  /** A job of this server ended, after `durationMs` (from acceptance). */
  readonly jobEnded: (
    cli: Cli,
    end: { readonly outcome: RunOutcome; readonly durationMs: number; readonly errorTag?: string | undefined }
  ) => Effect.Effect<void>
  /** A run was retried. */
  readonly retried: (cli: Cli) => Effect.Effect<void>
  /** A flight-recorder write failed. */
  readonly recorderError: Effect.Effect<void>
  readonly snapshot: Effect.Effect<MetricsSnapshot>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Metrics extends Context.Tag("llm-cli-gateway/Metrics")<Metrics, MetricsShape>() {}

/** A ring buffer of the most recent durations, with all-time aggregates. */
class Durations {
  private readonly window: Float64Array
  private next = 0
  private filled = 0
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY

  constructor(size: number) {
    this.window = new Float64Array(size)
  }

  add(ms: number): void {
    const v = Math.max(0, ms)
    this.window[this.next] = v
    this.next = (this.next + 1) % this.window.length
    this.filled = Math.min(this.filled + 1, this.window.length)
    this.count++
    this.sum += v
    this.min = Math.min(this.min, v)
    this.max = Math.max(this.max, v)
  }

  summary(): DurationSummary {
    if (this.count === 0) {
      return { count: 0, meanMs: null, minMs: null, maxMs: null, p50Ms: null, p90Ms: null, p99Ms: null, window: 0 }
    }
    const sorted = this.window.slice(0, this.filled).sort()
    return {
      count: this.count,
      meanMs: Math.round(this.sum / this.count),
      minMs: this.min,
      maxMs: this.max,
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
      window: this.filled
    }
  }
}

/**
 * The nearest-rank percentile of sorted values (`q` in 0..1).
 *
 * @since 0.1.0
 */
export const percentile = (sorted: ArrayLike<number>, q: number): number | null => {
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1]!
}

interface Counters {
  requests: number
  deduped: number
  refused: number
  successes: number
  failures: number
  canceled: number
  retries: number
  inFlight: number
  readonly errors: Map<string, number>
  readonly durations: Durations
}

const emptyCounters = (window: number): Counters => ({
  requests: 0,
  deduped: 0,
  refused: 0,
  successes: 0,
  failures: 0,
  canceled: 0,
  retries: 0,
  inFlight: 0,
  errors: new Map(),
  durations: new Durations(window)
})

const countError = (errors: Map<string, number>, tag: string) => {
  const key = errors.has(tag) || errors.size < MAX_ERROR_TAGS ? tag : "other"
  errors.set(key, (errors.get(key) ?? 0) + 1)
}

/**
 * Fresh counters. `window` is how many recent durations the percentiles
 * cover (default `DURATION_WINDOW`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (window: number = DURATION_WINDOW): Effect.Effect<MetricsShape> =>
  Effect.map(Clock.currentTimeMillis, (since) => {
    const byCli = Object.fromEntries(allClis.map((cli) => [cli, emptyCounters(window)])) as Record<Cli, Counters>
    let recorderErrors = 0

    const snapshot = Effect.map(Clock.currentTimeMillis, (at): MetricsSnapshot => {
      const clis = Object.fromEntries(allClis.map((cli) => {
        const c = byCli[cli]
        const entry: CliMetrics = {
          requests: c.requests,
          deduped: c.deduped,
          refused: c.refused,
          successes: c.successes,
          failures: c.failures,
          canceled: c.canceled,
          retries: c.retries,
          inFlight: c.inFlight,
          errors: Object.fromEntries(c.errors),
          durations: c.durations.summary()
        }
        return [cli, entry]
      })) as Record<Cli, CliMetrics>
      const sum = (key: keyof MetricsSnapshot["totals"]) => allClis.reduce((n, cli) => n + clis[cli][key], 0)
      return {
        since,
        at,
        uptimeMs: at - since,
        totals: {
          requests: sum("requests"),
          deduped: sum("deduped"),
          refused: sum("refused"),
          successes: sum("successes"),
          failures: sum("failures"),
          canceled: sum("canceled"),
          retries: sum("retries"),
          inFlight: sum("inFlight")
        },
        recorderErrors,
        clis
      }
    })

    return {
      requestAccepted: (cli, { deduped }) =>
        Effect.sync(() => {
          byCli[cli].requests++
          if (deduped) byCli[cli].deduped++
        }),
      requestRefused: (cli, errorTag) =>
        Effect.sync(() => {
          byCli[cli].refused++
          countError(byCli[cli].errors, errorTag)
        }),
      jobStarted: (cli) =>
        Effect.sync(() => {
          byCli[cli].inFlight++
        }),
      jobEnded: (cli, end) =>
        Effect.sync(() => {
          const c = byCli[cli]
          c.inFlight = Math.max(0, c.inFlight - 1)
          if (end.outcome === "completed") c.successes++
          else if (end.outcome === "canceled") c.canceled++
          else c.failures++
          if (end.errorTag !== undefined && end.outcome !== "canceled") countError(c.errors, end.errorTag)
          c.durations.add(end.durationMs)
        }),
      retried: (cli) =>
        Effect.sync(() => {
          byCli[cli].retries++
        }),
      recorderError: Effect.sync(() => {
        recorderErrors++
      }),
      snapshot
    } satisfies MetricsShape
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Metrics> = Layer.effect(Metrics, make())
