/**
 * What differs between the two stores the services speak to through one
 * `SqlClient`: SQLite (embedded, the default) and PostgreSQL (several
 * hosts). The services write portable SQL; the few statements that differ
 * ask here.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/**
 * A table's DDL as SQLite's, made PostgreSQL's on PostgreSQL: times are
 * milliseconds, past a 32-bit INTEGER, so INTEGER is BIGINT; REAL is a
 * double; SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT` is a BIGSERIAL key.
 *
 * @since 0.1.0
 */
export const pgDdl = (text: string): string =>
  text
    .replace(/\bINTEGER PRIMARY KEY AUTOINCREMENT\b/g, "BIGSERIAL PRIMARY KEY")
    .replace(/\bINTEGER\b/g, "BIGINT")
    .replace(/\bREAL\b/g, "DOUBLE PRECISION")

/**
 * Runs one DDL statement written as SQLite's (see `pgDdl`).
 *
 * @since 0.1.0
 */
export const ddl = (text: string): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(sql.unsafe(sql.onDialectOrElse({ pg: () => pgDdl(text), orElse: () => text }))))

/**
 * Whether a table has a column.
 *
 * @since 0.1.0
 */
export const hasColumn = (table: string, column: string): Effect.Effect<boolean, SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql.onDialectOrElse({
        pg: () =>
          sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ${table}`,
        orElse: () => sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`
      }),
      (columns) => columns.some((c) => c.name === column)
    ))

/**
 * Which clock `storeNow` reads: the store's (`"store"`, the default), or
 * this fiber's `Clock` (`"process"`). Tests that move a `TestClock` to
 * expire leases on PostgreSQL choose `"process"`.
 *
 * @since 0.1.0
 * @category references
 */
export class StoreClock extends Context.Reference<StoreClock>()("llm-cli-gateway/StoreClock", {
  defaultValue: (): "store" | "process" => "store"
}) {}

/**
 * Now, in milliseconds, by the store's clock. On PostgreSQL, the database
 * server's: hosts whose clocks disagree still agree on leases. On SQLite
 * (one machine), this process's `Clock`.
 *
 * @since 0.1.0
 */
export const storeNow: Effect.Effect<number, SqlError, SqlClient.SqlClient> = Effect.flatMap(
  Effect.zip(SqlClient.SqlClient, StoreClock),
  ([sql, source]) =>
    source === "process" ? Clock.currentTimeMillis : sql.onDialectOrElse({
      pg: () =>
        Effect.map(
          sql<{ now: number }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`,
          (rows) => Number(rows[0]!.now)
        ),
      orElse: () => Clock.currentTimeMillis
    })
)

/**
 * True on PostgreSQL.
 *
 * @since 0.1.0
 */
export const isPg = (sql: SqlClient.SqlClient): boolean => sql.onDialectOrElse({ pg: () => true, orElse: () => false })

/**
 * The name of the function that gives the greater of two values: SQLite's
 * two-argument `max`, PostgreSQL's `GREATEST`.
 *
 * @since 0.1.0
 */
export const greatest = (sql: SqlClient.SqlClient) =>
  sql.literal(sql.onDialectOrElse({ pg: () => "GREATEST", orElse: () => "max" }))

/**
 * `sql.withTransaction`, but a COMMIT or ROLLBACK that fails (the database
 * went away mid-transaction) is a failure like any other statement's, not
 * a defect: the caller's StorageError, never an InternalError.
 *
 * @since 0.1.0
 */
export const inTransaction = (sql: SqlClient.SqlClient) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
  sql.withTransaction(self).pipe(
    Effect.catchAllDefect((defect) => isSqlError(defect) ? Effect.fail(defect) : Effect.die(defect))
  )

const isSqlError = (u: unknown): u is SqlError =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "SqlError"
