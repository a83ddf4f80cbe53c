/**
 * The folder the database lives in — the gateway's home
 * (`LLM_GATEWAY_HOME`), unless `LLM_GATEWAY_JOBS_DB` names a file
 * elsewhere — made, or refused at once with a `StorageError` that names the
 * database and the folder and says what is wrong.
 *
 * Two kinds of trouble, two outcomes:
 * - the setting points where no folder of ours can be (a kernel filesystem
 *   such as /proc or /sys; a part of the path that is a file, or a link to
 *   nothing; a folder that cannot be created): `prepareFolder` fails, and
 *   the binary stops at start with that message (`preflight`), as for any
 *   setting it cannot use;
 * - the folder is there but is not safe or not writable (every user may
 *   write it, or this user may not): `checkFolder` fails, the server stays
 *   up, and every call that needs the database answers that error, as for a
 *   database file it cannot use.
 *
 * A missing folder is created one level at a time, with mode 0700. Node's
 * `mkdirSync(…, { recursive: true })` never returns when the kernel answers
 * ENOENT for a child of a folder that exists (any new path under /proc,
 * such as `/proc/self/foo`): it creates the parent (EEXIST: done), retries
 * the child (ENOENT: make its parent first), forever, at 100 % CPU and
 * synchronously, so that not even SIGTERM is handled. The
 * mode of a folder that exists is never changed: one that every user may
 * write is refused, and the message says how to make it safe (`chmod o-w`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { accessSync, constants, lstatSync, mkdirSync, statfsSync, statSync, type BigIntStats, type Stats } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { GatewayConfig } from "../Config.js"
import { StorageError } from "../domain/errors.js"

/** Linux's magic numbers (`statfs(2)`'s `f_type`) of the kernel filesystems, which hold no files of ours. */
const KERNEL_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "procfs"],
  [0x62656572, "sysfs"],
  [0x0027e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0xf97cff8c, "selinuxfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
  [0xde5e81e4, "efivarfs"],
  [0x62656570, "configfs"],
  [0x00001cd1, "devpts"],
  [0x65735543, "fusectl"],
  [0x19800202, "mqueue"],
  [0x42494e4d, "binfmt_misc"],
  [0x6e736673, "nsfs"]
])

/**
 * The kernel filesystem (procfs, sysfs, …) an existing path is on, if it
 * is on one (Linux only).
 *
 * @since 0.1.0
 */
export const kernelFilesystem = (path: string): string | undefined => {
  if (process.platform !== "linux") return undefined
  try {
    return KERNEL_FILESYSTEMS.get(statfsSync(path).type >>> 0)
  } catch {
    return undefined
  }
}

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : String(e)
}

/** What a path that is not a folder is, in words. */
export const kindOf = (stats: Stats | BigIntStats): string =>
  stats.isFile()
    ? "a file"
    : stats.isSymbolicLink()
    ? "a symbolic link"
    : stats.isFIFO()
    ? "a named pipe"
    : stats.isSocket()
    ? "a socket"
    : stats.isCharacterDevice() || stats.isBlockDevice()
    ? "a device"
    : stats.isDirectory()
    ? "a folder"
    : "not a regular file"

/** Why creating a folder failed, in words. */
const creationFailure = (code: string): string =>
  code === "ENOENT"
    ? "the filesystem refuses to create it (ENOENT)"
    : code === "EACCES" || code === "EPERM"
    ? `this user (uid ${process.getuid?.() ?? "?"}) may not create it (${code})`
    : code === "EROFS"
    ? "the filesystem is read-only (EROFS)"
    : code === "ENOSPC" || code === "EDQUOT"
    ? `the disk is full (${code})`
    : code

/**
 * The nearest part of a folder's path that exists: the folder itself or one
 * above it, with what `lstat` says of it; or what stopped the search.
 */
const nearestExisting = (dir: string): { readonly path: string; readonly stats: Stats } | { readonly problem: string } => {
  let path = dir
  for (;;) {
    try {
      return { path, stats: lstatSync(path) }
    } catch (e) {
      const code = codeOf(e)
      // ENOTDIR: a part above is a file; the search finds it.
      if (code !== "ENOENT" && code !== "ENOTDIR") return { problem: `cannot be looked at: ${path} answers ${code}` }
      const up = dirname(path)
      if (up === path) return { problem: "has no part that exists" }
      path = up
    }
  }
}

/** What is wrong with an existing part of the path as a folder to keep files in; undefined when nothing is. */
const notAFolder = (path: string, stats: Stats, self: boolean): string | undefined => {
  const where = self ? "it" : path
  const kernel = kernelFilesystem(path)
  if (kernel !== undefined) {
    return `is on ${kernel}${self ? "" : ` (as ${path} is)`}, a kernel filesystem that cannot hold the gateway's files`
  }
  if (stats.isDirectory()) return undefined
  if (stats.isSymbolicLink()) {
    try {
      const target = statSync(path)
      return target.isDirectory() ? undefined : `cannot be a folder: ${where} is a symbolic link to ${kindOf(target)}`
    } catch (e) {
      return `cannot be a folder: ${where} is a symbolic link to nothing (${codeOf(e)})`
    }
  }
  return `cannot be a folder: ${where} is ${kindOf(stats)}`
}

/**
 * What stops a folder from being made, or from being a folder at all, in
 * words that follow its name; undefined when nothing does. With `create`,
 * the missing parts are created (mode 0700), one level at a time;
 * without, only whether they could be is looked at.
 */
const folderStructure = (dir: string, create: boolean): string | undefined => {
  const found = nearestExisting(dir)
  if ("problem" in found) return found.problem
  const wrong = notAFolder(found.path, found.stats, found.path === dir)
  if (wrong !== undefined) return wrong
  if (found.path === dir) return undefined
  if (!create) {
    try {
      accessSync(found.path, constants.W_OK | constants.X_OK)
      return undefined
    } catch (e) {
      return `cannot be created: ${found.path} is not writable by this user (${codeOf(e)})`
    }
  }
  let path = found.path
  for (const part of relative(found.path, dir).split(sep)) {
    path = join(path, part)
    try {
      mkdirSync(path, { mode: 0o700 })
    } catch (e) {
      const code = codeOf(e)
      if (code !== "EEXIST") return `could not be created: at ${path}, ${creationFailure(code)}`
      // Made by another server starting at the same time, or by someone else: it must be a folder.
      const wrongNow = notAFolder(path, lstatSync(path), path === dir)
      if (wrongNow !== undefined) return wrongNow
    }
  }
  return undefined
}

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** What makes an existing folder unsafe to keep the database in; undefined when nothing does. */
const folderUnsafe = (dir: string): string | undefined => {
  const stats = statSync(dir)
  if ((stats.mode & 0o002) === 0) return undefined
  return `is writable by every user (mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")}): another user ` +
    `could put a file of theirs in the database's place, so it is refused and left as it is ` +
    `(\`chmod o-w ${dir}\` makes it safe)`
}

/** Whether this user can create files in an existing folder; the reason when not. */
const folderUnwritable = (dir: string): string | undefined => {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
    return undefined
  } catch (e) {
    return `is not writable by this user (uid ${process.getuid?.() ?? "?"}; ${codeOf(e)})`
  }
}

const ADVICE = "Point LLM_GATEWAY_HOME (or LLM_GATEWAY_JOBS_DB) elsewhere."

/** The folder of a database file. */
export const folderOf = (databasePath: string): string => dirname(resolve(databasePath))

const refused = (databasePath: string, problem: string, operation: string) => {
  const dir = folderOf(databasePath)
  return new StorageError({
    message: `cannot keep the database ${databasePath}: its folder ${dir} ${problem}. ${ADVICE}`,
    operation,
    path: dir
  })
}

/** A synchronous check as an Effect: a problem fails it; so does anything the check throws. */
const checking = (databasePath: string, operation: string, check: () => string | undefined) =>
  Effect.try({
    try: check,
    catch: (e) => refused(databasePath, `cannot be checked: ${e instanceof Error ? e.message : String(e)}`, operation)
  }).pipe(
    Effect.flatMap((problem) =>
      problem === undefined ? Effect.void : Effect.fail(refused(databasePath, problem, operation))
    )
  )

/**
 * Makes the folder of the database file (mode 0700, each missing level),
 * or fails at once when it cannot be a folder of ours: on a kernel
 * filesystem, under a file, under a link to nothing, or not creatable.
 *
 * @since 0.1.0
 */
export const prepareFolder = (databasePath: string): Effect.Effect<void, StorageError> =>
  checking(databasePath, "prepare folder", () => folderStructure(folderOf(databasePath), true))

/**
 * Fails when the folder of the database file (which exists) is writable by
 * every user, or not writable by this one. Changes nothing.
 *
 * @since 0.1.0
 */
export const checkFolder = (databasePath: string): Effect.Effect<void, StorageError> =>
  checking(databasePath, "open", () => {
    const dir = folderOf(databasePath)
    return folderUnsafe(dir) ?? folderUnwritable(dir)
  })

/**
 * What is wrong with the folder of the database file, without changing
 * anything: a missing folder is judged by whether it could be created; with
 * `writable: false`, whether this user may write an existing one is left
 * out. Undefined when nothing is. For the doctor.
 *
 * @since 0.1.0
 */
export const folderProblem = (
  databasePath: string,
  options: { readonly writable?: boolean } = {}
): string | undefined => {
  const dir = folderOf(databasePath)
  try {
    const problem = folderStructure(dir, false) ??
      (isFolder(dir)
        ? folderUnsafe(dir) ?? (options.writable === false ? undefined : folderUnwritable(dir))
        : undefined)
    return problem === undefined ? undefined : `its folder ${dir} ${problem}`
  } catch (e) {
    return `its folder ${dir} cannot be checked: ${e instanceof Error ? e.message : String(e)}`
  }
}

/**
 * Before serving: the configured database's folder is made, or the start
 * fails with the reason (nothing to do for an in-memory database). Only
 * what no later change can mend stops the start; the rest (an unsafe or
 * read-only folder, a bad file) is the database layer's to report.
 *
 * @since 0.1.0
 */
export const preflight: Effect.Effect<void, StorageError, GatewayConfig> = Effect.flatMap(
  GatewayConfig,
  (config) => config.databasePath === ":memory:" ? Effect.void : prepareFolder(config.databasePath)
)
