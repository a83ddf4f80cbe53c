/**
 * Bearer tokens for the HTTP transport: named tokens kept as SHA-256
 * hashes in one file (`LLM_GATEWAY_TOKENS_FILE`, default
 * `<LLM_GATEWAY_HOME>/tokens.json`), and the `TokenStore` that tells the
 * principal of a presented token.
 *
 * The file is `{ "version": 1, "tokens": [{ "name", "sha256", "createdAt" }] }`,
 * `sha256` being the hex of the token's hash: the token itself is never
 * kept, so `token add` shows it once. The file is written whole, to a
 * temporary file in the same folder that is then renamed over it (a reader
 * sees the old file or the new one, never half of one), with mode 0600, its
 * folder made 0700 when missing. A file that is a symbolic link, is not a
 * regular file, or is open to other users (any group or other bit), or a
 * folder every user may write, is refused, and the message says what to
 * do; no message quotes the file (a path can be pointed at a secret).
 *
 * `verify` hashes the presented token and compares the hash with every
 * stored hash with `crypto.timingSafeEqual`, never stopping at a match, so
 * how long it takes tells neither which token matched nor whether one did.
 * The store looks at the file's metadata at most once a second (by the
 * Effect `Clock`, so a `TestClock` drives it) and reads it again when it
 * changed: `token add` and `token remove` take effect without a restart.
 * When the file becomes unusable after start, every token is refused until
 * it is mended (failing closed), and a warning is logged.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { type BigIntStats, constants } from "node:fs"
import { lstat, mkdir, open, rename, rm, stat } from "node:fs/promises"
import { homedir } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { jsonSyntaxError } from "../mcpServers/jsonSyntax.js"

// ---------------------------------------------------------------------------
// The file format
// ---------------------------------------------------------------------------

/**
 * What a token name is, in words.
 *
 * @since 0.1.0
 */
export const TOKEN_NAME_RULE = "1 to 64 letters, digits and . _ -, starting with a letter or digit"
const NAME_RULE = TOKEN_NAME_RULE

/**
 * A token's name: 1 to 64 letters, digits and `._-`, starting with a letter
 * or digit (so that it never reads as an option). The principal's name.
 *
 * @since 0.1.0
 */
export const TokenName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: () => `must be a token name: ${NAME_RULE}` })
)

const Sha256Hex = Schema.String.pipe(
  Schema.pattern(/^[0-9a-fA-F]{64}$/, { message: () => "must be 64 hex digits (the SHA-256 of the token)" })
)

const Timestamp = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)), { message: () => "must be a date and time (ISO 8601)" })
)

/**
 * One token as the file keeps it.
 *
 * @since 0.1.0
 */
export const TokenRecord = Schema.Struct({
  name: TokenName,
  /** The hex of the SHA-256 of the token. */
  sha256: Sha256Hex,
  createdAt: Timestamp
})

/** @since 0.1.0 */
export type TokenRecord = typeof TokenRecord.Type

/** The positions of the first two records with the same name, if two have one. */
const sameName = (records: ReadonlyArray<{ readonly name: string }>): readonly [number, number] | undefined => {
  const seen = new Map<string, number>()
  for (const [i, record] of records.entries()) {
    const earlier = seen.get(record.name)
    if (earlier !== undefined) return [earlier, i]
    seen.set(record.name, i)
  }
  return undefined
}

/**
 * The tokens file: version 1, names unique.
 *
 * @since 0.1.0
 */
export const TokensFile = Schema.Struct({
  version: Schema.Literal(1),
  tokens: Schema.Array(TokenRecord).pipe(
    Schema.filter((records) => sameName(records) === undefined, {
      message: (issue) => {
        const pair = Array.isArray(issue.actual) ? sameName(issue.actual) : undefined
        return pair === undefined ? "names must be unique" : `tokens ${pair[0]} and ${pair[1]} have the same name`
      }
    })
  )
})

/** @since 0.1.0 */
export type TokensFile = typeof TokensFile.Type

const EMPTY: TokensFile = { version: 1, tokens: [] }

/**
 * The largest tokens file read (bytes).
 *
 * @since 0.1.0
 */
export const MAX_TOKENS_FILE_BYTES = 4 * 1024 * 1024

/**
 * The start of every token this gateway issues, so that one is recognised
 * (by people, and by secret scanners) for what it is.
 *
 * @since 0.1.0
 */
export const TOKEN_PREFIX = "lcg_"

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The tokens file cannot be used: `Unsafe` (a symbolic link, not a regular
 * file, open to other users, in a folder every user may write), `Malformed`
 * (not JSON, or not the format), `Unreadable`, `Unwritable`, or `Setting`
 * (`LLM_GATEWAY_TOKENS_FILE` itself is wrong). `message` names the file and
 * what to do, and never quotes it.
 *
 * @since 0.1.0
 */
export class TokenFileError extends Schema.TaggedError<TokenFileError>()("TokenFileError", {
  message: Schema.String,
  path: Schema.String,
  reason: Schema.Literal("Unsafe", "Malformed", "Unreadable", "Unwritable", "Setting")
}) {}

/**
 * A name that cannot be a token's.
 *
 * @since 0.1.0
 */
export class TokenNameInvalid extends Schema.TaggedError<TokenNameInvalid>()("TokenNameInvalid", {
  message: Schema.String,
  name: Schema.String
}) {}

/**
 * `token add` of a name the file already has, without `replace`.
 *
 * @since 0.1.0
 */
export class TokenExists extends Schema.TaggedError<TokenExists>()("TokenExists", {
  message: Schema.String,
  name: Schema.String,
  path: Schema.String
}) {}

/**
 * `token remove` of a name the file does not have.
 *
 * @since 0.1.0
 */
export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", {
  message: Schema.String,
  name: Schema.String,
  path: Schema.String
}) {}

// ---------------------------------------------------------------------------
// Reading and writing the file
// ---------------------------------------------------------------------------

type Reason = TokenFileError["reason"]

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : e instanceof Error ? e.message : String(e)
}

const refuse = (path: string, reason: Reason, problem: string) =>
  new TokenFileError({ message: `the tokens file ${path} ${problem}`, path, reason })

/** A file operation as an Effect; what it throws becomes a `TokenFileError` with the system's code (never the content). */
const attempt = <A>(path: string, reason: Reason, what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (e) => refuse(path, reason, `${what} (${codeOf(e)})`) })

const modeOf = (stats: BigIntStats): string => (Number(stats.mode) & 0o7777).toString(8).padStart(4, "0")

const kindOf = (stats: BigIntStats): string =>
  stats.isDirectory()
    ? "a folder"
    : stats.isFIFO()
    ? "a named pipe"
    : stats.isSocket()
    ? "a socket"
    : stats.isCharacterDevice() || stats.isBlockDevice()
    ? "a device"
    : "not a regular file"

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
/** A stamp no file has: the next look reads the file again. */
const RETRY = "retry"

/** The stamp of the file as it is now; never fails (a failure is a stamp of its own). */
const currentStamp = (path: string): Effect.Effect<string> =>
  Effect.promise(() =>
    lstat(path, { bigint: true }).then(stampOf, (e: unknown) => codeOf(e) === "ENOENT" ? MISSING : `error:${codeOf(e)}`)
  )

const decodeFile = Schema.decodeUnknownEither(TokensFile, { errors: "all" })

/** The problems of a malformed file said, at most; the rest are counted. */
const MAX_PROBLEMS = 10

/** What a field must be, by where it is: said from the format, never from the file. */
const expectedAt = (path: ReadonlyArray<PropertyKey>): string => {
  const last = path[path.length - 1]
  switch (last) {
    case undefined:
      return `must be an object {"version": 1, "tokens": [...]}`
    case "version":
      return "must be 1 (the only version of this format)"
    case "tokens":
      return "must be a list of tokens"
    case "name":
      return `must be a token name: ${NAME_RULE}`
    case "sha256":
      return "must be 64 hex digits (the SHA-256 of the token)"
    case "createdAt":
      return "must be a date and time (ISO 8601)"
    default:
      return `must be an object {"name", "sha256", "createdAt"}`
  }
}

/**
 * Decodes the text of a tokens file read from `path`. What is wrong is
 * said by place (line and column, or the field's path) and by what was
 * expected, never by quoting the text.
 *
 * @since 0.1.0
 */
export const parseTokensFile = (text: string, path: string): Either.Either<TokensFile, TokenFileError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text: the place is found again without it.
    const syntax = jsonSyntaxError(text)
    const where = syntax === undefined ? "a syntax error" : `line ${syntax.line}, column ${syntax.column}: ${syntax.problem}`
    return Either.left(refuse(path, "Malformed", `is not valid JSON (${where}); fix it, or remove it and add the tokens again`))
  }
  return Either.mapLeft(decodeFile(json), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const problems = issues.slice(0, MAX_PROBLEMS).map((issue) => {
      // A refinement's message is one of ours above (none quotes the value); a type's would quote it.
      const what = issue._tag === "Missing" ? "is missing" : issue._tag === "Refinement" ? issue.message : expectedAt(issue.path)
      return issue.path.length === 0 ? what : `at ${issue.path.map(String).join(".")}: ${what}`
    })
    const more = issues.length > MAX_PROBLEMS ? `; and ${issues.length - MAX_PROBLEMS} more` : ""
    return refuse(
      path,
      "Malformed",
      `is not a tokens file ({"version": 1, "tokens": [{"name", "sha256", "createdAt"}]}): ${problems.join("; ")}${more}; ` +
        "fix it, or remove it and add the tokens again"
    )
  })
}

interface Read {
  readonly file: TokensFile
  readonly stamp: string
}

/**
 * Reads the file, refusing an unsafe one; a file that does not exist holds
 * no tokens. It is opened without following a link and checked again on
 * the open descriptor, so what is read is what was checked.
 */
const readTokens = (path: string): Effect.Effect<Read, TokenFileError> =>
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

const isTokenName = Schema.is(TokenName)

/**
 * Whether a name can be a token's.
 *
 * @since 0.1.0
 */
export const isValidTokenName = (name: string): boolean => isTokenName(name)

const checkName = (name: string): Effect.Effect<string, TokenNameInvalid> =>
  isValidTokenName(name)
    ? Effect.succeed(name)
    : Effect.fail(
      new TokenNameInvalid({ message: `${JSON.stringify(name.slice(0, 80))} is not a token name: use ${NAME_RULE}`, name })
    )

const sha256 = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

/**
 * A new token: the prefix and 32 random bytes in base64url.
 *
 * @since 0.1.0
 */
export const generateToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`

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
// The service
// ---------------------------------------------------------------------------

/**
 * Who presented a token: the token's name.
 *
 * @since 0.1.0
 */
export interface Principal {
  readonly name: string
}

/**
 * @since 0.1.0
 */
export interface TokenStoreShape {
  /** The principal of a bearer token, or None (unknown, revoked). Constant-time. */
  readonly verify: (token: string) => Effect.Effect<Option.Option<Principal>>
  /**
   * How many tokens there are (0: no authentication configured). 0 only
   * when the file is missing or lists none; while a file that is there
   * cannot be used, at least 1 (and `verify` refuses every token). A
   * server that required tokens when it started should keep requiring them
   * when the count falls to 0 (every token removed): `verify` then
   * refuses all.
   */
  readonly size: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class TokenStore extends Context.Tag("llm-cli-gateway/TokenStore")<TokenStore, TokenStoreShape>() {}

interface Entry {
  readonly hash: Buffer
  readonly principal: Principal
}

type View =
  | { readonly _tag: "Ready"; readonly entries: ReadonlyArray<Entry> }
  | { readonly _tag: "Broken"; readonly size: number; readonly problem: string }

const ready = (records: ReadonlyArray<{ readonly name: string; readonly hash: Buffer }>): View => ({
  _tag: "Ready",
  entries: records.map(({ hash, name }) => ({ hash, principal: { name } }))
})

const viewOf = (file: TokensFile): View =>
  ready(file.tokens.map((t) => ({ name: t.name, hash: Buffer.from(t.sha256, "hex") })))

const sizeOf = (view: View): number => view._tag === "Ready" ? view.entries.length : view.size

/** The principal whose hash is the token's: every entry compared in constant time, none skipped. */
const matching = (entries: ReadonlyArray<Entry>, token: string): Option.Option<Principal> => {
  const presented = sha256(token)
  let found: Principal | undefined
  for (const entry of entries) {
    const equal = timingSafeEqual(presented, entry.hash)
    if (equal && found === undefined) found = entry.principal
  }
  return Option.fromNullable(found)
}

const storeOf = (current: Effect.Effect<View>): TokenStoreShape => ({
  verify: (token) => Effect.map(current, (view) => view._tag === "Ready" ? matching(view.entries, token) : Option.none()),
  size: Effect.map(current, sizeOf)
})

/**
 * How often the store looks whether the file changed, at most (ms).
 *
 * @since 0.1.0
 */
export const CHECK_INTERVAL_MS = 1_000

interface State {
  readonly view: View
  readonly stamp: string
  readonly checkedAt: number
}

/**
 * A store of the tokens in the file at `path`: read now (an unusable file
 * fails), looked at again at most every `checkIntervalMs` and read again
 * when it changed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  path: string,
  options: { readonly checkIntervalMs?: number } = {}
): Effect.Effect<TokenStoreShape, TokenFileError> =>
  Effect.gen(function*() {
    const interval = options.checkIntervalMs ?? CHECK_INTERVAL_MS
    const first = yield* readTokens(path)
    const state = yield* Ref.make<State>({
      view: viewOf(first.file),
      stamp: first.stamp,
      checkedAt: yield* Clock.currentTimeMillis
    })
    const lock = yield* Effect.makeSemaphore(1)
    const isDue = (s: State, now: number) => now - s.checkedAt >= interval

    const refresh: Effect.Effect<View> = lock.withPermits(1)(Effect.gen(function*() {
      const s = yield* Ref.get(state)
      const now = yield* Clock.currentTimeMillis
      if (!isDue(s, now)) return s.view
      const stamp = yield* currentStamp(path)
      if (stamp === s.stamp) {
        yield* Ref.set(state, { ...s, checkedAt: now })
        return s.view
      }
      const read = yield* Effect.either(readTokens(path))
      if (Either.isLeft(read)) {
        const problem = read.left.message
        // Said once per problem, not at every look.
        if (s.view._tag !== "Broken" || s.view.problem !== problem) {
          yield* Effect.logWarning(`${problem}. Every bearer token is refused until it is mended.`)
        }
        const broken: View = { _tag: "Broken", size: Math.max(1, sizeOf(s.view)), problem }
        // A file that could not be read (EMFILE, EIO …) is tried again at the next look, even unchanged.
        yield* Ref.set(state, { view: broken, stamp: read.left.reason === "Unreadable" ? RETRY : stamp, checkedAt: now })
        return broken
      }
      const view = viewOf(read.right.file)
      yield* Effect.logInfo(`tokens file ${path} read again: ${sizeOf(view)} token(s)`)
      yield* Ref.set(state, { view, stamp: read.right.stamp, checkedAt: now })
      return view
    }))

    const current = Effect.flatMap(
      Effect.zip(Ref.get(state), Clock.currentTimeMillis),
      ([s, now]) => isDue(s, now) ? refresh : Effect.succeed(s.view)
    )
    return storeOf(current)
  })

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

/**
 * The store of the file at `path`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (path: string): Layer.Layer<TokenStore, TokenFileError> => Layer.effect(TokenStore, make(path))

/**
 * The store of the configured file (`LLM_GATEWAY_TOKENS_FILE`); a missing
 * file holds no tokens, an unusable one fails.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<TokenStore, TokenFileError> = Layer.effect(
  TokenStore,
  Effect.flatMap(configuredPath, (path) => make(path))
)

/**
 * A fixed store, name → plain token, for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (tokens: Record<string, string>): Layer.Layer<TokenStore> =>
  Layer.succeed(
    TokenStore,
    storeOf(Effect.succeed(ready(Object.entries(tokens).map(([name, token]) => ({ name, hash: sha256(token) })))))
  )
