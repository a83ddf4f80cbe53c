/**
 * The durable side of Streamable HTTP sessions, in the gateway's database:
 * each session (who opened it and how it was initialized, so that another
 * process can serve it again), the SSE streams of its calls (which JSON-RPC
 * requests each answers, the job a call started or joined, whether its
 * answer is stored) and every event sent on them, for a client that comes
 * back with `Last-Event-ID` — after a dropped connection, a restart of the
 * server, or on another instance sharing the database.
 *
 * What is recorded, and the service (`HttpStreams`), are in
 * `http/HttpStreams`; `sdkEventStore`, the MCP SDK's `EventStore` over it
 * for one session, is in `http/sdkEventStore`. Both are re-exported here.
 *
 * Bounded: a session's rows go when it ends (DELETE) or expires (idle), and
 * `purge` removes sessions not seen and events older than the retention
 * window in any case.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { StorageError } from "../domain/errors.js"
import { greatest, inTransaction } from "../storage/dialect.js"
import {
  HttpStreams,
  type HttpStreamsShape,
  type SessionRecord,
  type StoredEvent,
  type StreamRecord
} from "./HttpStreams.js"

/**
 * What is recorded of sessions, streams and events, and the service over
 * them (defined in `http/HttpStreams`).
 *
 * @since 0.1.0
 */
export {
  HttpStreams,
  type HttpStreamsShape,
  type SessionRecord,
  STANDALONE_STREAM,
  type StoredEvent,
  type StreamRecord
} from "./HttpStreams.js"

/**
 * The MCP SDK's `EventStore` for one session, and what it stores for
 * (defined in `http/sdkEventStore`).
 *
 * @since 0.1.0
 */
export { sdkEventStore, type Storing, storingFor } from "./sdkEventStore.js"

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
