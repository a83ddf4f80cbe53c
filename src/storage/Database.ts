/**
 * The gateway's one SQLite database: opened with WAL, a busy timeout and
 * foreign keys, migrated at start-up, created with mode 0600 in a folder of
 * mode 0700. Several server processes share it.
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync } from "node:fs"
import { dirname } from "node:path"
import { GatewayConfig } from "../Config.js"
import { StorageError } from "../domain/errors.js"
import { loader } from "./migrations.js"

/** How long a writer waits for another process's lock before failing. */
export const BUSY_TIMEOUT_MS = 10_000

const SQLITE_MAGIC = "SQLite format 3\u0000"

/**
 * Makes sure the file can be opened as ours: its folder exists with mode
 * 0700, the file exists with mode 0600, and an existing non-empty file is a
 * SQLite database (a corrupt or foreign file is refused, never overwritten).
 */
const prepareFile = (path: string): Effect.Effect<void, StorageError> =>
  Effect.try({
    try: () => {
      const dir = dirname(path)
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
      if (!existsSync(path)) {
        closeSync(openSync(path, "a", 0o600))
        return
      }
      chmodSync(path, 0o600)
      const fd = openSync(path, "r")
      try {
        const header = Buffer.alloc(16)
        const read = readSync(fd, header, 0, 16, 0)
        if (read > 0 && header.toString("latin1", 0, read) !== SQLITE_MAGIC.slice(0, read)) {
          throw new Error("the file is not a SQLite database (its header is wrong); it was left untouched")
        }
      } finally {
        closeSync(fd)
      }
    },
    catch: (e) =>
      new StorageError({
        message: `cannot use the database ${path}: ${e instanceof Error ? e.message : String(e)}. ` +
          "Move it aside or point LLM_GATEWAY_JOBS_DB elsewhere.",
        operation: "open",
        path
      })
  })

const MIGRATIONS_TABLE = "gateway_migrations"

/**
 * Runs the migrations, then checks they are all applied. The migrator takes
 * "another process is migrating" for done; the check fails instead, so the
 * caller retries until the other process has finished.
 */
const migrate = Effect.gen(function*() {
  yield* Migrator.make({})({ loader, table: MIGRATIONS_TABLE })
  const sql = yield* SqlClient.SqlClient
  const wanted = Math.max(0, ...(yield* loader).map(([id]) => id))
  const [row] = yield* sql<{ latest: number | null }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`
  if ((row?.latest ?? 0) < wanted) {
    return yield* Effect.fail(new Migrator.MigrationError({ reason: "locked", message: "another process is migrating" }))
  }
})

/** SQLite's page cache per connection, in KiB. */
const CACHE_KIB = 2048

const pragmas = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
  yield* sql.unsafe("PRAGMA foreign_keys = ON")
  yield* sql.unsafe("PRAGMA synchronous = NORMAL")
  // better-sqlite3 builds SQLite with a 16 MB page cache; the gateway's reads are by key, and a
  // large cache only holds the pages of output just written (measured: 14 MB of RSS for a 10 MB reply).
  yield* sql.unsafe(`PRAGMA cache_size = -${CACHE_KIB}`)
})

/**
 * Two layers on one file in one process (tests, embedding apps) must not
 * migrate at once: SQLite's busy wait is synchronous and would stall the
 * very event loop the other migration needs to finish. Other processes wait
 * on the file lock as usual.
 */
const migrationLocks = new Map<string, Effect.Semaphore>()
const migrationLock = (path: string): Effect.Semaphore => {
  let lock = migrationLocks.get(path)
  if (lock === undefined) {
    lock = Effect.unsafeMakeSemaphore(1)
    migrationLocks.set(path, lock)
  }
  return lock
}

/**
 * A database at a path (`:memory:` for none), migrated.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAt = (path: string): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, StorageError> => {
  const client = SqliteClient.layer({ filename: path, disableWAL: path === ":memory:" }).pipe(
    Layer.catchAllCause((cause) =>
      Layer.fail(
        new StorageError({
          message: `cannot open the database ${path}: ${String(cause).split("\n")[0]}. The file was left untouched.`,
          operation: "open",
          path
        })
      )
    )
  )
  const setup = Layer.effectDiscard(
    Effect.zipRight(
      pragmas,
      // Two servers starting together may race to migrate: the loser retries and finds it done.
      Effect.retry(
        migrationLock(path).withPermits(1)(migrate),
        Schedule.spaced(Duration.millis(100)).pipe(Schedule.intersect(Schedule.recurs(50)))
      )
    ).pipe(
      Effect.catchAllCause((cause) =>
        Effect.fail(
          new StorageError({
            message: `cannot prepare the database ${path}: ${String(cause).split("\n")[0]}`,
            operation: "migrate",
            path
          })
        )
      )
    )
  )
  const opened = Layer.provideMerge(setup, client)
  return path === ":memory:" ? opened : Layer.provide(opened, Layer.effectDiscard(prepareFile(path)))
}

/**
 * The database named by the configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, StorageError, GatewayConfig> = Layer
  .unwrapEffect(Effect.map(GatewayConfig, (config) => layerAt(config.databasePath)))
