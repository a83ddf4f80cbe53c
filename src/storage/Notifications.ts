/**
 * News of the store's rows, for those who wait on them: a job ended, its
 * output grew, someone asked to cancel it. On PostgreSQL they travel by
 * `LISTEN/NOTIFY` to every gateway on every host within milliseconds; on
 * SQLite they reach the gateways of this process only, and other processes
 * on the machine look at the rows on a short interval instead.
 *
 * A subscriber also receives `Resync` when notifications may have been lost
 * (the listening connection dropped and came back): it reads the rows again.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

/**
 * What happened to which row.
 *
 * @since 0.1.0
 */
export type Notification =
  | { readonly _tag: "JobEnded"; readonly jobId: string }
  | { readonly _tag: "JobOutput"; readonly jobId: string }
  | { readonly _tag: "CancelRequested"; readonly jobId: string; readonly ownerInstance: string }
  | { readonly _tag: "Resync" }

/**
 * @since 0.1.0
 */
export interface NotificationsShape {
  /**
   * True when notifications reach other processes and hosts (PostgreSQL);
   * false when only this process's (SQLite), so a waiter on another
   * process's row also looks at it from time to time.
   */
  readonly crossProcess: boolean
  /** Tells every subscriber. Never fails: a lost notification is logged, and waiters read rows on `Resync`. */
  readonly publish: (notification: Notification) => Effect.Effect<void>
  /** Every notification from now on, for the life of the scope. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Notification>, never, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Notifications extends Context.Tag("llm-cli-gateway/Notifications")<
  Notifications,
  NotificationsShape
>() {}

/**
 * The channel's text form of a notification: `tag` and fields, tab-separated
 * (ids hold no tabs). Undefined for a payload that is not one.
 *
 * @since 0.1.0
 */
export const encode = (n: Notification): string => {
  switch (n._tag) {
    case "JobEnded":
      return `ended\t${n.jobId}`
    case "JobOutput":
      return `output\t${n.jobId}`
    case "CancelRequested":
      return `cancel\t${n.jobId}\t${n.ownerInstance}`
    case "Resync":
      return "resync"
  }
}

/**
 * @since 0.1.0
 */
export const decode = (payload: string): Notification | undefined => {
  const [tag, a, b] = payload.split("\t")
  if (tag === "ended" && a) return { _tag: "JobEnded", jobId: a }
  if (tag === "output" && a) return { _tag: "JobOutput", jobId: a }
  if (tag === "cancel" && a && b) return { _tag: "CancelRequested", jobId: a, ownerInstance: b }
  if (tag === "resync") return { _tag: "Resync" }
  return undefined
}

/**
 * Notifications within one process, over a hub.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLocal = (hub: PubSub.PubSub<Notification>): NotificationsShape => ({
  crossProcess: false,
  publish: (n) => Effect.asVoid(PubSub.publish(hub, n)),
  subscribe: PubSub.subscribe(hub)
})

/**
 * One hub per database file in this process: two gateways on one file in
 * one process (tests, an app that embeds two) hear each other at once.
 */
const localHubs = new Map<string, PubSub.PubSub<Notification>>()

/**
 * The notifications of the SQLite file at a path, within this process.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLocal = (key: string): Layer.Layer<Notifications> =>
  Layer.sync(Notifications, () => {
    let hub = key === ":memory:" ? undefined : localHubs.get(key)
    if (hub === undefined) {
      hub = Effect.runSync(PubSub.unbounded<Notification>())
      if (key !== ":memory:") localHubs.set(key, hub)
    }
    return makeLocal(hub)
  })

/**
 * Waits for the first notification that `wanted` accepts, or `Resync`.
 *
 * @since 0.1.0
 */
export const awaitNotification = (
  queue: Queue.Dequeue<Notification>,
  wanted: (n: Notification) => boolean
): Effect.Effect<Notification> =>
  Effect.flatMap(queue.take, (n) => n._tag === "Resync" || wanted(n) ? Effect.succeed(n) : awaitNotification(queue, wanted))
