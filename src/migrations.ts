/**
 * The schema of the gateway's database: every area's migrations, in order,
 * put together here where the layers are composed (the storage layers run
 * the list they are given: `storage/Migrations.ts`). A migration that has
 * shipped is never edited: add the next one.
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { migration as approvalsMigration } from "./approvals/migration.js"
import { migration as httpStreamsMigration } from "./http/migration.js"
import {
  m0001_jobs,
  m0002_instances_pid_namespace,
  m0006_job_reply,
  m0007_job_attempts,
  m0010_instances_boot_id
} from "./jobs/migration.js"
import { migration as flightRecorderMigration } from "./observability/migration.js"
import { migration as sessionsMigration } from "./sessions/migration.js"
import { ddl, hasColumn } from "./storage/dialect.js"
import * as Migrations from "./storage/Migrations.js"

/**
 * The service the storage layers take their migrations from (give your own with `Layer.succeed`).
 *
 * @since 0.1.0
 * @category tags
 */
export { Migrations } from "./storage/Migrations.js"

/**
 * Principals (see `domain/Principal`): each job, session, approval and
 * flight-recorder row records who asked, and rows from before are the
 * local principal's (stdio's). The active session is one per principal and
 * CLI, so its table is made anew with that key.
 */
const m0008_principals: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // Each step only when not done, so a database whose record was wound back past it migrates again.
  const hasPrincipal = (table: string) => hasColumn(table, "principal")
  for (const table of ["jobs", "sessions", "approvals", "flight_recorder"]) {
    if (!(yield* hasPrincipal(table))) {
      yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN principal TEXT NOT NULL DEFAULT 'local'`
    }
  }
  yield* sql`CREATE INDEX IF NOT EXISTS jobs_principal_created ON jobs (principal, created_at)`
  yield* sql`CREATE INDEX IF NOT EXISTS sessions_principal_last_used ON sessions (principal, last_used_at)`
  yield* sql`CREATE INDEX IF NOT EXISTS approvals_principal_created ON approvals (principal, created_at)`
  if (yield* hasPrincipal("active_sessions")) return
  yield* ddl(`
    CREATE TABLE active_sessions_by_principal (
      principal TEXT NOT NULL,
      cli TEXT NOT NULL,
      session_id TEXT NOT NULL,
      PRIMARY KEY (principal, cli),
      FOREIGN KEY (session_id, cli) REFERENCES sessions (id, cli) ON DELETE CASCADE
    )`)
  yield* sql`INSERT INTO active_sessions_by_principal (principal, cli, session_id)
    SELECT 'local', cli, session_id FROM active_sessions`
  yield* sql`DROP TABLE active_sessions`
  yield* sql`ALTER TABLE active_sessions_by_principal RENAME TO active_sessions`
  yield* sql`CREATE INDEX active_sessions_session ON active_sessions (session_id, cli)`
})

/**
 * Every migration, in order.
 *
 * @since 0.1.0
 */
export const loader: Migrator.Loader = Migrator.fromRecord({
  "0001_jobs": m0001_jobs,
  "0002_instances_pid_namespace": m0002_instances_pid_namespace,
  "0003_sessions": sessionsMigration,
  "0004_approvals": approvalsMigration,
  "0005_flight_recorder": flightRecorderMigration,
  "0006_job_reply": m0006_job_reply,
  "0007_job_attempts": m0007_job_attempts,
  "0008_principals": m0008_principals,
  "0009_http_streams": httpStreamsMigration,
  "0010_instances_boot_id": m0010_instances_boot_id
})

/**
 * The gateway's migrations, for the storage layers (`Database.layer`,
 * `layerAt`, `layerUrl`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Migrations.Migrations> = Migrations.layer(loader)
