/**
 * The database file itself, made ready to open or refused before SQLite
 * touches it: created with mode 0600 when missing; when present, it must be
 * a regular file (never a symbolic link: SQLite would write, and this
 * module would change the mode of, whatever the link points at), and begin
 * like a SQLite database (a corrupt or foreign file is refused, never
 * overwritten). Only then, and only when this user owns it, are the group
 * and other bits of its mode taken away, through the descriptor it was
 * checked on (opened with `O_NOFOLLOW`, so no link is followed between the
 * check and the change).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  type Stats
} from "node:fs"
import { StorageError } from "../domain/errors.js"
import { kindOf } from "./homeCheck.js"

const SQLITE_MAGIC = "SQLite format 3\u0000"

/** SQLite's companion files, which it opens beside the database (and would follow, were they links). */
const COMPANIONS = ["-wal", "-shm", "-journal"] as const

/** `O_NOFOLLOW` where the platform has it (everywhere but Windows). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0
/** A named pipe in the file's place must not block the open. */
const NONBLOCK = constants.O_NONBLOCK ?? 0

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : e instanceof Error ? e.message : String(e)
}

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path)
  } catch (e) {
    if (codeOf(e) === "ENOENT") return undefined
    throw e
  }
}

/** What is wrong with a path that exists, as the database's place; undefined for a regular file. */
const notRegular = (path: string, stats: Stats): string | undefined => {
  if (stats.isSymbolicLink()) {
    let target = "?"
    try {
      target = readlinkSync(path)
    } catch {
      // Its target is not needed to refuse it.
    }
    return `is a symbolic link (to ${target}): the gateway opens its database only as a plain file, never ` +
      "through a link, so that it never writes to (or changes the mode of) the file a link points at " +
      "(point LLM_GATEWAY_JOBS_DB at the file itself)"
  }
  return stats.isFile() ? undefined : `is ${kindOf(stats)}, not a database file`
}

/** A companion file that is not a regular file (a link, above all) is refused too. */
const companionProblem = (path: string): string | undefined => {
  for (const suffix of COMPANIONS) {
    const stats = lstatOrUndefined(path + suffix)
    if (stats !== undefined && !stats.isFile()) {
      return `has a companion ${path}${suffix} that is ${kindOf(stats)}, which SQLite would write through`
    }
  }
  return undefined
}

const headerOk = (fd: number): boolean => {
  const header = Buffer.alloc(16)
  const read = readSync(fd, header, 0, 16, 0)
  return read === 0 || header.toString("latin1", 0, read) === SQLITE_MAGIC.slice(0, read)
}

/**
 * What is wrong with the database file, without changing anything; a
 * missing file is none of this module's business (undefined). For the
 * doctor.
 *
 * @since 0.1.0
 */
export const fileProblem = (path: string): string | undefined => {
  try {
    const stats = lstatOrUndefined(path)
    if (stats === undefined) return undefined
    return notRegular(path, stats) ?? companionProblem(path)
  } catch (e) {
    return `cannot be looked at (${codeOf(e)})`
  }
}

/** Checks (and, when new, creates) the file; a problem in words, or undefined. */
const prepare = (path: string): string | undefined => {
  let stats = lstatOrUndefined(path)
  if (stats === undefined) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600))
      return companionProblem(path)
    } catch (e) {
      // Created by another server starting at the same time: check it like any existing file.
      if (codeOf(e) !== "EEXIST") return `cannot be created (${codeOf(e)})`
      stats = lstatSync(path)
    }
  }
  const wrong = notRegular(path, stats) ?? companionProblem(path)
  if (wrong !== undefined) return wrong
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK)
  } catch (e) {
    return codeOf(e) === "ELOOP" ? notRegular(path, lstatSync(path)) : `cannot be opened (${codeOf(e)})`
  }
  try {
    const opened = fstatSync(fd)
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) {
      return "was replaced while it was being checked; it was left untouched"
    }
    if (!headerOk(fd)) return "is not a SQLite database (its header is wrong); it was left untouched"
    try {
      accessSync(path, constants.R_OK | constants.W_OK)
    } catch (e) {
      return `is not writable by this user (uid ${process.getuid?.() ?? "?"}; ${codeOf(e)})`
    }
    // Ours, and a database: readable by this user only.
    if (opened.uid === process.getuid?.() && (opened.mode & 0o077) !== 0) fchmodSync(fd, opened.mode & 0o600)
    return undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * Makes sure the file can be opened as ours: created with mode 0600 when
 * missing; when present, a regular file (not a link) with SQLite's header,
 * that this user can write, with its mode tightened to the owner's when
 * this user owns it. Anything else fails with a `StorageError` naming the
 * file, and leaves it untouched.
 *
 * @since 0.1.0
 */
export const prepareFile = (path: string): Effect.Effect<void, StorageError> =>
  Effect.try({
    try: () => prepare(path),
    catch: (e) => `cannot be checked (${codeOf(e)})`
  }).pipe(
    Effect.merge,
    Effect.flatMap((problem) =>
      problem === undefined ? Effect.void : Effect.fail(
        new StorageError({
          message: `cannot use the database ${path}: ${problem}. Move it aside or point LLM_GATEWAY_JOBS_DB elsewhere.`,
          operation: "open",
          path
        })
      )
    )
  )
