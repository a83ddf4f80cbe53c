/**
 * The database as the doctor sees it: where it is, whether the server can
 * open and write it, its schema version against this version's, its size,
 * and the other servers that use it now. Changes nothing: a missing file
 * is not created, an existing one is opened read-only and not migrated.
 * Its folder and file are judged by the server's own rules (`homeCheck`,
 * `databaseFile`): a link in the file's place, a folder every user may
 * write, or one that cannot be made (under /proc, under a file) is
 * unusable.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { accessSync, closeSync, constants, lstatSync, openSync, readSync } from "node:fs"
import { hostname } from "node:os"
import { dirname } from "node:path"
import { isRunning } from "../process/processInfo.js"
import { fileProblem } from "../storage/databaseFile.js"
import { folderProblem } from "../storage/homeCheck.js"
import { loader } from "../migrations.js"

/**
 * A server that holds a live lease on the database.
 *
 * @since 0.1.0
 */
export const LiveInstance = Schema.Struct({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  startedAt: Schema.Number,
  heartbeatAt: Schema.Number
})

/**
 * @since 0.1.0
 */
export const DatabaseCheck = Schema.Struct({
  /** Which store: the SQLite file, or the PostgreSQL database of `LLM_GATEWAY_DATABASE_URL`. */
  store: Schema.Literal("sqlite", "postgresql"),
  /** The SQLite file, or the PostgreSQL URL with its password hidden. */
  path: Schema.String,
  /**
   * `ok`: opens and the server can write it; `new`: not there yet, the
   * server creates it at its first start; `memory`: nothing is kept;
   * `unusable`: the server cannot use it (see `message`).
   */
  status: Schema.Literal("ok", "new", "memory", "unusable"),
  writable: Schema.Boolean,
  sizeBytes: Schema.NullOr(Schema.Number),
  /** The last migration applied; null when unknown. */
  schemaVersion: Schema.NullOr(Schema.Number),
  /** The last migration this version has; the server applies the missing ones at start. */
  latestSchemaVersion: Schema.Number,
  instances: Schema.Array(LiveInstance),
  message: Schema.String
})

/** @since 0.1.0 */
export type DatabaseCheck = typeof DatabaseCheck.Type

const SQLITE_MAGIC = "SQLite format 3\u0000"

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

const headerOk = (path: string): boolean => {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0))
  try {
    const header = Buffer.alloc(16)
    const read = readSync(fd, header, 0, 16, 0)
    return read === 0 || header.toString("latin1", 0, read) === SQLITE_MAGIC.slice(0, read)
  } finally {
    closeSync(fd)
  }
}

const lstatOrUndefined = (path: string) => {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

interface InstanceRow {
  readonly id: string
  readonly pid: number
  readonly host: string
  readonly started_at: number
  readonly heartbeat_at: number
}

/** Reads the schema version and the live instances, without writing. */
const inspect = (now: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tables = new Set(
      (yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`).map((t) => t.name)
    )
    const version = tables.has("gateway_migrations")
      ? ((yield* sql<{ latest: number | null }>`SELECT max(migration_id) AS latest FROM gateway_migrations`)[0]?.latest ?? 0)
      : 0
    const rows = tables.has("instances")
      ? yield* sql<InstanceRow>`SELECT id, pid, host, started_at, heartbeat_at FROM instances
          WHERE stopped_at IS NULL AND heartbeat_at + lease_ms >= ${now} ORDER BY started_at`
      : []
    const here = hostname()
    const live = rows
      .filter((row) => row.host !== here || isRunning(row.pid))
      .map((row) => ({ id: row.id, pid: row.pid, host: row.host, startedAt: row.started_at, heartbeatAt: row.heartbeat_at }))
    return { version, live }
  })

const firstLine = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const text = failure instanceof Error ? `${failure.message} ${String((failure as { cause?: unknown }).cause ?? "")}` : String(failure)
  return text.split("\n")[0]!.trim()
}

/**
 * A check of a store at a place, before anything about it is known.
 *
 * @since 0.1.0
 */
export const unknownCheck = <S extends DatabaseCheck["store"]>(store: S, path: string) =>
  Effect.map(Effect.orDie(loader), (migrations) => ({
    store,
    path,
    sizeBytes: null,
    schemaVersion: null,
    latestSchemaVersion: Math.max(0, ...migrations.map(([id]) => id)),
    instances: []
  }) as const)

/**
 * What the schema version says, as the doctor words it.
 *
 * @since 0.1.0
 */
export const schemaMessage = (version: number, latest: number): string =>
  version === latest
    ? `schema ${version}, up to date`
    : version < latest
    ? `schema ${version}; the server migrates it to ${latest} at its next start`
    : `schema ${version}, newer than this version's ${latest}: a newer llm-cli-gateway uses it too`

/**
 * Looks at the database at `path` (`:memory:` for none).
 *
 * @since 0.1.0
 */
export const checkDatabase = (path: string, now: number = Date.now()): Effect.Effect<DatabaseCheck> =>
  Effect.gen(function*() {
    const base = yield* unknownCheck("sqlite", path)
    const latest = base.latestSchemaVersion
    if (path === ":memory:") {
      return { ...base, status: "memory", writable: true, message: "in memory: jobs and sessions are not kept" } as const
    }
    const stat = lstatOrUndefined(path)
    const unusable = (problem: string) =>
      ({
        ...base,
        status: "unusable",
        writable: false,
        message: `${problem}. Point LLM_GATEWAY_JOBS_DB or LLM_GATEWAY_HOME elsewhere.`
      }) as const
    if (stat === undefined) {
      const folder = folderProblem(path)
      return folder === undefined
        ? { ...base, status: "new", writable: true, message: "not created yet: the server creates it at its first start" } as const
        : unusable(`cannot be created: ${folder}`)
    }
    const problem = fileProblem(path) ?? folderProblem(path, { writable: false })
    if (problem !== undefined) return unusable(problem)
    const canWrite = writable(path) && writable(dirname(path))
    const sized = { ...base, sizeBytes: stat.size, writable: canWrite }
    if (!headerOk(path)) {
      return {
        ...sized,
        status: "unusable",
        message: "is not a SQLite database (its header is wrong). Move it aside or point LLM_GATEWAY_JOBS_DB elsewhere."
      } as const
    }
    const seen = yield* Effect.provide(inspect(now), SqliteClient.layer({ filename: path, readonly: true, disableWAL: true })).pipe(
      Effect.map((s) => ({ ok: true, ...s }) as const),
      Effect.catchAllCause((cause) => Effect.succeed({ ok: false, reason: firstLine(cause) } as const))
    )
    if (!seen.ok) {
      return { ...sized, status: "unusable", message: `cannot be read: ${seen.reason}. Move it aside or point LLM_GATEWAY_JOBS_DB elsewhere.` } as const
    }
    const withSchema = { ...sized, schemaVersion: seen.version, instances: seen.live }
    if (!canWrite) {
      return { ...withSchema, status: "unusable", message: "is not writable (the file or its folder): the server must write it." } as const
    }
    return { ...withSchema, status: "ok", message: schemaMessage(seen.version, latest) } as const
  })
