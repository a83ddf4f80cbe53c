/**
 * JobManager's background work for as long as its scope lives: carrying out
 * the cancel requests other instances recorded for this instance's jobs,
 * completing the flight-recorder rows whose end a killed server never wrote
 * (from their jobs, at start and every minute), and purging what is past
 * retention (finished jobs, unused sessions, approval decisions).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { GatewayConfig } from "../Config.js"
import { ApprovalPolicy } from "../approvals/ApprovalPolicy.js"
import { FlightRecorder } from "../observability/FlightRecorder.js"
import { SessionStore } from "../sessions/SessionStore.js"
import { awaitNotification, Notifications } from "../storage/Notifications.js"
import { Instances } from "./Instances.js"
import { sweep } from "../process/privateFolder.js"
import { JobStore } from "./JobStore.js"

/** How often an instance looks for cancel requests of its jobs. */
const CANCEL_POLL = Duration.millis(500)
/** How often flight-recorder rows left open are completed from their jobs. */
const RECONCILE_EVERY = Duration.minutes(1)
/** How often finished jobs past retention are purged. */
const PURGE_EVERY = Duration.hours(1)

/**
 * Forks the cancel-request poller, the flight recorder's reconciliation and
 * the retention purge into the current scope. `stopLocal` ends a job this
 * instance runs and records it canceled with the message given.
 *
 * @since 0.1.0
 */
export const forkHousekeeping = (stopLocal: (jobId: string, message: string) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const config = yield* GatewayConfig
    const store = yield* JobStore
    const sessions = yield* SessionStore
    const approvals = yield* ApprovalPolicy
    const instances = yield* Instances
    const notifications = yield* Notifications
    const recorder = yield* FlightRecorder
    const self = instances.self

    // Carry out cancel requests that other instances recorded for our jobs: read when the store tells of one
    // (or may have lost one), and, where its news do not cross processes (SQLite), every CANCEL_POLL.
    const news = yield* notifications.subscribe
    const told = awaitNotification(news, (n) => n._tag === "CancelRequested" && n.ownerInstance === self.id)
    const next = notifications.crossProcess ? told : Effect.race(told, Effect.sleep(CANCEL_POLL))
    yield* Effect.forkScoped(
      store.cancelRequested(self.id).pipe(
        Effect.flatMap((ids) =>
          Effect.forEach(ids, (id) => stopLocal(id, "the job was canceled from another server"), { discard: true })
        ),
        Effect.catchAll((e) => Effect.logWarning("could not read cancel requests", e)),
        Effect.zipRight(next),
        Effect.forever
      )
    )
    // Complete the recorder rows whose end was never written, from their jobs: ended, or orphaned by Instances
    // (which looked for the jobs of gone servers before this layer was built, and does on every heartbeat).
    yield* Effect.forkScoped(
      recorder.reconcile({ isGone: instances.isGone }).pipe(
        Effect.tap((n) =>
          n > 0 ? Effect.logInfo(`completed ${n} flight-recorder rows that no server had completed`) : Effect.void
        ),
        Effect.catchAll((e) => Effect.logWarning("could not complete the flight-recorder rows left open", e)),
        Effect.repeat(Schedule.spaced(RECONCILE_EVERY))
      )
    )
    // Purge finished jobs, sessions unused and approval decisions older than the retention, now and then;
    // and the private folders (prompts, MCP configs with their tokens) that servers killed mid-run left.
    yield* Effect.forkScoped(
      Effect.gen(function*() {
        const leftovers = yield* Effect.try(() => sweep()).pipe(
          Effect.catchAll((e) => Effect.as(Effect.logWarning("could not sweep leftover private folders", e), 0))
        )
        if (leftovers > 0) yield* Effect.logInfo(`removed ${leftovers} private folders left by servers that are gone`)
        const before = (yield* Clock.currentTimeMillis) - config.jobRetentionDays * 24 * 3_600_000
        const jobs = yield* store.purge(before)
        const oldSessions = yield* sessions.purge(before)
        const decisions = yield* approvals.purge(before)
        if (jobs + oldSessions + decisions > 0) {
          yield* Effect.logInfo(
            `purged past retention: ${jobs} jobs, ${oldSessions} sessions, ${decisions} approval decisions`
          )
        }
      }).pipe(
        Effect.catchAll((e) => Effect.logWarning("retention purge failed", e)),
        Effect.repeat(Schedule.spaced(PURGE_EVERY))
      )
    )
  })
