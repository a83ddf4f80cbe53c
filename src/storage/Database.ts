/**
 * The gateway's one SQLite database: opened with WAL, a busy timeout and
 * foreign keys, migrated at start-up, created with mode 0600 in a folder of
 * mode 0700. Several server processes share it. Its folder and file are
 * checked before SQLite opens them (`homeCheck`, `databaseFile`): never
 * through a link, never a mode changed on what is not ours.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { GatewayConfig } from "../Config.js"
import { StorageError } from "../domain/errors.js"
import { prepareFile } from "./databaseFile.js"
import { checkFolder, prepareFolder } from "./homeCheck.js"
import { migrate } from "./migrate.js"
import type { Migrations } from "./Migrations.js"
import * as Notifications from "./Notifications.js"

/** How long a writer waits for another process's lock before failing. */
export const BUSY_TIMEOUT_MS = 10_000

/**
 * Makes sure the file can be opened as ours, or fails at once naming what
 * is wrong: its folder (`homeCheck`: made with mode 0700, or refused when it
 * cannot be a folder, is writable by every user or not by this one), then
 * the file (`databaseFile`: made with mode 0600, or refused when it is a
 * link, not a regular file, or not a SQLite database).
 */
const prepare = (path: string): Effect.Effect<void, StorageError> =>
  prepareFolder(path).pipe(Effect.zipRight(checkFolder(path)), Effect.zipRight(prepareFile(path)))

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
export const layerAt = (
  path: string
): Layer.Layer<SqlClient.SqlClient | Notifications.Notifications, StorageError, Migrations> => {
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
  const opened = Layer.provideMerge(setup, client).pipe(Layer.merge(Notifications.layerLocal(path)))
  return path === ":memory:" ? opened : Layer.provide(opened, Layer.effectDiscard(prepare(path)))
}

/**
 * The PostgreSQL database at a URL (`postgres://user:password@host:port/db`),
 * migrated. `@effect/sql-pg` and `pg` are loaded only when this layer is
 * built: a gateway on SQLite never loads them.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUrl = (
  url: Redacted.Redacted<string> | string
): Layer.Layer<SqlClient.SqlClient | Notifications.Notifications, StorageError, Migrations> =>
  Layer.unwrapEffect(
    Effect.tryPromise({
      try: () => import("./postgres.js"),
      catch: (cause) =>
        new StorageError({
          message: `cannot load the PostgreSQL client (install @effect/sql-pg beside llm-cli-gateway): ${
            cause instanceof Error ? cause.message : String(cause)
          }`,
          operation: "open"
        })
    }).pipe(Effect.map((postgres) => postgres.layerUrl(url)))
  )

/**
 * The database named by the configuration: PostgreSQL when
 * `LLM_GATEWAY_DATABASE_URL` is set, else the SQLite file.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  SqlClient.SqlClient | Notifications.Notifications,
  StorageError,
  GatewayConfig | Migrations
> = Layer.unwrapEffect(
  Effect.map(GatewayConfig, (config) =>
    Option.match(config.databaseUrl, {
      onNone: () => layerAt(config.databasePath),
      onSome: layerUrl
    }))
)
