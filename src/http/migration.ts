/**
 * The tables of resumable Streamable HTTP: the MCP sessions (who opened
 * each, how it was initialized, when it was last seen), the SSE streams of
 * their calls (the JSON-RPC ids a stream answers, the job a call started or
 * joined, whether its answer is stored) and the events sent on them, for a
 * client that comes back with `Last-Event-ID`. Registered as migration
 * `0009_http_streams`; never edit it once shipped.
 *
 * Every statement is `IF NOT EXISTS`, so a database whose record was wound
 * back past it migrates again.
 *
 * A stream and its events go with their session (`ON DELETE CASCADE`); an
 * event's `seq` is its id (opaque to clients: see `eventStore.ts`), ordered
 * in every stream.
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { ddl } from "../storage/dialect.js"

/**
 * @since 0.1.0
 */
export const migration: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  yield* ddl(`
    CREATE TABLE IF NOT EXISTS http_sessions (
      id TEXT PRIMARY KEY,
      principal TEXT NOT NULL,
      protocol_version TEXT,
      initialize_json TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL
    )`)
  yield* ddl(`CREATE INDEX IF NOT EXISTS http_sessions_last_seen ON http_sessions (last_seen_at)`)
  yield* ddl(`
    CREATE TABLE IF NOT EXISTS http_streams (
      session_id TEXT NOT NULL REFERENCES http_sessions (id) ON DELETE CASCADE,
      stream_id TEXT NOT NULL,
      request_ids_json TEXT NOT NULL,
      call_json TEXT,
      answer_seq INTEGER,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (session_id, stream_id)
    )`)
  yield* ddl(`
    CREATE TABLE IF NOT EXISTS http_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      session_id TEXT NOT NULL REFERENCES http_sessions (id) ON DELETE CASCADE,
      stream_id TEXT NOT NULL,
      message_json TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`)
  yield* ddl(`CREATE INDEX IF NOT EXISTS http_events_stream ON http_events (session_id, stream_id, seq)`)
  yield* ddl(`CREATE INDEX IF NOT EXISTS http_events_created ON http_events (created_at)`)
})
