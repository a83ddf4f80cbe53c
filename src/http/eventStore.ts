/**
 * The durable side of Streamable HTTP sessions, in the gateway's database:
 * each session (who opened it and how it was initialized, so that another
 * process can serve it again), the SSE streams of its calls (which JSON-RPC
 * requests each answers, the job a call started or joined, whether its
 * answer is stored) and every event sent on them, for a client that comes
 * back with `Last-Event-ID` — after a dropped connection, a restart of the
 * server, or on another instance sharing the database.
 *
 * `sdkEventStore` is the MCP SDK's `EventStore` over it, for one session.
 *
 * Bounded: a session's rows go when it ends (DELETE) or expires (idle), and
 * `purge` removes sessions not seen and events older than the retention
 * window in any case.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { EventStore } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { AsyncLocalStorage } from "node:async_hooks"
import { StorageError } from "../domain/errors.js"
import { greatest, inTransaction } from "../storage/dialect.js"

/**
 * A session as recorded.
 *
 * @since 0.1.0
 */
export interface SessionRecord {
  readonly id: string
  /** `principalId` of the caller that opened it; only it is answered on it. */
  readonly principal: string
  /** The protocol version negotiated at `initialize` (null until answered). */
  readonly protocolVersion: string | null
  /** The params of the client's `initialize`, to initialize a restored session the same way. */
  readonly initialize: unknown
  readonly createdAt: number
  readonly lastSeenAt: number
}

/**
 * One SSE stream of a session (the answer stream of a POST, or the GET
 * stream `_GET_stream`).
 *
 * @since 0.1.0
 */
export interface StreamRecord {
  readonly sessionId: string
  readonly streamId: string
  /** The JSON-RPC requests it answers, as the client named them. */
  readonly requestIds: ReadonlyArray<RequestId>
  /** What the call recorded of its job (see `mcp/callLink`), if it has one. */
  readonly call: unknown
  /** True once the answer is stored among its events. */
  readonly answered: boolean
  readonly createdAt: number
}

/**
 * An event as stored: its id (as the client sees it) and its message.
 *
 * @since 0.1.0
 */
export interface StoredEvent {
  readonly id: string
  readonly message: JSONRPCMessage
}

/**
 * @since 0.1.0
 */
export interface HttpStreamsShape {
  /** Records a session opened by `initialize`. */
  readonly openSession: (session: {
    readonly id: string
    readonly principal: string
    readonly initialize: unknown
    readonly createdAt: number
  }) => Effect.Effect<void, StorageError>
  readonly setProtocolVersion: (id: string, version: string) => Effect.Effect<void, StorageError>
  /** The session, if this principal opened it: another's answers exactly as an unknown one. */
  readonly findSession: (id: string, principal: string) => Effect.Effect<Option.Option<SessionRecord>, StorageError>
  readonly touch: (id: string, at: number) => Effect.Effect<void, StorageError>
  /** Ends a session (DELETE): its streams and events go with it. */
  readonly endSession: (id: string) => Effect.Effect<void, StorageError>
  /** Ends a session unless it was seen at or after `seenBefore` (by another instance, say); true when ended. */
  readonly expireSession: (id: string, seenBefore: number) => Effect.Effect<boolean, StorageError>
  /** Records what a call recorded of its job on the stream answering `requestId`. */
  readonly linkCall: (sessionId: string, requestId: RequestId, call: unknown) => Effect.Effect<void, StorageError>
  /**
   * Stores an event of a stream (the stream is recorded with `requestIds`
   * when new) and answers its id. A second answer on one stream (two
   * instances answering one call) is not stored: the first one's id is
   * answered.
   */
  readonly append: (
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage | Record<string, never>,
    requestIds: ReadonlyArray<RequestId>,
    at: number
  ) => Effect.Effect<string, StorageError>
  /** The stream of an event of this session. */
  readonly streamOfEvent: (sessionId: string, eventId: string) => Effect.Effect<Option.Option<StreamRecord>, StorageError>
  /** The events of the same stream after this one, in order (priming events left out). */
  readonly eventsAfter: (sessionId: string, eventId: string) => Effect.Effect<ReadonlyArray<StoredEvent>, StorageError>
  /** Removes the sessions not seen since `before` (with their streams and events) and every event older. */
  readonly purge: (before: number) => Effect.Effect<{ readonly sessions: number; readonly events: number }, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class HttpStreams extends Context.Tag("llm-cli-gateway/HttpStreams")<HttpStreams, HttpStreamsShape>() {}

/** The id of the standalone GET stream, as the SDK names it. @since 0.1.0 */
export const STANDALONE_STREAM = "_GET_stream"

/**
 * Event ids: the event's sequence number in base 36 after `e`. Opaque to
 * clients (they send it back as `Last-Event-ID`), unique in the database,
 * ordered in every stream.
 */
const encodeEventId = (seq: number): string => `e${seq.toString(36)}`
const decodeEventId = (id: string): number | undefined => {
  if (!/^e[0-9a-z]{1,11}$/.test(id)) return undefined
  const seq = parseInt(id.slice(1), 36)
  return Number.isSafeInteger(seq) ? seq : undefined
}

const SessionRow = Schema.Struct({
  id: Schema.String,
  principal: Schema.String,
  protocol_version: Schema.NullOr(Schema.String),
  initialize_json: Schema.parseJson(),
  created_at: Schema.Number,
  last_seen_at: Schema.Number
})

const RequestIdSchema = Schema.Union(Schema.String, Schema.Number)

const StreamRow = Schema.Struct({
  session_id: Schema.String,
  stream_id: Schema.String,
  request_ids_json: Schema.parseJson(Schema.Array(RequestIdSchema)),
  call_json: Schema.NullOr(Schema.parseJson()),
  answer_seq: Schema.NullOr(Schema.Number),
  created_at: Schema.Number
})

const EventRow = Schema.Struct({ seq: Schema.Number, message_json: Schema.parseJson() })

const decodeSession = Schema.decodeUnknown(SessionRow)
const decodeStream = Schema.decodeUnknown(StreamRow)
const decodeEvent = Schema.decodeUnknown(EventRow)

const streamOf = (row: typeof StreamRow.Type): StreamRecord => ({
  sessionId: row.session_id,
  streamId: row.stream_id,
  requestIds: row.request_ids_json,
  call: row.call_json,
  answered: row.answer_seq !== null,
  createdAt: row.created_at
})

const isAnswer = (message: unknown): boolean =>
  typeof message === "object" && message !== null && "id" in message && ("result" in message || "error" in message)

/** A stored priming event (no message): replayed as nothing. */
const isPriming = (message: unknown): boolean =>
  typeof message !== "object" || message === null || !("jsonrpc" in message)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<HttpStreamsShape, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const failed = (operation: string) => (error: SqlError | unknown) =>
    new StorageError({
      message: `database ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      operation
    })
  const run = <A>(operation: string, effect: Effect.Effect<A, unknown>) =>
    Effect.mapError(effect, failed(`http ${operation}`))

  const openSession: HttpStreamsShape["openSession"] = (session) =>
    run(
      "openSession",
      sql`INSERT INTO http_sessions ${
        sql.insert({
          id: session.id,
          principal: session.principal,
          protocol_version: null,
          initialize_json: JSON.stringify(session.initialize ?? {}),
          created_at: session.createdAt,
          last_seen_at: session.createdAt
        })
      }`
    )

  const setProtocolVersion: HttpStreamsShape["setProtocolVersion"] = (id, version) =>
    run("setProtocolVersion", sql`UPDATE http_sessions SET protocol_version = ${version} WHERE id = ${id}`)

  const findSession: HttpStreamsShape["findSession"] = (id, principal) =>
    run(
      "findSession",
      Effect.flatMap(
        sql`SELECT * FROM http_sessions WHERE id = ${id} AND principal = ${principal}`,
        (rows) =>
          rows.length === 0
            ? Effect.succeed(Option.none())
            : Effect.map(decodeSession(rows[0]), (row) =>
              Option.some<SessionRecord>({
                id: row.id,
                principal: row.principal,
                protocolVersion: row.protocol_version,
                initialize: row.initialize_json,
                createdAt: row.created_at,
                lastSeenAt: row.last_seen_at
              }))
      )
    )

  const touch: HttpStreamsShape["touch"] = (id, at) =>
    run("touch", sql`UPDATE http_sessions SET last_seen_at = ${greatest(sql)}(last_seen_at, ${at}) WHERE id = ${id}`)

  const endSession: HttpStreamsShape["endSession"] = (id) =>
    run("endSession", sql`DELETE FROM http_sessions WHERE id = ${id}`)

  const expireSession: HttpStreamsShape["expireSession"] = (id, seenBefore) =>
    run(
      "expireSession",
      Effect.map(
        sql`DELETE FROM http_sessions WHERE id = ${id} AND last_seen_at < ${seenBefore} RETURNING id`,
        (rows) => rows.length > 0
      )
    )

  const linkCall: HttpStreamsShape["linkCall"] = (sessionId, requestId, call) =>
    run(
      "linkCall",
      Effect.gen(function*() {
        // The newest unanswered stream of the session that answers the request (a client may reuse an id later).
        const rows = yield* sql`
          SELECT * FROM http_streams WHERE session_id = ${sessionId} AND answer_seq IS NULL
          ORDER BY created_at DESC`
        for (const raw of rows) {
          const row = yield* decodeStream(raw)
          if (!row.request_ids_json.includes(requestId)) continue
          yield* sql`UPDATE http_streams SET call_json = ${JSON.stringify(call)}
            WHERE session_id = ${sessionId} AND stream_id = ${row.stream_id}`
          return
        }
      })
    )

  const append: HttpStreamsShape["append"] = (sessionId, streamId, message, requestIds, at) =>
    run(
      "append",
      inTransaction(sql)(Effect.gen(function*() {
        // The stream's row first (a write, so that the transaction holds the lock from its start).
        yield* sql`INSERT INTO http_streams ${
          sql.insert({
            session_id: sessionId,
            stream_id: streamId,
            request_ids_json: JSON.stringify(requestIds),
            call_json: null,
            answer_seq: null,
            created_at: at
          })
        } ON CONFLICT (session_id, stream_id) DO NOTHING`
        const answer = isAnswer(message)
        if (answer) {
          const [stream] = yield* sql<{ answer_seq: number | null }>`
            SELECT answer_seq FROM http_streams WHERE session_id = ${sessionId} AND stream_id = ${streamId}`
          if (stream?.answer_seq != null) return encodeEventId(stream.answer_seq)
        }
        const [row] = yield* sql<{ seq: number }>`INSERT INTO http_events ${
          sql.insert({ session_id: sessionId, stream_id: streamId, message_json: JSON.stringify(message), created_at: at })
        } RETURNING seq`
        const seq = row!.seq
        if (answer) {
          yield* sql`UPDATE http_streams SET answer_seq = ${seq} WHERE session_id = ${sessionId} AND stream_id = ${streamId}`
        }
        return encodeEventId(seq)
      }))
    )

  const streamOfEvent: HttpStreamsShape["streamOfEvent"] = (sessionId, eventId) => {
    const seq = decodeEventId(eventId)
    if (seq === undefined) return Effect.succeed(Option.none())
    return run(
      "streamOfEvent",
      Effect.flatMap(
        sql`SELECT s.* FROM http_events e JOIN http_streams s ON s.session_id = e.session_id AND s.stream_id = e.stream_id
          WHERE e.seq = ${seq} AND e.session_id = ${sessionId}`,
        (rows) => rows.length === 0 ? Effect.succeed(Option.none()) : Effect.map(decodeStream(rows[0]), (row) => Option.some(streamOf(row)))
      )
    )
  }

  const eventsAfter: HttpStreamsShape["eventsAfter"] = (sessionId, eventId) => {
    const seq = decodeEventId(eventId)
    if (seq === undefined) return Effect.succeed([])
    return run(
      "eventsAfter",
      Effect.gen(function*() {
        const rows = yield* sql`
          SELECT seq, message_json FROM http_events
          WHERE session_id = ${sessionId} AND seq > ${seq}
            AND stream_id = (SELECT stream_id FROM http_events WHERE seq = ${seq} AND session_id = ${sessionId})
          ORDER BY seq`
        const events: Array<StoredEvent> = []
        for (const raw of rows) {
          const row = yield* decodeEvent(raw)
          if (!isPriming(row.message_json)) {
            events.push({ id: encodeEventId(row.seq), message: row.message_json as JSONRPCMessage })
          }
        }
        return events
      })
    )
  }

  const purge: HttpStreamsShape["purge"] = (before) =>
    run(
      "purge",
      Effect.gen(function*() {
        const sessions = yield* sql`DELETE FROM http_sessions WHERE last_seen_at < ${before} RETURNING id`
        const events = yield* sql`DELETE FROM http_events WHERE created_at < ${before} RETURNING seq`
        return { sessions: sessions.length, events: events.length }
      })
    )

  return {
    openSession,
    setProtocolVersion,
    findSession,
    touch,
    endSession,
    expireSession,
    linkCall,
    append,
    streamOfEvent,
    eventsAfter,
    purge
  } satisfies HttpStreamsShape
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpStreams, never, SqlClient.SqlClient> = Layer.effect(HttpStreams, make)

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
