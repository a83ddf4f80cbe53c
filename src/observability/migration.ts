/**
 * The flight recorder's table (registered as migration `0005_flight_recorder`;
 * never edit it once shipped). One row per request: inserted when it is
 * accepted (or refused), completed when its job ends. Plain columns, so
 * `sqlite3` or Datasette can read it; see README "The flight recorder".
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
    CREATE TABLE flight_recorder (
      id TEXT PRIMARY KEY,
      correlation_id TEXT NOT NULL,
      job_id TEXT,
      instance_id TEXT,
      cli TEXT NOT NULL,
      tool TEXT,
      model TEXT,
      request_session_id TEXT,
      session_id TEXT,
      deduped INTEGER NOT NULL DEFAULT 0,
      approval_strategy TEXT,
      approval_status TEXT,
      approval_policy TEXT,
      approval_id TEXT,
      status TEXT NOT NULL
        CHECK (status IN ('started','completed','failed','canceled','orphaned','refused')),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      duration_ms INTEGER,
      exit_code INTEGER,
      error_tag TEXT,
      error_message TEXT,
      retry_count INTEGER NOT NULL DEFAULT 0,
      retries_json TEXT NOT NULL DEFAULT '[]',
      circuit_state TEXT,
      prompt TEXT,
      prompt_chars INTEGER NOT NULL DEFAULT 0,
      reply TEXT,
      reply_chars INTEGER,
      content_recorded INTEGER NOT NULL DEFAULT 1,
      content_truncated INTEGER NOT NULL DEFAULT 0,
      input_tokens INTEGER,
      output_tokens INTEGER,
      usage_json TEXT,
      cost_usd REAL
    )`)
  yield* ddl(`CREATE INDEX flight_recorder_started ON flight_recorder (started_at)`)
  yield* ddl(`CREATE INDEX flight_recorder_cli_started ON flight_recorder (cli, started_at)`)
  yield* ddl(`CREATE INDEX flight_recorder_correlation ON flight_recorder (correlation_id)`)
  yield* ddl(`CREATE INDEX flight_recorder_job ON flight_recorder (job_id)`)
  yield* ddl(`CREATE INDEX flight_recorder_open ON flight_recorder (job_id) WHERE finished_at IS NULL`)
})
