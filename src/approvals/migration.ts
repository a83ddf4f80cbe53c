/**
 * The approval log's table (registered as migration `0004_approvals`).
 * One row per `mcp_managed` decision, approved or denied. The request is
 * kept as a summary: the fields the decision read and the prompt's length,
 * never the prompt.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { ddl } from "../storage/dialect.js"

/**
 * @since 0.1.0
 */
export const migration = Effect.gen(function*() {
  yield* ddl(`
    CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      cli TEXT NOT NULL,
      policy TEXT NOT NULL CHECK (policy IN ('strict','balanced','permissive')),
      status TEXT NOT NULL CHECK (status IN ('approved','denied')),
      risk TEXT NOT NULL CHECK (risk IN ('low','medium','high')),
      bypass INTEGER NOT NULL DEFAULT 0,
      reasons_json TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      job_id TEXT,
      request_json TEXT NOT NULL
    )`)
  // SQLite's implicit rowid orders approvals made in the same millisecond; PostgreSQL gets it as a column.
  yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.onDialectOrElse({
      pg: () => Effect.asVoid(sql`ALTER TABLE approvals ADD COLUMN rowid BIGSERIAL`),
      orElse: () => Effect.void
    }))
  yield* ddl(`CREATE INDEX approvals_created ON approvals (created_at)`)
  yield* ddl(`CREATE INDEX approvals_cli_created ON approvals (cli, created_at)`)
})
