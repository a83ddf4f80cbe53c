/**
 * The tokens file of the HTTP transport: named bearer tokens kept as
 * SHA-256 hashes in one file (`LLM_GATEWAY_TOKENS_FILE`, default
 * `<LLM_GATEWAY_HOME>/tokens.json`; its format is `http/tokenFileFormat`):
 * reading and checking it, writing it, `token add`, `token remove` and
 * `token list`, and where it is. Re-exported by `http/tokens`.
 *
 * The file is written whole, to a temporary file in the same folder that
 * is then renamed over it (a reader sees the old file or the new one, never
 * half of one), with mode 0600, its folder made 0700 when missing. A file
 * that is a symbolic link, is not a regular file, or is open to other
 * users (any group or other bit), or a folder every user may write, is
 * refused, and the message says what to do; no message quotes the file (a
 * path can be pointed at a secret).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import { type BigIntStats, constants } from "node:fs"
import { lstat, mkdir, open, rename, rm, stat } from "node:fs/promises"
import { homedir } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { kindOf } from "../storage/homeCheck.js"
import {
  checkName,
  generateToken,
  parseTokensFile,
  type Reason,
  refuse,
  sha256,
  TokenExists,
  TokenFileError,
  type TokenNameInvalid,
  TokenNotFound,
  type TokenRecord,
  TokensFile
} from "./tokenFileFormat.js"

// ---------------------------------------------------------------------------
// Reading and writing the file
// ---------------------------------------------------------------------------

/**
 * The largest tokens file read (bytes).
 *
 * @since 0.1.0
 */
export const MAX_TOKENS_FILE_BYTES = 4 * 1024 * 1024

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : e instanceof Error ? e.message : String(e)
}

/** A file operation as an Effect; what it throws becomes a `TokenFileError` with the system's code (never the content). */
const attempt = <A>(path: string, reason: Reason, what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (e) => refuse(path, reason, `${what} (${codeOf(e)})`) })

const modeOf = (stats: BigIntStats): string => (Number(stats.mode) & 0o7777).toString(8).padStart(4, "0")

/** Why a file (as `lstat` or `fstat` sees it) cannot be the tokens file; undefined when it can. */
const fileProblem = (path: string, stats: BigIntStats): string | undefined => {
  if (stats.isSymbolicLink()) {
    return "is a symbolic link, which is refused: whoever can change the link chooses the tokens. " +
      "Put the file itself there, or point LLM_GATEWAY_TOKENS_FILE at it"
  }
  if (!stats.isFile()) return `is ${kindOf(stats)}, not a regular file; point LLM_GATEWAY_TOKENS_FILE at a file`
  if (process.platform !== "win32" && (Number(stats.mode) & 0o077) !== 0) {
    return `is readable or writable by other users (mode ${modeOf(stats)}), so it is refused: ` +
      `\`chmod 600 ${path}\` makes it private`
  }
  if (stats.size > BigInt(MAX_TOKENS_FILE_BYTES)) {
    return `is ${stats.size} bytes, more than the ${MAX_TOKENS_FILE_BYTES} a tokens file may have; is it the right file?`
  }
  return undefined
}

/** Refuses a folder every user may write (another user could replace or remove the file); a missing folder is fine. */
const checkFolder = (path: string): Effect.Effect<void, TokenFileError> => {
  const dir = dirname(resolve(path))
  return attempt(path, "Unreadable", `cannot be looked for: its folder ${dir} cannot be read`, async () => {
    try {
      return await stat(dir, { bigint: true })
    } catch (e) {
      if (codeOf(e) === "ENOENT") return undefined
      throw e
    }
  }).pipe(
    Effect.flatMap((stats) =>
      stats !== undefined && process.platform !== "win32" && (Number(stats.mode) & 0o002) !== 0
        ? Effect.fail(refuse(
          path,
          "Unsafe",
          `is in a folder every user may write (${dir}, mode ${modeOf(stats)}): another user could replace or ` +
            `remove it, so it is refused (\`chmod o-w ${dir}\` makes the folder safe)`
        ))
        : Effect.void
    )
  )
}

/** What identifies a version of the file (or its absence): what the store compares to know the file changed. */
const stampOf = (stats: BigIntStats): string =>
  `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.mode}`

const MISSING = "missing"

/**
 * A stamp no file has: the next look reads the file again.
 *
 * @since 0.1.0
 * @internal
 */
export const RETRY = "retry"

/**
 * The stamp of the file as it is now; never fails (a failure is a stamp of its own).
 *
 * @since 0.1.0
 * @internal
 */
export const currentStamp = (path: string): Effect.Effect<string> =>
  Effect.promise(() =>
    lstat(path, { bigint: true }).then(stampOf, (e: unknown) => codeOf(e) === "ENOENT" ? MISSING : `error:${codeOf(e)}`)
  )

const EMPTY: TokensFile = { version: 1, tokens: [] }

/**
 * What `readTokens` gives: the file, and the stamp of the version read.
 *
 * @since 0.1.0
 * @internal
 */
export interface Read {
  readonly file: TokensFile
  readonly stamp: string
}

/**
 * Reads the file, refusing an unsafe one; a file that does not exist holds
 * no tokens. It is opened without following a link and checked again on
 * the open descriptor, so what is read is what was checked.
 *
 * @since 0.1.0
 * @internal
 */
export const readTokens = (path: string): Effect.Effect<Read, TokenFileError> =>
  Effect.gen(function*() {
    yield* checkFolder(path)
    const before = yield* attempt(path, "Unreadable", "cannot be looked at", async () => {
      try {
        return await lstat(path, { bigint: true })
      } catch (e) {
        if (codeOf(e) === "ENOENT") return undefined
        throw e
      }
    })
    if (before === undefined) return { file: EMPTY, stamp: MISSING }
    const unsafe = fileProblem(path, before)
    if (unsafe !== undefined) return yield* Effect.fail(refuse(path, "Unsafe", unsafe))
    const read = yield* attempt(path, "Unreadable", "could not be read", async () => {
      // O_NOFOLLOW: a link put there since the check is refused (ELOOP); O_NONBLOCK: a pipe never blocks the open.
      const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0))
      try {
        const stats = await handle.stat({ bigint: true })
        const problem = fileProblem(path, stats)
        return problem === undefined ? { text: await handle.readFile("utf8"), stamp: stampOf(stats) } : { problem }
      } finally {
        await handle.close()
      }
    })
    if ("problem" in read) return yield* Effect.fail(refuse(path, "Unsafe", read.problem))
    const file = yield* parseTokensFile(read.text, path)
    return { file, stamp: read.stamp }
  })

/** Makes the missing levels of a folder, one at a time, mode 0700 (a recursive mkdir can spin forever on /proc). */
const makeFolder = async (dir: string): Promise<void> => {
  const missing: Array<string> = []
  for (let at = resolve(dir);;) {
    try {
      await stat(at)
      break
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e
      missing.unshift(at)
      const up = dirname(at)
      if (up === at) break
      at = up
    }
  }
  for (const level of missing) {
    try {
      await mkdir(level, { mode: 0o700 })
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e
    }
  }
}

/** Flushes a folder's entries (the rename) to disk, where the platform can. */
const syncFolder = async (dir: string): Promise<void> => {
  try {
    const handle = await open(dir, constants.O_RDONLY)
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Not every platform can open or sync a folder; the rename is done either way.
  }
}

/** Writes the whole file: a new file of mode 0600 in the same folder, flushed, then renamed over the old one. */
const writeTokens = (path: string, file: TokensFile): Effect.Effect<void, TokenFileError> => {
  const dir = dirname(resolve(path))
  const text = `${JSON.stringify(Schema.encodeSync(TokensFile)(file), null, 2)}\n`
  return attempt(path, "Unwritable", `could not be made: its folder ${dir} could not be created`, () => makeFolder(dir)).pipe(
    Effect.zipRight(checkFolder(path)),
    Effect.zipRight(attempt(path, "Unwritable", "could not be written", async () => {
      const temporary = join(dir, `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`)
      try {
        const handle = await open(temporary, "wx", 0o600)
        try {
          if (process.platform !== "win32") await handle.chmod(0o600)
          await handle.writeFile(text, "utf8")
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temporary, path)
      } catch (e) {
        await rm(temporary, { force: true }).catch(() => undefined)
        throw e
      }
      await syncFolder(dir)
    }))
  )
}

/** Reads the file, changes it, writes it back (creating it when missing). */
const updateTokens = <E>(
  path: string,
  change: (file: TokensFile) => Effect.Effect<TokensFile, E>
): Effect.Effect<void, TokenFileError | E> =>
  readTokens(path).pipe(
    Effect.flatMap(({ file }) => change(file)),
    Effect.flatMap((file) => writeTokens(path, file))
  )

/**
 * Adds a token named `name` to the file (made, with its folder, when
 * missing) and returns it: the only time it is shown. A name the file has
 * fails with `TokenExists`, unless `replace`: then the new token takes the
 * old one's place, and the old one stops working.
 *
 * @since 0.1.0
 */
export const addToken = (
  path: string,
  name: string,
  options: { readonly replace?: boolean } = {}
): Effect.Effect<string, TokenFileError | TokenNameInvalid | TokenExists> =>
  Effect.gen(function*() {
    yield* checkName(name)
    const token = generateToken()
    const createdAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const record: TokenRecord = { name, sha256: sha256(token).toString("hex"), createdAt }
    yield* updateTokens(path, (file) => {
      const exists = file.tokens.some((t) => t.name === name)
      if (exists && options.replace !== true) {
        return Effect.fail(
          new TokenExists({
            message: `the tokens file ${path} already has a token named ${JSON.stringify(name)}; ` +
              "choose another name, or add --replace to issue a new token in its place (the old one stops working)",
            name,
            path
          })
        )
      }
      return Effect.succeed({ version: 1 as const, tokens: [...file.tokens.filter((t) => t.name !== name), record] })
    })
    return token
  })

/**
 * Removes the token named `name`; a name the file does not have fails
 * with `TokenNotFound`.
 *
 * @since 0.1.0
 */
export const removeToken = (
  path: string,
  name: string
): Effect.Effect<void, TokenFileError | TokenNameInvalid | TokenNotFound> =>
  Effect.zipRight(
    checkName(name),
    updateTokens(path, (file) =>
      file.tokens.some((t) => t.name === name)
        ? Effect.succeed({ version: 1 as const, tokens: file.tokens.filter((t) => t.name !== name) })
        : Effect.fail(
          new TokenNotFound({
            message: `the tokens file ${path} has no token named ${JSON.stringify(name)} (${
              file.tokens.length === 0 ? "it has none" : `it has ${file.tokens.map((t) => JSON.stringify(t.name)).join(", ")}`
            })`,
            name,
            path
          })
        ))
  )

/**
 * A token as `listTokens` shows it: never its hash.
 *
 * @since 0.1.0
 */
export interface TokenInfo {
  readonly name: string
  readonly createdAt: string
}

/**
 * The tokens of the file, in its order (a missing file has none).
 *
 * @since 0.1.0
 */
export const listTokens = (path: string): Effect.Effect<ReadonlyArray<TokenInfo>, TokenFileError> =>
  Effect.map(readTokens(path), ({ file }) => file.tokens.map(({ createdAt, name }) => ({ name, createdAt })))

// ---------------------------------------------------------------------------
// Where the file is
// ---------------------------------------------------------------------------

/**
 * Where the tokens file is: `LLM_GATEWAY_TOKENS_FILE`, else `tokens.json`
 * in the gateway's home (`LLM_GATEWAY_HOME`, default `~/.llm-cli-gateway`).
 *
 * @since 0.1.0
 * @category config
 */
export const tokensFilePath: Config.Config<string> = Config.all({
  file: Config.option(Config.string("LLM_GATEWAY_TOKENS_FILE")),
  home: Config.string("LLM_GATEWAY_HOME").pipe(Config.withDefault(join(homedir(), ".llm-cli-gateway")))
}).pipe(
  Config.map(({ file, home }) => Option.getOrElse(file, () => join(home, "tokens.json"))),
  Config.validate({
    message: "LLM_GATEWAY_TOKENS_FILE must be a path, not empty",
    validation: (path) => path.trim() !== ""
  })
)

/**
 * The tokens file's path as configured, a bad setting as a `TokenFileError`.
 *
 * @since 0.1.0
 */
export const configuredPath: Effect.Effect<string, TokenFileError> = Effect.mapError(
  tokensFilePath,
  (error) =>
    new TokenFileError({
      message: `the tokens file setting is not usable: ${String(error)}`,
      path: "LLM_GATEWAY_TOKENS_FILE",
      reason: "Setting"
    })
)
