/**
 * Progress notifications while a tool waits on a job: when the job's output
 * grows (checked once a second, and at once when the store tells of new
 * output, which reaches every host on PostgreSQL) and, while it is
 * silent, every `LLM_GATEWAY_PROGRESS_HEARTBEAT_MS`, so clients that reset
 * their time limit on progress do not time out.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { GatewayConfig } from "../../Config.js"
import { isFinal } from "../../domain/Job.js"
import { JobManager } from "../../jobs/JobManager.js"
import type { CallContext } from "../Tool.js"

/** How often the job's row is looked at. */
const TICK = Duration.seconds(1)

/**
 * Runs `wait`, reporting the job's progress beside it when the caller asked
 * for progress. The reports end with `wait`.
 *
 * @since 0.1.0
 */
export const withJobProgress = <A, E, R>(
  jobId: string,
  context: CallContext,
  wait: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | JobManager | GatewayConfig> => {
  const report = context.reportProgress
  if (report === undefined) return wait
  const ticker = Effect.gen(function*() {
    const manager = yield* JobManager
    const config = yield* GatewayConfig
    const news = yield* manager.watch(jobId)
    const tick = Effect.race(news, Effect.sleep(TICK))
    let sent = 0
    let lastBytes = -1
    let lastSentAt = yield* Clock.currentTimeMillis
    const startedAt = lastSentAt
    while (true) {
      yield* tick
      const job = yield* Effect.option(manager.get(jobId))
      if (job._tag === "None" || isFinal(job.value.status)) return
      const now = yield* Clock.currentTimeMillis
      const bytes = job.value.stdoutBytes
      const seconds = Math.round((now - startedAt) / 1000)
      if (bytes !== lastBytes && bytes > 0) {
        lastBytes = bytes
      } else if (now - lastSentAt < config.progressHeartbeatMs) {
        continue
      }
      sent++
      lastSentAt = now
      yield* report({
        progress: sent,
        message: job.value.status === "queued"
          ? `queued for ${seconds} s, waiting for a free slot`
          : `${job.value.cli} running for ${seconds} s; ${bytes} bytes of output so far`
      })
    }
  })
  return Effect.scoped(Effect.zipRight(Effect.forkScoped(ticker), wait))
}
