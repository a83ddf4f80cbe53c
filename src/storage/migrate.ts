/**
 * Brings a database, SQLite or PostgreSQL, to the newest schema.
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { Migrations } from "./Migrations.js"

const MIGRATIONS_TABLE = "gateway_migrations"

/**
 * Runs the migrations (`Migrations`), then checks they are all applied. The migrator takes
 * "another process is migrating" for done; the check fails instead, so the
 * caller retries until the other process has finished.
 *
 * @since 0.1.0
 */
export const migrate = Effect.gen(function*() {
  const loader = yield* Migrations
  yield* Migrator.make({})({ loader, table: MIGRATIONS_TABLE })
  const sql = yield* SqlClient.SqlClient
  const wanted = Math.max(0, ...(yield* loader).map(([id]) => id))
  const [row] = yield* sql<{ latest: number | null }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`
  if (Number(row?.latest ?? 0) < wanted) {
    return yield* Effect.fail(new Migrator.MigrationError({ reason: "locked", message: "another process is migrating" }))
  }
})
