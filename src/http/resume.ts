/**
 * A client back with `Last-Event-ID` for a call's stream that no call here
 * will finish: the server restarted since, or the session is served by
 * another instance now. The events stored after that id are sent again;
 * then the answer: the stored one, or — the call having recorded its job
 * (`mcp/callLink`) — the answer the tool gives from the job once it ends
 * (waiting on a job of another instance too), or else a JSON-RPC error
 * saying the call did not survive and may be retried. The answer is stored
 * before it is sent (a later resume gets the same), and the stream ends.
 *
 * @since 0.1.0
 */
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ServerResponse } from "node:http"
import type { HttpStreamsShape, StoredEvent, StreamRecord } from "./eventStore.js"
import type { SessionInfo } from "./HttpSession.js"

/**
 * A call lost with the server that ran it, with no job to answer from (a
 * tool that is not a request, or one that had not started its job): it
 * may be sent again.
 *
 * @since 0.1.0
 */
export class CallLost extends Schema.TaggedError<CallLost>()("CallLost", {
  message: Schema.String,
  requestId: Schema.Union(Schema.String, Schema.Number)
}) {}

/** JSON-RPC's code of a server error, for a lost call. @since 0.1.0 */
export const CALL_LOST_CODE = -32000

/** How often a comment is written on a stream that waits for a job, so that no one in between drops it. */
const KEEP_ALIVE = Duration.seconds(15)

/**
 * How a call's answer is made from what it recorded of its job: a
 * `CallToolResult`, as the session's principal.
 *
 * @since 0.1.0
 */
export type AnswerFromJob<R> = (call: unknown, session: SessionInfo) => Effect.Effect<Record<string, unknown>, never, R>

const sse = (event: StoredEvent): string => `event: message\nid: ${event.id}\ndata: ${JSON.stringify(event.message)}\n\n`

const lost = (requestId: RequestId): JSONRPCMessage => {
  const error = new CallLost({
    message: "the call did not survive a restart of the server (or ran on an instance that is gone) and left " +
      "no job to answer from; it may be sent again",
    requestId
  })
  return {
    jsonrpc: "2.0",
    id: requestId,
    error: { code: CALL_LOST_CODE, message: error.message, data: { _tag: error._tag, requestId } }
  }
}

/** Resolves when the client has gone away. */
const clientGone = (res: ServerResponse): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (res.destroyed || res.writableEnded) return resume(Effect.void)
    const gone = () => resume(Effect.void)
    res.once("close", gone)
    return Effect.sync(() => {
      res.off("close", gone)
    })
  })

/**
 * Serves the stream from `lastEventId` on `res`, until its answer is sent
 * or the client goes away.
 *
 * @since 0.1.0
 */
export const serveDetached = <R>(
  streams: HttpStreamsShape,
  answerFromJob: AnswerFromJob<R>,
  session: SessionInfo,
  stream: StreamRecord,
  lastEventId: string,
  res: ServerResponse
): Effect.Effect<void, never, R> =>
  Effect.gen(function*() {
    const events = yield* Effect.orElseSucceed(
      Effect.tapError(streams.eventsAfter(session.id, lastEventId), (e) => Effect.logWarning("HTTP resume", e)),
      (): ReadonlyArray<StoredEvent> => []
    )
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
      "mcp-session-id": session.id
    })
    res.flushHeaders()
    for (const event of events) res.write(sse(event))
    const answered = stream.answered || events.some((e) => "id" in e.message && ("result" in e.message || "error" in e.message))
    if (!answered) {
      // One call per stream (clients send one request per POST); a batch's stream is answered as lost.
      const requestId = stream.requestIds.length === 1 ? stream.requestIds[0]! : undefined
      const answer: Effect.Effect<ReadonlyArray<JSONRPCMessage>, never, R> = requestId === undefined
        ? Effect.succeed(stream.requestIds.map(lost))
        : stream.call === null || stream.call === undefined
        ? Effect.succeed([lost(requestId)])
        : Effect.map(answerFromJob(stream.call, session), (result): ReadonlyArray<JSONRPCMessage> => [
          { jsonrpc: "2.0", id: requestId, result } as JSONRPCMessage
        ])
      const keepAlive: Effect.Effect<never> = Effect.forever(
        Effect.zipRight(Effect.sleep(KEEP_ALIVE), Effect.sync(() => res.write(": keepalive\n\n")))
      )
      const messages = yield* Effect.raceFirst(
        Effect.raceFirst(answer, keepAlive),
        Effect.as(clientGone(res), undefined)
      )
      // Gone: the next resume waits again.
      if (messages === undefined) return
      for (const message of messages) {
        const id = yield* Effect.orElseSucceed(
          Effect.tapError(
            streams.append(session.id, stream.streamId, message, stream.requestIds, Date.now()),
            (e) => Effect.logWarning("HTTP resume: the answer could not be stored", e)
          ),
          () => ""
        )
        res.write(id === "" ? `event: message\ndata: ${JSON.stringify(message)}\n\n` : sse({ id, message }))
      }
    }
    res.end()
  }).pipe(Effect.annotateLogs({ httpSession: session.id, stream: stream.streamId }))
