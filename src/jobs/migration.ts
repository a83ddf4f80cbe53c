/**
 * The tables of jobs and of the instances that run them: the jobs, their
 * output and reply pieces, and the servers' leases. Registered as migrations
 * `0001_jobs`, `0002_instances_pid_namespace`, `0006_job_reply`,
 * `0007_job_attempts` and `0010_instances_boot_id` (`src/migrations.ts`);
 * never edit one once shipped: add the next.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { ddl, hasColumn } from "../storage/dialect.js"
import { textPieces } from "../storage/textPieces.js"

/**
 * The instances, the jobs and their output pieces.
 *
 * @since 0.1.0
 */
export const m0001_jobs: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
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
 *
 * @since 0.1.0
 */
export const m0002_instances_pid_namespace: Effect.Effect<void, SqlError, SqlClient.SqlClient> = ddl("ALTER TABLE instances ADD COLUMN pid_namespace TEXT")

/**
 * A job's reply text moves out of its row into pieces of at most a million
 * characters, so that reading a job never loads a large reply and writing
 * one never builds it as one record. Replies already stored are moved.
 *
 * @since 0.1.0
 */
export const m0006_job_reply: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
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
 *
 * @since 0.1.0
 */
export const m0007_job_attempts: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  if (yield* hasColumn("jobs", "attempts")) return
  yield* ddl("ALTER TABLE jobs ADD COLUMN attempts TEXT DEFAULT NULL")
})

/**
 * The boot id of an instance's host: a pid is the same process only on the
 * same host in the same boot. Added only when absent.
 *
 * @since 0.1.0
 */
export const m0010_instances_boot_id: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
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
