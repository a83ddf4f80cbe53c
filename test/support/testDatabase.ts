/**
 * The database a store test opens at a path: SQLite's `Database.layerAt(path)`
 * normally; under the PostgreSQL run (`LLM_GATEWAY_TEST_POSTGRES_URL` set by
 * test/postgres/globalSetup.ts) a PostgreSQL database named after the path,
 * created on first use, through `Database.layerUrl`. Two layers opened on one
 * path share one database, exactly as two SQLite layers on one file do;
 * `:memory:` gives a database of its own to every layer built, as SQLite does.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { StorageError } from "../../src/domain/errors.js"
import * as Database from "../../src/storage/Database.js"
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
export const testDatabaseAt = (path: string): Layer.Layer<SqlClient.SqlClient, StorageError> => {
  const adminUrl = testPostgresUrl()
  if (adminUrl === undefined) return Database.layerAt(path)
  return Layer.unwrapEffect(
    Effect.suspend(() => databaseUrl(adminUrl, path === ":memory:" ? freshDatabaseName() : databaseNameFor(path))).pipe(
      Effect.map((url) => Database.layerUrl(url))
    )
  )
}
