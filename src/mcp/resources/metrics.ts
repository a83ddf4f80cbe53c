/**
 * `metrics://performance`: this server's request metrics per CLI (requests,
 * deduped, refused, successes, failures by error tag, cancels, retries,
 * jobs in flight, durations with p50/p90/p99) and the flight recorder's
 * failed writes, as JSON (`Metrics.MetricsSnapshot`). They count every
 * principal's requests, so they are the server operator's: the local
 * principal (stdio, or HTTP on loopback without authentication) reads them;
 * a token's or an OAuth subject's read is refused, so that no principal
 * learns of another's activity.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InvalidRequest } from "../../domain/errors.js"
import { CurrentPrincipal, LOCAL } from "../../domain/Principal.js"
import { Metrics, MetricsSnapshot } from "../../observability/Metrics.js"
import * as Resource from "../Resource.js"

const encode = Schema.encode(MetricsSnapshot)

/** @since 0.1.0 */
export const performance = Resource.make({
  uri: "metrics://performance",
  name: "Performance metrics",
  description: "This server's request metrics since it started, per CLI: requests, deduped, refused, successes, " +
    "failures (by error tag), canceled, retries, jobs in flight, and durations (count, mean, min, max, p50, p90, " +
    "p99 over the recent runs). Every request's own record is in the flight_recorder table of the database.",
  mimeType: "application/json",
  read: Effect.gen(function*() {
    if ((yield* CurrentPrincipal) !== LOCAL) {
      return yield* new InvalidRequest({
        message: "metrics://performance counts every principal's requests, so only the server's operator (stdio, or " +
          "HTTP on loopback without tokens) reads it; your own jobs are in tasks/list and jobs://recent"
      })
    }
    const snapshot = yield* (yield* Metrics).snapshot
    // Our own Schema refusing our own snapshot is a bug: a defect.
    const encoded = yield* Effect.orDie(encode(snapshot))
    return { mimeType: "application/json", text: JSON.stringify(encoded, null, 2) }
  })
})

/** @since 0.1.0 */
export const metricsResources = [performance] as const
