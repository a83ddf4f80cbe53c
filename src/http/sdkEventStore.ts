/**
 * The MCP SDK's `EventStore` for one Streamable HTTP session, over the
 * store of sessions and streams (`http/HttpStreams`): each event the SDK
 * sends on an SSE stream is stored with the JSON-RPC requests it goes with,
 * and replayed to a client that comes back with `Last-Event-ID`. Re-exported
 * by `http/eventStore`.
 *
 * @since 0.1.0
 */
import type { EventStore } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import type { RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import { AsyncLocalStorage } from "node:async_hooks"
import type { StorageError } from "../domain/errors.js"
import type { HttpStreamsShape } from "./HttpStreams.js"

/**
 * The JSON-RPC requests the event being stored goes with: those of the
 * POST whose stream is being opened (its priming event), or the request a
 * message answers or reports on. Set around the SDK's calls by the session
 * transport (`sessions.ts`); read by `sdkEventStore`.
 *
 * @since 0.1.0
 */
export const storingFor = new AsyncLocalStorage<Storing>()

/**
 * What is being stored for: the requests, and (set by the store) the
 * stream the first event went to — for a POST, the stream that answers it.
 *
 * @since 0.1.0
 */
export interface Storing {
  readonly requestIds: ReadonlyArray<RequestId>
  streamId?: string | undefined
}

/**
 * The SDK's `EventStore` for one session, on `streams`. A failure to store
 * is logged and the event goes out without an id (live, not resumable):
 * a database in trouble never stops an answer. Nothing is stored while
 * `muted` answers true (a restored session's own re-initialization).
 *
 * @since 0.1.0
 */
export const sdkEventStore = (
  streams: HttpStreamsShape,
  sessionId: string,
  runtime: Runtime.Runtime<never>,
  muted: () => boolean
): EventStore => {
  const run = <A>(effect: Effect.Effect<A, StorageError>, fallback: A): Promise<A> =>
    Runtime.runPromise(runtime)(
      Effect.catchAll(effect, (error) => Effect.as(Effect.logWarning("HTTP event store", error), fallback))
    )
  return {
    storeEvent: (streamId, message) => {
      const storing = storingFor.getStore()
      if (storing !== undefined) storing.streamId ??= streamId
      return muted()
        ? Promise.resolve("")
        : run(streams.append(sessionId, streamId, message, storing?.requestIds ?? [], Date.now()), "")
    },
    getStreamIdForEventId: (eventId) =>
      run(Effect.map(streams.streamOfEvent(sessionId, eventId), Option.match({
        onNone: () => undefined,
        onSome: (stream) => stream.streamId
      })), undefined),
    replayEventsAfter: (eventId, { send }) =>
      run(
        Effect.gen(function*() {
          const stream = yield* streams.streamOfEvent(sessionId, eventId)
          const events = yield* streams.eventsAfter(sessionId, eventId)
          for (const event of events) yield* Effect.promise(() => send(event.id, event.message))
          return Option.match(stream, { onNone: () => "", onSome: (s) => s.streamId })
        }),
        ""
      )
  }
}
