/**
 * The database a store test opens at a path: SQLite's `Database.layerAt(path)`
 * normally; under the PostgreSQL run (`LLM_GATEWAY_TEST_POSTGRES_URL` set by
 * test/postgres/globalSetup.ts) a PostgreSQL database named after the path,
 * created on first use, through `Database.layerUrl`. Two layers opened on one
 * path share one database, exactly as two SQLite layers on one file do;
 * `:memory:` gives a database of its own to every layer built, as SQLite does.
 *
 * The same for what opens the database itself from the configuration
 * (`testConfig`), for a database without the gateway's schema
 * (`testUnmigratedDatabaseAt`), and for another process (`testDatabaseTarget`).
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Migrations from "../../src/migrations.js"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as GatewayConfig from "../../src/Config.js"
import type { StorageError } from "../../src/domain/errors.js"
import * as Database from "../../src/storage/Database.js"
import { StoreClock } from "../../src/storage/dialect.js"
import type { Notifications } from "../../src/storage/Notifications.js"
import { createDatabase, databaseNameFor, freshDatabaseName } from "./postgres.js"

/** The admin URL of the run's PostgreSQL server, when the tests run on PostgreSQL. */
export const testPostgresUrl = (): string | undefined => {
  const url = process.env.LLM_GATEWAY_TEST_POSTGRES_URL
  return url === undefined || url === "" ? undefined : url
}

/** Which store the tests of this run open. */
export const testStore = (): "sqlite" | "postgres" => (testPostgresUrl() === undefined ? "sqlite" : "postgres")

/** One CREATE DATABASE per name and process, whoever asks first. */
const created = new Map<string, Promise<string>>()

const databaseUrl = (adminUrl: string, name: string): Effect.Effect<string> =>
  Effect.promise(() => {
    let made = created.get(name)
    if (made === undefined) {
      made = createDatabase(adminUrl, name)
      // A failure is not remembered: the next layer on this path tries again.
      made.catch(() => created.delete(name))
      created.set(name, made)
    }
    return made
  })

/**
 * The store tests' database at `path` (see above). On PostgreSQL the
 * database is made when the layer is built, so a layer built twice on one
 * path (or two layers on one path) sees the same rows.
 */
export const testDatabaseAt = (path: string): Layer.Layer<SqlClient.SqlClient | Notifications, StorageError> => {
  const adminUrl = testPostgresUrl()
  if (adminUrl === undefined) return Layer.provide(Database.layerAt(path), Migrations.layer)
  return Layer.unwrapEffect(
    Effect.suspend(() => databaseUrl(adminUrl, nameFor(path))).pipe(
      // Leases by the test's clock, as on SQLite: the tests move a TestClock to expire them.
      // (The database's own clock is tested with real processes: test/postgres/hosts.test.ts.)
      Effect.map((url) => Layer.merge(Layer.provide(Database.layerUrl(url), Migrations.layer), Layer.succeed(StoreClock, "process")))
    )
  )
}

const nameFor = (path: string): string => (path === ":memory:" ? freshDatabaseName() : databaseNameFor(path))

/**
 * `GatewayConfig.layerTest(overrides)`, whose database (`databasePath`,
 * `:memory:` by default) is on PostgreSQL under the PostgreSQL run: there
 * `databaseUrl` names the database `testDatabaseAt(databasePath)` opens, so
 * the gateway's own layers and a test's `testDatabaseAt` on that path share it.
 */
export const testConfig = (overrides: Partial<GatewayConfig.GatewayConfigShape> = {}): Layer.Layer<GatewayConfig.GatewayConfig> => {
  const adminUrl = testPostgresUrl()
  if (adminUrl === undefined) return GatewayConfig.layerTest(overrides)
  return Layer.unwrapEffect(
    Effect.suspend(() => databaseUrl(adminUrl, nameFor(overrides.databasePath ?? ":memory:"))).pipe(
      Effect.map((url) => GatewayConfig.layerTest({ ...overrides, databaseUrl: Option.some(Redacted.make(url)) }))
    )
  )
}

/**
 * A client on a database at `path` that the gateway never migrated (no
 * tables): a SQLite file, or under the PostgreSQL run an empty database.
 */
export const testUnmigratedDatabaseAt = (path: string): Layer.Layer<SqlClient.SqlClient, ConfigError | SqlError> => {
  const adminUrl = testPostgresUrl()
  if (adminUrl === undefined) return SqliteClient.layer({ filename: path })
  return Layer.unwrapEffect(
    Effect.suspend(() => databaseUrl(adminUrl, nameFor(path))).pipe(
      // Loaded here only: a run on SQLite never loads the PostgreSQL client, as the gateway does not.
      Effect.zip(Effect.promise(() => import("@effect/sql-pg/PgClient"))),
      Effect.map(([url, PgClient]) => PgClient.layer({ url: Redacted.make(url) }))
    )
  )
}

/**
 * What another process (a server started by a test) is given to open the
 * database at `path`: the path itself, or under the PostgreSQL run the URL
 * of its database (created here), for `LLM_GATEWAY_DATABASE_URL` or
 * `Database.layerUrl`.
 */
export const testDatabaseTarget = (
  path: string
): Effect.Effect<{ readonly store: "sqlite"; readonly path: string } | { readonly store: "postgres"; readonly url: string }> => {
  const adminUrl = testPostgresUrl()
  if (adminUrl === undefined) return Effect.succeed({ store: "sqlite" as const, path })
  return Effect.map(databaseUrl(adminUrl, nameFor(path)), (url) => ({ store: "postgres" as const, url }))
}
