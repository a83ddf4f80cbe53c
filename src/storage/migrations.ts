/**
 * The schema of the gateway's database, as migrations. A migration that
 * has shipped is never edited: add the next one.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { migration as approvalsMigration } from "../approvals/migration.js"
import { migration as httpStreamsMigration } from "../http/migration.js"
import { migration as flightRecorderMigration } from "../observability/migration.js"
import { migration as sessionsMigration } from "../sessions/migration.js"
import { ddl, hasColumn } from "./dialect.js"
import { textPieces } from "./textPieces.js"

const m0001_jobs = Effect.gen(function*() {
  yield* ddl(`
    CREATE TABLE instances (
      id TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      process_start TEXT,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL,
      lease_ms INTEGER NOT NULL,
      stopped_at INTEGER
    )`)
  yield* ddl(`
    CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      cli TEXT NOT NULL,
      request_key TEXT NOT NULL,
      argv_json TEXT NOT NULL,
      cwd TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      output_format TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','canceled','orphaned')),
      owner_instance TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      exit_code INTEGER,
      signal TEXT,
      error_json TEXT,
      reply_json TEXT,
      pid INTEGER,
      command TEXT,
      stdout_bytes INTEGER NOT NULL DEFAULT 0,
      stderr_bytes INTEGER NOT NULL DEFAULT 0,
      stdout_chars INTEGER NOT NULL DEFAULT 0,
      stderr_chars INTEGER NOT NULL DEFAULT 0,
      output_truncated INTEGER NOT NULL DEFAULT 0,
      cancel_requested_at INTEGER
    )`)
  yield* ddl(`CREATE INDEX jobs_request_key ON jobs (request_key, created_at)`)
  yield* ddl(`CREATE INDEX jobs_status ON jobs (status)`)
  yield* ddl(`CREATE INDEX jobs_owner_active ON jobs (owner_instance) WHERE status IN ('queued','running')`)
  yield* ddl(`CREATE INDEX jobs_finished ON jobs (finished_at)`)
  yield* ddl(`
    CREATE TABLE job_output (
      job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      stream TEXT NOT NULL CHECK (stream IN ('stdout','stderr')),
      seq INTEGER NOT NULL,
      char_start INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (job_id, stream, seq)
    )`)
})

/**
 * The pid namespace an instance sees pids in: two servers on one host name
 * (containers sharing it) judge each other's pids only when they share it.
 */
const m0002_instances_pid_namespace = ddl("ALTER TABLE instances ADD COLUMN pid_namespace TEXT")

/**
 * A job's reply text moves out of its row into pieces of at most a million
 * characters, so that reading a job never loads a large reply and writing
 * one never builds it as one record. Replies already stored are moved.
 */
const m0006_job_reply = Effect.gen(function*() {
  yield* ddl(`
    CREATE TABLE job_reply (
      job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      char_start INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (job_id, seq)
    )`)
  const sql = yield* SqlClient.SqlClient
  const stored = yield* sql<{ id: string; reply_json: string }>`
    SELECT id, reply_json FROM jobs WHERE reply_json IS NOT NULL`
  for (const row of stored) {
    const { text, ...rest } = parseObject(row.reply_json)
    const body = typeof text === "string" ? text : ""
    const pieces = textPieces(body)
    for (let seq = 0; seq < pieces.length; seq++) {
      const { data, start } = pieces[seq]!
      yield* sql`INSERT INTO job_reply ${sql.insert({ job_id: row.id, seq, char_start: start, data })}`
    }
    yield* sql`UPDATE jobs SET reply_json = ${JSON.stringify({ ...rest, chars: body.length })} WHERE id = ${row.id}`
  }
})

/**
 * A job's attempts (each run of its CLI, a retry being the next one), as
 * a JSON list. NULL: a job recorded before attempts were. Added only when
 * absent, so a database whose record was wound back past it migrates again.
 */
const m0007_job_attempts = Effect.gen(function*() {
  if (yield* hasColumn("jobs", "attempts")) return
  yield* ddl("ALTER TABLE jobs ADD COLUMN attempts TEXT DEFAULT NULL")
})

/**
 * Principals (see `domain/Principal`): each job, session, approval and
 * flight-recorder row records who asked, and rows from before are the
 * local principal's (stdio's). The active session is one per principal and
 * CLI, so its table is made anew with that key.
 */
const m0008_principals = Effect.gen(function*() {
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
 * The boot id of an instance's host: a pid is the same process only on the
 * same host in the same boot. Added only when absent.
 */
const m0010_instances_boot_id = Effect.gen(function*() {
  if (yield* hasColumn("instances", "boot_id")) return
  yield* ddl("ALTER TABLE instances ADD COLUMN boot_id TEXT")
})

const parseObject = (json: string): { readonly text?: unknown } => {
  try {
    const value: unknown = JSON.parse(json)
    return typeof value === "object" && value !== null ? value : {}
  } catch {
    return {}
  }
}

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
