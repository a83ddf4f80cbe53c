/**
 * The tables of sessions: every session the gateway knows (its own `gw-`
 * ids and the CLIs' conversations it has seen), and the active session per
 * CLI. Registered as migration `0003_sessions`; never edit it once shipped.
 *
 * The active pointer references the session by `(id, cli)`, so the database
 * itself keeps it pointing at an existing session of the same CLI: deleting
 * a session clears the pointer in the same statement.
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
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      cli TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('gateway','cli')),
      description TEXT,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER NOT NULL,
      cli_session_id TEXT,
      CHECK (kind = 'gateway' OR cli_session_id IS NULL),
      UNIQUE (id, cli)
    )`)
  yield* ddl(`CREATE INDEX sessions_cli_last_used ON sessions (cli, last_used_at)`)
  yield* ddl(`CREATE INDEX sessions_last_used ON sessions (last_used_at)`)
  yield* ddl(`
    CREATE TABLE active_sessions (
      cli TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      FOREIGN KEY (session_id, cli) REFERENCES sessions (id, cli) ON DELETE CASCADE
    )`)
  // The child key of the foreign key, so deleting a session finds its pointer without a scan.
  yield* ddl(`CREATE INDEX active_sessions_session ON active_sessions (session_id, cli)`)
})
